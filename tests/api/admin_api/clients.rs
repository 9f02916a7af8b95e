//! Clients through the admin API: created, listed, read, updated and deleted; bad metadata
//! stores nothing; a new secret works at once and the old one stops.

use farm_auth::secrets::hash_secret;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::*;
use crate::support::{
    TestApp, TestClient, assert_api_error, assert_no_content, assert_oauth_error, json_answer,
};

#[tokio::test]
async fn clients_are_created_listed_read_updated_and_deleted() {
    let app = TestApp::spawn().await;
    let root = admin(&app, "root").await;

    let created = json_answer(
        post(&app, "/api/v1/admin/clients", &root.token, &client_body()).await,
        StatusCode::CREATED,
    )
    .await;
    let id = created["client_id"].as_str().unwrap().to_string();
    let secret = created["client_secret"].as_str().unwrap().to_string();
    assert_eq!(created["client_name"], "Market Stall");
    assert_eq!(
        created["redirect_uris"],
        json!(["https://stall.example/cb"])
    );
    assert_eq!(
        created["post_logout_redirect_uris"],
        json!(["https://stall.example/bye"])
    );
    assert_eq!(
        created["grant_types"],
        json!(["authorization_code", "refresh_token", "client_credentials"])
    );
    assert_eq!(created["scope"], "openid account");
    assert_eq!(created["token_endpoint_auth_method"], "client_secret_basic");
    assert_eq!(created["registered_by_vendor"], false);
    let stored = app.store.find_client(&id).await.unwrap().expect("stored");
    assert_eq!(stored.name, "Market Stall");
    assert_eq!(
        stored.secret_hash.as_deref(),
        Some(hash_secret(&secret).as_str())
    );
    let record = assert_by_admin(&app, "client.created", None, &root).await;
    assert_eq!(record.client_id.as_deref(), Some(id.as_str()));
    assert_eq!(
        record.detail.as_deref(),
        Some("by administrator root: Market Stall")
    );

    // The secret is shown that once.
    let listed = ok(get(&app, "/api/v1/admin/clients", &root.token).await).await;
    let ids: Vec<&str> = listed["clients"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["client_id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&id.as_str()), "{listed}");
    assert!(ids.contains(&root.client.id.as_str()), "{listed}");
    assert_eq!(ids.len(), app.store.list_clients().await.unwrap().len());
    let one = ok(get(&app, &format!("/api/v1/admin/clients/{id}"), &root.token).await).await;
    let mut expected = created.clone();
    expected.as_object_mut().unwrap().remove("client_secret");
    assert_eq!(one, expected);
    for text in [listed.to_string(), one.to_string()] {
        assert!(!text.contains(&secret));
        assert!(!text.contains("client_secret\""));
        assert!(!text.contains("secret_hash"));
    }

    // Updated: the new metadata holds at once.
    let mut changed = client_body();
    changed["client_name"] = json!("Market Stall 2");
    changed["redirect_uris"] = json!(["https://stall.example/cb2"]);
    changed["scope"] = json!("openid");
    let updated = ok(put(
        &app,
        &format!("/api/v1/admin/clients/{id}"),
        &root.token,
        &changed,
    )
    .await)
    .await;
    assert_eq!(updated["client_id"], id);
    assert_eq!(updated["client_name"], "Market Stall 2");
    assert_eq!(
        updated["redirect_uris"],
        json!(["https://stall.example/cb2"])
    );
    assert_eq!(updated["scope"], "openid");
    assert!(updated.get("client_secret").is_none());
    let stored = app.store.find_client(&id).await.unwrap().unwrap();
    assert_eq!(stored.redirect_uris, vec!["https://stall.example/cb2"]);
    assert_eq!(stored.scope, "openid");
    let record = assert_by_admin(&app, "client.updated", None, &root).await;
    assert_eq!(record.client_id.as_deref(), Some(id.as_str()));
    // The secret stays.
    assert_eq!(
        client_credentials_status(&app, &id, &secret).await,
        StatusCode::OK
    );
    let stall = TestClient {
        id: id.clone(),
        secret: secret.clone(),
    };
    let refused = app.client_credentials(&stall, Some("account")).await;
    assert_oauth_error(refused, StatusCode::BAD_REQUEST, "invalid_scope").await;

    // Deleted: gone, and its tokens with it.
    let token = app.access_token(&stall, None).await;
    assert_no_content(delete(&app, &format!("/api/v1/admin/clients/{id}"), &root.token).await)
        .await;
    assert!(app.store.find_client(&id).await.unwrap().is_none());
    let record = assert_by_admin(&app, "client.deleted", None, &root).await;
    assert_eq!(record.client_id.as_deref(), Some(id.as_str()));
    let response = get(&app, &format!("/api/v1/admin/clients/{id}"), &root.token).await;
    assert_api_error(response, StatusCode::NOT_FOUND, "not_found").await;
    let response = delete(&app, &format!("/api/v1/admin/clients/{id}"), &root.token).await;
    assert_api_error(response, StatusCode::NOT_FOUND, "not_found").await;
    assert_eq!(
        client_credentials_status(&app, &id, &secret).await,
        StatusCode::UNAUTHORIZED
    );
    let bot = app.machine_client("").await;
    assert!(!active_after_revocation(&app, &bot, &token).await);

    // The client's history, newest first.
    let history = ok(get(
        &app,
        &format!("/api/v1/admin/audit?client_id={id}"),
        &root.token,
    )
    .await)
    .await;
    let events: Vec<&str> = history["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(
        events,
        ["client.deleted", "client.updated", "client.created"]
    );
    assert!(
        history["events"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["actor_id"] == root.id.as_str() && e["client_id"] == id.as_str())
    );
}

#[tokio::test]
async fn bad_client_metadata_is_refused_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let root = admin(&app, "root").await;
    let created = json_answer(
        post(&app, "/api/v1/admin/clients", &root.token, &client_body()).await,
        StatusCode::CREATED,
    )
    .await;
    let id = created["client_id"].as_str().unwrap().to_string();

    let with = |field: &str, value: Value| {
        let mut body = client_body();
        body[field] = value;
        body
    };
    let cases = [
        (
            with("redirect_uris", json!(["http://stall.example/cb"])),
            "invalid_redirect_uri",
        ),
        (
            with("redirect_uris", json!(["javascript:alert(1)"])),
            "invalid_redirect_uri",
        ),
        (
            with("redirect_uris", json!(["https://stall.example/cb#x"])),
            "invalid_redirect_uri",
        ),
        (
            with("redirect_uris", json!(["/relative"])),
            "invalid_redirect_uri",
        ),
        (
            with("post_logout_redirect_uris", json!(["ftp://stall.example"])),
            "invalid_redirect_uri",
        ),
        (
            with("redirect_uris", json!(["https://stall.example/\ncb"])),
            "invalid_redirect_uri",
        ),
        (with("redirect_uris", json!([])), "invalid_client_metadata"),
        (
            with("grant_types", json!(["password"])),
            "invalid_client_metadata",
        ),
        (
            with("grant_types", json!(["refresh_token"])),
            "invalid_client_metadata",
        ),
        (with("client_name", json!("")), "invalid_client_metadata"),
        (with("client_name", json!("   ")), "invalid_client_metadata"),
        (
            with("client_name", json!("x".repeat(101))),
            "invalid_client_metadata",
        ),
        (
            with("client_name", json!("Stall\u{0}")),
            "invalid_client_metadata",
        ),
        (
            with("token_endpoint_auth_method", json!("private_key_jwt")),
            "invalid_client_metadata",
        ),
        (
            with("scope", json!("openid\u{1}")),
            "invalid_client_metadata",
        ),
        (
            with("scope", json!("openid\u{0}")),
            "invalid_client_metadata",
        ),
        (
            with(
                "post_logout_redirect_uris",
                json!(["https://stall.example/\u{0}"]),
            ),
            "invalid_redirect_uri",
        ),
        (
            with("grant_types", json!(["client_credentials\u{0}"])),
            "invalid_client_metadata",
        ),
        (with("client_name", json!(7)), "invalid_request"),
        (
            with("redirect_uris", json!("https://stall.example/cb")),
            "invalid_request",
        ),
        (
            json!({"redirect_uris": ["https://stall.example/cb"]}),
            "invalid_request",
        ),
    ];
    let before = snapshot(&app).await;
    for (body, error) in &cases {
        let response = post(&app, "/api/v1/admin/clients", &root.token, body).await;
        let answer = json_answer(response, StatusCode::BAD_REQUEST).await;
        assert_eq!(answer["error"], *error, "{body}: {answer}");
        let response = put(
            &app,
            &format!("/api/v1/admin/clients/{id}"),
            &root.token,
            body,
        )
        .await;
        let answer = json_answer(response, StatusCode::BAD_REQUEST).await;
        assert_eq!(answer["error"], *error, "{body}: {answer}");
    }
    // A confidential client stays confidential.
    let response = put(
        &app,
        &format!("/api/v1/admin/clients/{id}"),
        &root.token,
        &with("token_endpoint_auth_method", json!("none")),
    )
    .await;
    assert_api_error(response, StatusCode::BAD_REQUEST, "invalid_client_metadata").await;
    assert_eq!(snapshot(&app).await, before);

    for odd in ["nobody", "%00", "%0A", &"c".repeat(10_000)] {
        let path = format!("/api/v1/admin/clients/{odd}");
        let response = put(&app, &path, &root.token, &client_body()).await;
        assert_api_error(response, StatusCode::NOT_FOUND, "not_found").await;
        let response = get(&app, &path, &root.token).await;
        assert_api_error(response, StatusCode::NOT_FOUND, "not_found").await;
        let response = delete(&app, &path, &root.token).await;
        assert_api_error(response, StatusCode::NOT_FOUND, "not_found").await;
        let response = call_api(
            &app,
            Method::POST,
            &format!("{path}/secret"),
            Some(&root.token),
            None,
        )
        .await;
        assert_api_error(response, StatusCode::NOT_FOUND, "not_found").await;
    }
    assert_eq!(snapshot(&app).await, before);
}

#[tokio::test]
async fn a_new_client_secret_works_at_once_and_the_old_one_is_refused() {
    let app = TestApp::spawn().await;
    let root = admin(&app, "root").await;
    let created = json_answer(
        post(
            &app,
            "/api/v1/admin/clients",
            &root.token,
            &json!({"client_name": "Sorting Robot", "scope": "account"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(created["grant_types"], json!(["client_credentials"]));
    assert_eq!(created["token_endpoint_auth_method"], "client_secret_basic");
    let id = created["client_id"].as_str().unwrap().to_string();
    let old = created["client_secret"].as_str().unwrap().to_string();
    assert_eq!(
        client_credentials_status(&app, &id, &old).await,
        StatusCode::OK
    );

    let rotated = ok(call_api(
        &app,
        Method::POST,
        &format!("/api/v1/admin/clients/{id}/secret"),
        Some(&root.token),
        None,
    )
    .await)
    .await;
    assert_eq!(rotated["client_id"], id);
    let new = rotated["client_secret"].as_str().unwrap().to_string();
    assert_ne!(new, old);
    assert_eq!(
        client_credentials_status(&app, &id, &new).await,
        StatusCode::OK
    );
    assert_eq!(
        client_credentials_status(&app, &id, &old).await,
        StatusCode::UNAUTHORIZED
    );
    let record = assert_by_admin(&app, "client.secret_rotated", None, &root).await;
    assert_eq!(record.client_id.as_deref(), Some(id.as_str()));
    assert!(!record.detail.unwrap_or_default().contains(&new));

    // A public client has no secret to rotate.
    let public = json_answer(
        post(
            &app,
            "/api/v1/admin/clients",
            &root.token,
            &json!({
                "client_name": "Phone App",
                "redirect_uris": ["com.stall.app:/cb"],
                "token_endpoint_auth_method": "none",
            }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert!(public.get("client_secret").is_none(), "{public}");
    assert_eq!(public["token_endpoint_auth_method"], "none");
    let public_id = public["client_id"].as_str().unwrap();
    let before = snapshot(&app).await;
    let response = call_api(
        &app,
        Method::POST,
        &format!("/api/v1/admin/clients/{public_id}/secret"),
        Some(&root.token),
        None,
    )
    .await;
    assert_api_error(response, StatusCode::BAD_REQUEST, "invalid_client_metadata").await;
    assert_eq!(snapshot(&app).await, before);
}

#[tokio::test]
async fn the_client_list_pages_by_cursor_oldest_first() {
    let app = TestApp::spawn().await;
    let root = admin(&app, "root").await;
    for _ in 0..4 {
        app.machine_client("openid").await;
    }
    let stored: Vec<String> = (app.store.list_clients().await.unwrap())
        .into_iter()
        .map(|c| c.client_id)
        .collect();
    assert!(stored.len() >= 5, "{stored:?}");

    // Two at a time, in the order they were registered, each once; the last page says so.
    let mut seen = Vec::new();
    let mut path = "/api/v1/admin/clients?limit=2".to_string();
    loop {
        let body = ok(get(&app, &path, &root.token).await).await;
        assert_eq!(body["limit"], 2);
        let page = body["clients"].as_array().unwrap();
        assert!(page.len() <= 2, "{body}");
        seen.extend(
            page.iter()
                .map(|c| c["client_id"].as_str().unwrap().to_string()),
        );
        let Some(cursor) = body["next_cursor"].as_str() else {
            break;
        };
        let cursor: String = url::form_urlencoded::byte_serialize(cursor.as_bytes()).collect();
        path = format!("/api/v1/admin/clients?limit=2&cursor={cursor}");
        assert!(seen.len() <= stored.len(), "{seen:?}");
    }
    assert_eq!(seen, stored);
    // The default page holds 25.
    let first = ok(get(&app, "/api/v1/admin/clients", &root.token).await).await;
    assert_eq!(first["limit"], 25);
    assert_eq!(first["next_cursor"], Value::Null);

    for query in [
        "limit=0",
        "limit=101",
        "limit=x",
        "cursor=",
        "cursor=12",
        "cursor=abc.client",
        "cursor=1.",
        "cursor=1.a%00b",
    ] {
        let response = get(&app, &format!("/api/v1/admin/clients?{query}"), &root.token).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{query}");
    }
}
