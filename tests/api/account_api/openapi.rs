//! The OpenAPI document of the account API: served as JSON for OpenAPI 3.1 (the file in
//! `docs/`), every operation documented and routed, the statuses it answers documented, and the
//! answers fit the schemas.

use std::collections::BTreeSet;

use reqwest::header::WWW_AUTHENTICATE;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::*;
use crate::support::{
    PASSWORD, TestApp, answer_schema, assert_fits, call_api, code_now, json_answer,
    openapi_document, operations_in,
};

/// The operations of the API, as the tests below call them.
const OPERATIONS: &[(&str, &str)] = &[
    ("post", "/api/v1/users"),
    ("post", "/api/v1/password-reset-requests"),
    ("post", "/api/v1/password-resets"),
    ("get", "/api/v1/me"),
    ("post", "/api/v1/me/password"),
    ("post", "/api/v1/me/totp"),
    ("post", "/api/v1/me/totp/verify"),
    ("post", "/api/v1/me/totp/disable"),
    ("get", "/api/v1/me/sessions"),
    ("delete", "/api/v1/me/sessions/{id}"),
    ("put", "/api/v1/me/name"),
    ("post", "/api/v1/me/email"),
    ("post", "/api/v1/me/deletion"),
    ("get", "/api/v1/me/export"),
    ("get", "/api/v1/openapi.json"),
];

/// The statuses the tests below see each operation answer.
const OBSERVED: &[(&str, &str, &[u16])] = &[
    ("post", "/api/v1/users", &[201, 400, 401, 403, 409]),
    ("post", "/api/v1/password-reset-requests", &[202, 400, 401]),
    ("post", "/api/v1/password-resets", &[204, 400]),
    ("get", "/api/v1/me", &[200, 401, 403]),
    ("post", "/api/v1/me/password", &[204, 400, 403, 429]),
    ("post", "/api/v1/me/totp", &[201, 403, 409]),
    ("post", "/api/v1/me/totp/verify", &[200, 400, 409]),
    ("post", "/api/v1/me/totp/disable", &[204, 400, 409]),
    ("get", "/api/v1/me/sessions", &[200, 403]),
    ("delete", "/api/v1/me/sessions/{id}", &[204, 403, 404]),
    ("put", "/api/v1/me/name", &[200, 400, 401]),
    ("post", "/api/v1/me/email", &[202, 400, 401, 409]),
    ("post", "/api/v1/me/deletion", &[204, 400, 401, 409]),
    ("get", "/api/v1/me/export", &[200, 401]),
    ("get", "/api/v1/openapi.json", &[200]),
];

#[tokio::test]
async fn the_openapi_document_is_served_as_json_for_openapi_3_1() {
    let app = TestApp::spawn().await;
    let doc = openapi_document(&app).await;
    assert_eq!(doc["openapi"], "3.1.0");
    assert!(doc["info"]["title"].is_string());
    assert!(doc["info"]["version"].is_string());
    let on_disk: Value = serde_json::from_str(include_str!("../../../docs/openapi.json")).unwrap();
    assert_eq!(doc, on_disk, "the served document is docs/openapi.json");
    // Every local reference resolves.
    fn references(value: &Value, out: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                if let Some(Value::String(r)) = map.get("$ref") {
                    out.push(r.clone());
                }
                map.values().for_each(|v| references(v, out));
            }
            Value::Array(items) => items.iter().for_each(|v| references(v, out)),
            _ => {}
        }
    }
    let mut found = Vec::new();
    references(&doc, &mut found);
    assert!(!found.is_empty());
    for reference in found {
        let pointer = reference.strip_prefix('#').expect("a local reference");
        assert!(doc.pointer(pointer).is_some(), "{reference} points nowhere");
    }
}

