//! The OpenAPI document describes every admin operation as routed (each asks for a token
//! first, other methods are 405) and the admin API's answers fit the schemas it gives.

use std::collections::BTreeSet;

use farm_auth::accounts::users::Role;
use farm_auth::domain::FarmStatus;
use reqwest::header::WWW_AUTHENTICATE;
use reqwest::{Method, StatusCode};
use serde_json::json;

use super::*;
use crate::support::{
    TestApp, api_person, assert_documented, call_api, farm_owned_by, json_answer, openapi_document,
    operations_in, resolve,
};

/// The operations of the admin API (and the farmer's registration tokens), as routed.
const ADMIN_OPERATIONS: &[(&str, &str)] = &[
    ("get", "/api/v1/admin/users"),
    ("get", "/api/v1/admin/users/{id}"),
    ("delete", "/api/v1/admin/users/{id}"),
    ("post", "/api/v1/admin/users/{id}/lock"),
    ("post", "/api/v1/admin/users/{id}/unlock"),
    ("put", "/api/v1/admin/users/{id}/roles"),
    ("post", "/api/v1/admin/users/{id}/password-reset"),
    ("get", "/api/v1/admin/users/{id}/sessions"),
    ("delete", "/api/v1/admin/users/{id}/sessions/{sid}"),
    ("get", "/api/v1/admin/clients"),
    ("post", "/api/v1/admin/clients"),
    ("get", "/api/v1/admin/clients/{id}"),
    ("put", "/api/v1/admin/clients/{id}"),
    ("delete", "/api/v1/admin/clients/{id}"),
    ("post", "/api/v1/admin/clients/{id}/secret"),
    ("put", "/api/v1/admin/clients/{id}/suspension"),
    ("delete", "/api/v1/admin/clients/{id}/suspension"),
    ("get", "/api/v1/admin/keys"),
    ("post", "/api/v1/admin/keys/rotate"),
    ("post", "/api/v1/admin/keys/{kid}/revoke"),
    ("get", "/api/v1/admin/audit"),
    ("post", "/api/v1/admin/initial-access-tokens"),
    ("post", "/api/v1/me/initial-access-tokens"),
    ("get", "/api/v1/admin/apis"),
    ("post", "/api/v1/admin/apis"),
    ("get", "/api/v1/admin/apis/{id}"),
    ("delete", "/api/v1/admin/apis/{id}"),
    ("put", "/api/v1/admin/apis/{id}/scopes"),
    ("get", "/api/v1/admin/upstreams"),
    ("post", "/api/v1/admin/upstreams"),
    ("delete", "/api/v1/admin/upstreams/{id}"),
    ("get", "/api/v1/admin/webhooks"),
    ("post", "/api/v1/admin/webhooks"),
    ("get", "/api/v1/admin/webhooks/{id}"),
    ("put", "/api/v1/admin/webhooks/{id}"),
    ("delete", "/api/v1/admin/webhooks/{id}"),
    ("get", "/api/v1/admin/webhooks/{id}/deliveries"),
    (
        "post",
        "/api/v1/admin/webhooks/{id}/deliveries/{delivery}/replay",
    ),
];