#[tokio::test]
async fn every_documented_operation_is_routed_and_asks_for_a_token() {
    let app = TestApp::spawn().await;
    let doc = openapi_document(&app).await;
    let operations = operations_in(&doc);
    assert!(!operations.is_empty());
    for (method, path) in &operations {
        let concrete = crate::support::concrete_path(path);
        assert!(!concrete.contains('{'), "an unknown parameter in {path}");
        let verb = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let body = (verb == Method::POST).then(|| b"{}".to_vec());
        let response = call_api(&app, verb, &concrete, None, body).await;
        let public = doc["paths"][path][method]["security"] == json!([]);
        let expected = match public {
            true => StatusCode::OK,
            false => StatusCode::UNAUTHORIZED,
        };
        assert_eq!(response.status(), expected, "{method} {path}");
        if !public {
            assert!(
                response.headers().contains_key(WWW_AUTHENTICATE),
                "{method} {path}"
            );
        }
    }
    // The other methods on a documented path are not routed: nothing undocumented hides there.
    let paths: BTreeSet<&String> = operations.iter().map(|(_, p)| p).collect();
    for path in paths {
        let concrete = crate::support::concrete_path(path);
        for method in ["get", "post", "put", "patch", "delete"] {
            if operations.contains(&(method.to_string(), path.clone())) {
                continue;
            }
            let verb = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let response = call_api(&app, verb, &concrete, None, None).await;
            assert_eq!(
                response.status(),
                StatusCode::METHOD_NOT_ALLOWED,
                "{method} {path} is routed but not documented"
            );
        }
    }
}

#[tokio::test]
async fn every_api_operation_and_the_statuses_it_answers_are_documented() {
    let app = TestApp::spawn().await;
    let doc = openapi_document(&app).await;
    // The admin API's operations are checked in admin_api.rs.
    let documented: BTreeSet<(String, String)> = operations_in(&doc)
        .into_iter()
        .filter(|(_, path)| {
            !path.starts_with("/api/v1/admin/")
                && path != "/api/v1/me/initial-access-tokens"
                && !crate::support::is_farm_operation(path)
        })
        .collect();
    let tested: BTreeSet<(String, String)> = OPERATIONS
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    assert_eq!(documented, tested);
    for (method, path, statuses) in OBSERVED {
        let responses = &doc["paths"][path][method]["responses"];
        for status in *statuses {
            assert!(
                !responses[status.to_string()].is_null(),
                "{method} {path} answers {status}, undocumented"
            );
        }
    }
    // The error codes the API answers are named.
    let bad_request = doc["components"]["responses"]["BadRequest"]["description"]
        .as_str()
        .unwrap();
    for code in [
        "invalid_request",
        "invalid_user",
        "invalid_role",
        "invalid_password",
        "invalid_code",
        "invalid_token",
        "weak_password",
    ] {
        assert!(bad_request.contains(code), "{code} not in {bad_request}");
    }
    let text = doc.to_string();
    for code in [
        "already_registered",
        "totp_already_enabled",
        "totp_not_enabled",
        "too_many_attempts",
        "insufficient_scope",
    ] {
        assert!(text.contains(code), "{code} is not documented");
    }
    let scheme = &doc["components"]["securitySchemes"]["bearer"];
    assert_eq!(scheme["type"], "http");
    assert_eq!(scheme["scheme"], "bearer");
    assert_eq!(doc["security"], json!([{"bearer": []}]));
}