/// The statuses the tests below see each operation answer.
const ADMIN_OBSERVED: &[(&str, &str, &[u16])] = &[
    ("get", "/api/v1/admin/users", &[200, 400, 401, 403]),
    ("get", "/api/v1/admin/users/{id}", &[200, 401, 403, 404]),
    ("delete", "/api/v1/admin/users/{id}", &[204, 404, 409]),
    (
        "post",
        "/api/v1/admin/users/{id}/lock",
        &[200, 400, 404, 409, 413],
    ),
    (
        "post",
        "/api/v1/admin/users/{id}/unlock",
        &[200, 400, 404, 413],
    ),
    (
        "put",
        "/api/v1/admin/users/{id}/roles",
        &[200, 400, 404, 409, 413],
    ),
    (
        "post",
        "/api/v1/admin/users/{id}/password-reset",
        &[202, 404, 409],
    ),
    ("get", "/api/v1/admin/users/{id}/sessions", &[200, 404]),
    (
        "delete",
        "/api/v1/admin/users/{id}/sessions/{sid}",
        &[204, 404],
    ),
    ("get", "/api/v1/admin/clients", &[200, 400, 401, 403]),
    ("post", "/api/v1/admin/clients", &[201, 400, 413]),
    ("get", "/api/v1/admin/clients/{id}", &[200, 404]),
    ("put", "/api/v1/admin/clients/{id}", &[200, 400, 404, 413]),
    ("delete", "/api/v1/admin/clients/{id}", &[204, 404]),
    (
        "post",
        "/api/v1/admin/clients/{id}/secret",
        &[200, 400, 404],
    ),
    ("put", "/api/v1/admin/clients/{id}/suspension", &[200, 404]),
    (
        "delete",
        "/api/v1/admin/clients/{id}/suspension",
        &[200, 404],
    ),
    ("get", "/api/v1/admin/keys", &[200, 401, 403]),
    ("post", "/api/v1/admin/keys/rotate", &[200]),
    ("post", "/api/v1/admin/keys/{kid}/revoke", &[200, 404]),
    ("get", "/api/v1/admin/audit", &[200, 400]),
    (
        "post",
        "/api/v1/admin/initial-access-tokens",
        &[201, 400, 404, 409, 413],
    ),
    (
        "post",
        "/api/v1/me/initial-access-tokens",
        &[201, 400, 401, 403, 404, 409, 413],
    ),
    ("get", "/api/v1/admin/apis", &[200]),
    ("post", "/api/v1/admin/apis", &[201, 400, 409, 413]),
    ("get", "/api/v1/admin/apis/{id}", &[200, 404]),
    ("delete", "/api/v1/admin/apis/{id}", &[204, 404]),
    (
        "put",
        "/api/v1/admin/apis/{id}/scopes",
        &[200, 400, 404, 409, 413],
    ),
];

fn is_admin_operation(path: &str) -> bool {
    (path.starts_with("/api/v1/admin/") || path == "/api/v1/me/initial-access-tokens")
        && !crate::support::is_farm_operation(path)
}

fn concrete(path: &str) -> String {
    crate::support::concrete_path(path)
}

#[tokio::test]
async fn every_admin_operation_is_documented_routed_and_asks_for_a_token() {
    let app = TestApp::spawn().await;
    let doc = openapi_document(&app).await;
    let documented: BTreeSet<(String, String)> = operations_in(&doc)
        .into_iter()
        .filter(|(_, path)| is_admin_operation(path))
        .collect();
    let routed: BTreeSet<(String, String)> = ADMIN_OPERATIONS
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    assert_eq!(documented, routed);

    let mut operation_ids = BTreeSet::new();
    for (method, path) in ADMIN_OPERATIONS {
        let operation = &doc["paths"][path][method];
        let id = operation["operationId"].as_str().expect("an operationId");
        assert!(operation_ids.insert(id.to_string()), "{id} twice");
        assert!(operation["summary"].is_string(), "{method} {path}");
        // Guarded by the document's bearer scheme, like the rest of the API.
        assert!(operation.get("security").is_none(), "{method} {path}");
        // Every path parameter is described.
        let named: BTreeSet<String> = path
            .split('/')
            .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
            .map(str::to_string)
            .collect();
        let mut described = BTreeSet::new();
        for parameter in doc["paths"][path]["parameters"]
            .as_array()
            .into_iter()
            .chain(operation["parameters"].as_array())
            .flatten()
        {
            let parameter = resolve(&doc, parameter);
            if parameter["in"] == "path" {
                assert_eq!(parameter["required"], true, "{method} {path}");
                described.insert(parameter["name"].as_str().unwrap().to_string());
            }
        }
        assert_eq!(named, described, "{method} {path}");
        // Every operation says what a refused token gets.
        let responses = &operation["responses"];
        for status in ["401", "403"] {
            assert!(!responses[status].is_null(), "{method} {path}: {status}");
        }
        if path.contains('{') {
            assert!(!responses["404"].is_null(), "{method} {path}: 404");
        }
        // A body is documented where one is read, with what a bad one gets.
        let reads_body = body_routes("{id}", "{id}")
            .iter()
            .any(|(m, p)| m.as_str().eq_ignore_ascii_case(method) && p == path);
        assert_eq!(
            !operation["requestBody"].is_null(),
            reads_body,
            "{method} {path}: requestBody"
        );
        if reads_body {
            for status in ["400", "413"] {
                assert!(!responses[status].is_null(), "{method} {path}: {status}");
            }
            let schema = &operation["requestBody"]["content"]["application/json"]["schema"];
            assert!(!schema.is_null(), "{method} {path}: no body schema");
        }

        // Routed, and asks for a token before anything else.
        let verb = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let body = (verb == Method::POST || verb == Method::PUT).then(|| b"{}".to_vec());
        let response = call_api(&app, verb, &concrete(path), None, body).await;
        assert_eq!(
            response.status(),
            StatusCode::UNAUTHORIZED,
            "{method} {path}"
        );
        assert!(
            response.headers().contains_key(WWW_AUTHENTICATE),
            "{method} {path}"
        );
    }
    // Other methods on a documented path are not routed.
    let paths: BTreeSet<&str> = ADMIN_OPERATIONS.iter().map(|(_, p)| *p).collect();
    for path in paths {
        for method in ["get", "post", "put", "patch", "delete"] {
            if ADMIN_OPERATIONS.contains(&(method, path)) {
                continue;
            }
            let verb = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let response = call_api(&app, verb, &concrete(path), None, None).await;
            assert_eq!(
                response.status(),
                StatusCode::METHOD_NOT_ALLOWED,
                "{method} {path} is routed but not documented"
            );
        }
    }
    // The statuses the tests here see are documented.
    for (method, path, statuses) in ADMIN_OBSERVED {
        let responses = &doc["paths"][path][method]["responses"];
        for status in *statuses {
            assert!(
                !responses[status.to_string()].is_null(),
                "{method} {path} answers {status}, undocumented"
            );
        }
    }
    // The error codes are named, and the token scheme says what the admin API needs.
    let text = doc.to_string();
    for code in [
        "not_on_yourself",
        "forbidden",
        "insufficient_scope",
        "invalid_redirect_uri",
        "invalid_client_metadata",
        "not_found",
    ] {
        assert!(text.contains(code), "{code} is not documented");
    }
    let scheme = doc["components"]["securitySchemes"]["bearer"]["description"]
        .as_str()
        .unwrap();
    assert!(scheme.contains("`admin`"), "{scheme}");
}