#[tokio::test]
async fn answers_fit_the_schemas_the_document_gives_them() {
    let app = TestApp::spawn().await;
    let doc = openapi_document(&app).await;
    let app_token = app_token(&app).await;
    let ada = person(&app, "ada").await;
    let token = Some(ada.token.as_str());

    let mut body = signup("wren", "wren@farm.example", SIGNUP_PASSWORD);
    body["role"] = json!("farmer");
    body["farm_name"] = json!("Wren's Orchard");
    let user = json_answer(
        post(&app, "/api/v1/users", Some(&app_token), &body).await,
        StatusCode::CREATED,
    )
    .await;
    assert_fits(
        &doc,
        answer_schema(&doc, "post", "/api/v1/users", 201),
        &user,
        "signUp",
    );
    let conflict = post(&app, "/api/v1/users", Some(&app_token), &body).await;
    let conflict = json_answer(conflict, StatusCode::CONFLICT).await;
    assert_fits(
        &doc,
        answer_schema(&doc, "post", "/api/v1/users", 409),
        &conflict,
        "signUp 409",
    );
    let bad = post(&app, "/api/v1/users", Some(&app_token), &json!({})).await;
    let bad = json_answer(bad, StatusCode::BAD_REQUEST).await;
    assert_fits(
        &doc,
        answer_schema(&doc, "post", "/api/v1/users", 400),
        &bad,
        "signUp 400",
    );

    let me = json_answer(get(&app, "/api/v1/me", token).await, StatusCode::OK).await;
    assert_fits(
        &doc,
        answer_schema(&doc, "get", "/api/v1/me", 200),
        &me,
        "getMe",
    );

    let sessions = json_answer(
        get(&app, "/api/v1/me/sessions", token).await,
        StatusCode::OK,
    )
    .await;
    assert_fits(
        &doc,
        answer_schema(&doc, "get", "/api/v1/me/sessions", 200),
        &sessions,
        "listSessions",
    );
    assert_eq!(sessions["sessions"].as_array().unwrap().len(), 1);

    let started = json_answer(
        post(
            &app,
            "/api/v1/me/totp",
            token,
            &json!({"password": PASSWORD}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_fits(
        &doc,
        answer_schema(&doc, "post", "/api/v1/me/totp", 201),
        &started,
        "startTotp",
    );
    let code = code_now(&app, started["secret"].as_str().unwrap());
    let codes = post(
        &app,
        "/api/v1/me/totp/verify",
        token,
        &json!({"code": code}),
    )
    .await;
    let codes = json_answer(codes, StatusCode::OK).await;
    assert_fits(
        &doc,
        answer_schema(&doc, "post", "/api/v1/me/totp/verify", 200),
        &codes,
        "verifyTotp",
    );
    let again = post(
        &app,
        "/api/v1/me/totp",
        token,
        &json!({"password": PASSWORD}),
    )
    .await;
    let again = json_answer(again, StatusCode::CONFLICT).await;
    assert_fits(
        &doc,
        answer_schema(&doc, "post", "/api/v1/me/totp", 409),
        &again,
        "startTotp 409",
    );

    let missing = delete(&app, "/api/v1/me/sessions/none", token).await;
    let missing = json_answer(missing, StatusCode::NOT_FOUND).await;
    assert_fits(
        &doc,
        answer_schema(&doc, "delete", "/api/v1/me/sessions/{id}", 404),
        &missing,
        "endSession 404",
    );
    let scope = get(&app, "/api/v1/me", Some(&app_token)).await;
    let scope = json_answer(scope, StatusCode::FORBIDDEN).await;
    assert_fits(
        &doc,
        answer_schema(&doc, "get", "/api/v1/me", 403),
        &scope,
        "getMe 403",
    );
}

#[tokio::test]
async fn answers_of_the_profile_and_data_operations_fit_their_schemas() {
    let app = TestApp::spawn().await;
    let doc = openapi_document(&app).await;
    let ada = person(&app, "ada").await;
    let token = Some(ada.token.as_str());
    let fits = |method: &str, path: &str, status: u16, answer: &Value| {
        assert_fits(
            &doc,
            answer_schema(&doc, method, path, status),
            answer,
            path,
        );
    };
    let body = json!({"name": "Ada L."});
    let name = call_api(
        &app,
        Method::PUT,
        "/api/v1/me/name",
        token,
        Some(body.to_string().into_bytes()),
    );
    fits(
        "put",
        "/api/v1/me/name",
        200,
        &json_answer(name.await, StatusCode::OK).await,
    );
    let body = json!({"email": "ada@new.example", "password": PASSWORD});
    let email = post(&app, "/api/v1/me/email", token, &body).await;
    fits(
        "post",
        "/api/v1/me/email",
        202,
        &json_answer(email, StatusCode::ACCEPTED).await,
    );
    let export = json_answer(get(&app, "/api/v1/me/export", token).await, StatusCode::OK).await;
    fits("get", "/api/v1/me/export", 200, &export);
    let wrong = post(
        &app,
        "/api/v1/me/deletion",
        token,
        &json!({"password": "wrong one"}),
    )
    .await;
    let wrong = json_answer(wrong, StatusCode::BAD_REQUEST).await;
    fits("post", "/api/v1/me/deletion", 400, &wrong);
}