#[tokio::test]
async fn admin_answers_fit_the_schemas_the_document_gives_them() {
    let app = TestApp::spawn().await;
    let doc = openapi_document(&app).await;
    let root = admin(&app, "root").await;
    let marigold = api_person(
        &app,
        "marigold",
        Role::Farmer,
        "openid account",
        "openid account",
    )
    .await;
    let user = user_path(&marigold.id);
    let t = root.token.as_str();

    let list = ok(get(&app, "/api/v1/admin/users", t).await).await;
    assert_documented(&doc, "get", "/api/v1/admin/users", 200, &list);
    // A person's token without the admin scope.
    let forbidden = json_answer(
        get(&app, "/api/v1/admin/users", &marigold.token).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_documented(&doc, "get", "/api/v1/admin/users", 403, &forbidden);
    let bad = json_answer(
        get(&app, "/api/v1/admin/users?limit=0", t).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_documented(&doc, "get", "/api/v1/admin/users", 400, &bad);
    let one = ok(get(&app, &user, t).await).await;
    assert_documented(&doc, "get", "/api/v1/admin/users/{id}", 200, &one);
    let missing = json_answer(
        get(&app, &user_path("nobody"), t).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_documented(&doc, "get", "/api/v1/admin/users/{id}", 404, &missing);
    let roles = ok(put(
        &app,
        &format!("{user}/roles"),
        t,
        &json!({"roles": ["farmer"]}),
    )
    .await)
    .await;
    assert_documented(&doc, "put", "/api/v1/admin/users/{id}/roles", 200, &roles);
    let sessions = ok(get(&app, &format!("{user}/sessions"), t).await).await;
    assert_eq!(sessions["sessions"].as_array().unwrap().len(), 1);
    assert_documented(
        &doc,
        "get",
        "/api/v1/admin/users/{id}/sessions",
        200,
        &sessions,
    );
    let farm = farm_owned_by(&app, &marigold.id, "Marigold Farm", FarmStatus::Active).await;
    let issued = json_answer(
        post(
            &app,
            "/api/v1/me/initial-access-tokens",
            &marigold.token,
            &json!({ "farm_id": farm }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_documented(
        &doc,
        "post",
        "/api/v1/me/initial-access-tokens",
        201,
        &issued,
    );
    let issued = json_answer(
        post(
            &app,
            "/api/v1/admin/initial-access-tokens",
            t,
            &json!({"vendor": "Orchard Apps"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_documented(
        &doc,
        "post",
        "/api/v1/admin/initial-access-tokens",
        201,
        &issued,
    );
    let locked = ok(post(&app, &format!("{user}/lock"), t, &json!({"reason": "r"})).await).await;
    assert_documented(&doc, "post", "/api/v1/admin/users/{id}/lock", 200, &locked);
    let yourself = json_answer(
        post(
            &app,
            &format!("{}/lock", user_path(&root.id)),
            t,
            &json!({"reason": "r"}),
        )
        .await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_documented(
        &doc,
        "post",
        "/api/v1/admin/users/{id}/lock",
        409,
        &yourself,
    );
    let unlocked = ok(post(&app, &format!("{user}/unlock"), t, &json!({})).await).await;
    assert_documented(
        &doc,
        "post",
        "/api/v1/admin/users/{id}/unlock",
        200,
        &unlocked,
    );
    let reset = json_answer(
        call_api(
            &app,
            Method::POST,
            &format!("{user}/password-reset"),
            Some(t),
            None,
        )
        .await,
        StatusCode::ACCEPTED,
    )
    .await;
    assert_documented(
        &doc,
        "post",
        "/api/v1/admin/users/{id}/password-reset",
        202,
        &reset,
    );

    let created = json_answer(
        post(&app, "/api/v1/admin/clients", t, &client_body()).await,
        StatusCode::CREATED,
    )
    .await;
    assert_documented(&doc, "post", "/api/v1/admin/clients", 201, &created);
    let id = created["client_id"].as_str().unwrap();
    let mut bad_uri = client_body();
    bad_uri["redirect_uris"] = json!(["http://x.example/"]);
    let refused = json_answer(
        post(&app, "/api/v1/admin/clients", t, &bad_uri).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_documented(&doc, "post", "/api/v1/admin/clients", 400, &refused);
    let clients = ok(get(&app, "/api/v1/admin/clients", t).await).await;
    assert_documented(&doc, "get", "/api/v1/admin/clients", 200, &clients);
    json_answer(
        post(&app, "/api/v1/admin/clients", t, &client_body()).await,
        StatusCode::CREATED,
    )
    .await;
    let paged = ok(get(&app, "/api/v1/admin/clients?limit=1", t).await).await;
    assert!(paged["next_cursor"].is_string(), "{paged}");
    assert_documented(&doc, "get", "/api/v1/admin/clients", 200, &paged);
    let bad = json_answer(
        get(&app, "/api/v1/admin/clients?cursor=nothing", t).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_documented(&doc, "get", "/api/v1/admin/clients", 400, &bad);
    let client = ok(get(&app, &format!("/api/v1/admin/clients/{id}"), t).await).await;
    assert_documented(&doc, "get", "/api/v1/admin/clients/{id}", 200, &client);
    let updated = ok(put(
        &app,
        &format!("/api/v1/admin/clients/{id}"),
        t,
        &client_body(),
    )
    .await)
    .await;
    assert_documented(&doc, "put", "/api/v1/admin/clients/{id}", 200, &updated);
    let secret = ok(call_api(
        &app,
        Method::POST,
        &format!("/api/v1/admin/clients/{id}/secret"),
        Some(t),
        None,
    )
    .await)
    .await;
    assert_documented(
        &doc,
        "post",
        "/api/v1/admin/clients/{id}/secret",
        200,
        &secret,
    );

    let keys = ok(get(&app, "/api/v1/admin/keys", t).await).await;
    assert_documented(&doc, "get", "/api/v1/admin/keys", 200, &keys);
    let rotated = ok(call_api(
        &app,
        Method::POST,
        "/api/v1/admin/keys/rotate",
        Some(t),
        None,
    )
    .await)
    .await;
    assert_documented(&doc, "post", "/api/v1/admin/keys/rotate", 200, &rotated);
    let keys = ok(get(&app, "/api/v1/admin/keys", t).await).await;
    assert_documented(&doc, "get", "/api/v1/admin/keys", 200, &keys);

    let audit = ok(get(&app, "/api/v1/admin/audit?limit=2", t).await).await;
    assert!(audit["next_before"].is_i64());
    assert_documented(&doc, "get", "/api/v1/admin/audit", 200, &audit);
    let audit = ok(get(&app, "/api/v1/admin/audit", t).await).await;
    assert_documented(&doc, "get", "/api/v1/admin/audit", 200, &audit);
    let bad = json_answer(
        get(&app, "/api/v1/admin/audit?limit=0", t).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_documented(&doc, "get", "/api/v1/admin/audit", 400, &bad);
}
