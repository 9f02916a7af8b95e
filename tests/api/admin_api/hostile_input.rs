//! Bad bodies, control characters, NUL bytes, odd ids and wrong methods at the admin API:
//! each a clear 4xx (or an empty search), never a 500, and nothing changes.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::*;
use crate::support::{TestApp, json_answer};

#[tokio::test]
async fn bad_bodies_are_a_clear_4xx_and_change_nothing() {
    let app = TestApp::spawn().await;
    let root = admin(&app, "root").await;
    let user = app
        .stored_user(&random_id(), "marigold", "marigold@farm.example")
        .await;
    let created = json_answer(
        post(&app, "/api/v1/admin/clients", &root.token, &client_body()).await,
        StatusCode::CREATED,
    )
    .await;
    let client = created["client_id"].as_str().unwrap().to_string();

    let mut padded = client_body();
    padded["padding"] = json!(" ".repeat(1024 * 1024));
    let bodies: Vec<(&str, Vec<u8>, StatusCode)> = vec![
        (
            "malformed JSON",
            b"{\"reason\": ".to_vec(),
            StatusCode::BAD_REQUEST,
        ),
        ("not JSON", b"reason=x".to_vec(), StatusCode::BAD_REQUEST),
        ("empty", Vec::new(), StatusCode::BAD_REQUEST),
        ("an array", b"[\"admin\"]".to_vec(), StatusCode::BAD_REQUEST),
        (
            "an array of objects",
            b"[{\"roles\": [\"admin\"]}]".to_vec(),
            StatusCode::BAD_REQUEST,
        ),
        ("a string", b"\"admin\"".to_vec(), StatusCode::BAD_REQUEST),
        ("null", b"null".to_vec(), StatusCode::BAD_REQUEST),
        (
            "invalid UTF-8",
            b"{\"reason\": \"\xff\xfe\"}".to_vec(),
            StatusCode::BAD_REQUEST,
        ),
        (
            "1 MB",
            padded.to_string().into_bytes(),
            StatusCode::PAYLOAD_TOO_LARGE,
        ),
        (
            "1 MB of spaces",
            vec![b' '; 1024 * 1024],
            StatusCode::PAYLOAD_TOO_LARGE,
        ),
    ];
    let before = snapshot(&app).await;
    for (method, path) in body_routes(&user, &client) {
        for (what, body, status) in &bodies {
            let response = call_api(
                &app,
                method.clone(),
                &path,
                Some(&root.token),
                Some(body.clone()),
            )
            .await;
            let got = response.status();
            let text = response.text().await.unwrap();
            assert_eq!(got, *status, "{method} {path} with {what}: {text}");
            let answer: Value = serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("{method} {path} with {what}: {e}: {text}"));
            assert_eq!(
                answer["error"], "invalid_request",
                "{method} {path}: {what}"
            );
        }
    }
    assert_eq!(snapshot(&app).await, before);
    // The server is fine afterwards.
    ok(get(&app, &user_path(&user), &root.token).await).await;
}

#[tokio::test]
async fn a_malformed_query_string_is_the_apis_json_error() {
    let app = TestApp::spawn().await;
    let root = admin(&app, "root").await;
    for path in [
        "/api/v1/admin/users?limit=first",
        "/api/v1/admin/users?limit=-x",
        "/api/v1/admin/users?limit=99999999999999999999999",
        "/api/v1/admin/clients?limit=some",
        "/api/v1/admin/audit?limit=many",
        "/api/v1/admin/audit?before=yesterday",
    ] {
        let response = get(&app, path, &root.token).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{path}");
        let content_type = response.headers()["content-type"].to_str().unwrap();
        assert!(
            content_type.starts_with("application/json"),
            "{path}: {content_type}"
        );
        let answer: Value = response.json().await.unwrap();
        assert_eq!(answer["error"], "invalid_request", "{path}");
        assert!(answer["error_description"].is_string(), "{path}");
    }
}

#[tokio::test]
async fn control_characters_and_long_text_in_a_user_search_find_nobody() {
    let app = TestApp::spawn().await;
    let root = admin(&app, "root").await;
    app.stored_user(&random_id(), "marigold", "marigold@farm.example")
        .await;
    let long = "m".repeat(10_000);
    for q in ["%1B", "%E2%80%8B", "mari%0Agold", "%7F", long.as_str()] {
        let response = get(&app, &format!("/api/v1/admin/users?q={q}"), &root.token).await;
        let short: String = q.chars().take(20).collect();
        let body = json_answer(response, StatusCode::OK).await;
        assert_eq!(body["total"], 0, "q={short}: {body}");
        assert_eq!(body["next_cursor"], json!(null), "q={short}");
        assert_eq!(body["users"], json!([]), "q={short}");
    }
}

#[tokio::test]
async fn a_nul_in_a_user_search_finds_nobody() {
    let app = TestApp::spawn().await;
    let root = admin(&app, "root").await;
    app.stored_user(&random_id(), "marigold", "marigold@farm.example")
        .await;
    for q in ["%00", "mari%00gold", "%00%25"] {
        let response = get(&app, &format!("/api/v1/admin/users?q={q}"), &root.token).await;
        let body = json_answer(response, StatusCode::OK).await;
        assert_eq!(body["total"], 0, "q={q}: {body}");
        assert_eq!(body["users"], json!([]), "q={q}");
    }
}

#[tokio::test]
async fn control_characters_in_audit_filters_find_nothing() {
    let app = TestApp::spawn().await;
    let root = admin(&app, "root").await;
    let id = app
        .stored_user(&random_id(), "marigold", "marigold@farm.example")
        .await;
    ok(post(
        &app,
        &format!("{}/unlock", user_path(&id)),
        &root.token,
        &json!({"reason": "an event to not find"}),
    )
    .await)
    .await;
    for filter in ["user_id", "client_id", "event"] {
        for value in ["%0A", "%1B%5B2J", "user%0A", "%E2%80%8B"] {
            let query = format!("/api/v1/admin/audit?{filter}={value}");
            let body = json_answer(get(&app, &query, &root.token).await, StatusCode::OK).await;
            assert_eq!(body["events"], json!([]), "{query}: {body}");
        }
    }
}

#[tokio::test]
async fn a_nul_in_audit_filters_finds_nothing() {
    let app = TestApp::spawn().await;
    let root = admin(&app, "root").await;
    let id = app
        .stored_user(&random_id(), "marigold", "marigold@farm.example")
        .await;
    ok(post(
        &app,
        &format!("{}/unlock", user_path(&id)),
        &root.token,
        &json!({"reason": "an event to not find"}),
    )
    .await)
    .await;
    for filter in ["user_id", "client_id", "event"] {
        for value in ["%00".to_string(), format!("{id}%00"), "user%00".into()] {
            let query = format!("/api/v1/admin/audit?{filter}={value}");
            let body = json_answer(get(&app, &query, &root.token).await, StatusCode::OK).await;
            assert_eq!(body["events"], json!([]), "{query}: {body}");
        }
    }
}

#[tokio::test]
async fn odd_ids_and_wrong_methods_are_a_clear_4xx_and_change_nothing() {
    let app = TestApp::spawn().await;
    let root = admin(&app, "root").await;
    let user = app
        .stored_user(&random_id(), "marigold", "marigold@farm.example")
        .await;
    let before = snapshot(&app).await;
    let long = "x".repeat(10_000);
    let odd_ids = [
        "nobody",
        "%00",
        "%00%00%00",
        &format!("{user}%00"),
        &format!("%0D%0A{user}"),
        "%1B%5B2J",
        "%7F",
        "%C2%85",
        long.as_str(),
        "%25",
        "'%20OR%201=1%20--",
    ];
    let body = json!({"reason": "r", "roles": ["farmer"], "client_name": "n"});
    for odd in odd_ids {
        for (method, path) in [
            (Method::GET, user_path(odd)),
            (Method::DELETE, user_path(odd)),
            (Method::POST, format!("{}/lock", user_path(odd))),
            (Method::POST, format!("{}/unlock", user_path(odd))),
            (Method::PUT, format!("{}/roles", user_path(odd))),
            (Method::POST, format!("{}/password-reset", user_path(odd))),
            (Method::GET, format!("{}/sessions", user_path(odd))),
            (Method::DELETE, format!("{}/sessions/{odd}", user_path(odd))),
            (
                Method::DELETE,
                format!("{}/sessions/{odd}", user_path(&user)),
            ),
            (Method::GET, format!("/api/v1/admin/clients/{odd}")),
            (Method::PUT, format!("/api/v1/admin/clients/{odd}")),
            (Method::DELETE, format!("/api/v1/admin/clients/{odd}")),
            (Method::POST, format!("/api/v1/admin/clients/{odd}/secret")),
        ] {
            let response = send(&app, method.clone(), &path, &root.token, &body).await;
            let status = response.status();
            let text = response.text().await.unwrap();
            let short: String = path.chars().take(80).collect();
            assert_eq!(status, StatusCode::NOT_FOUND, "{method} {short}: {text}");
            let answer: Value = serde_json::from_str(&text).unwrap();
            assert_eq!(answer["error"], "not_found", "{method} {short}");
        }
    }
    // Not UTF-8 once decoded: refused as a bad request.
    let response = get(&app, &user_path("%FF%FE"), &root.token).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);

    for (method, path) in [
        (Method::PATCH, user_path(&user)),
        (Method::PUT, user_path(&user)),
        (Method::POST, user_path(&user)),
        (Method::POST, "/api/v1/admin/users".to_string()),
        (Method::DELETE, "/api/v1/admin/users".to_string()),
        (Method::GET, format!("{}/lock", user_path(&user))),
        (Method::DELETE, format!("{}/lock", user_path(&user))),
        (Method::PUT, format!("{}/unlock", user_path(&user))),
        (Method::POST, format!("{}/roles", user_path(&user))),
        (Method::GET, format!("{}/roles", user_path(&user))),
        (Method::GET, format!("{}/password-reset", user_path(&user))),
        (Method::DELETE, format!("{}/sessions", user_path(&user))),
        (Method::GET, format!("{}/sessions/x", user_path(&user))),
        (Method::PUT, "/api/v1/admin/clients".to_string()),
        (Method::DELETE, "/api/v1/admin/clients".to_string()),
        (Method::PATCH, "/api/v1/admin/clients/x".to_string()),
        (Method::GET, "/api/v1/admin/clients/x/secret".to_string()),
        (Method::POST, "/api/v1/admin/keys".to_string()),
        (Method::DELETE, "/api/v1/admin/keys".to_string()),
        (Method::GET, "/api/v1/admin/keys/rotate".to_string()),
        (Method::POST, "/api/v1/admin/audit".to_string()),
        (Method::DELETE, "/api/v1/admin/audit".to_string()),
        (
            Method::GET,
            "/api/v1/admin/initial-access-tokens".to_string(),
        ),
        (Method::GET, "/api/v1/me/initial-access-tokens".to_string()),
    ] {
        let response = send(&app, method.clone(), &path, &root.token, &body).await;
        assert_eq!(
            response.status(),
            StatusCode::METHOD_NOT_ALLOWED,
            "{method} {path}"
        );
    }
    for path in [
        "/api/v1/admin",
        "/api/v1/admin/",
        "/api/v1/admin/users/",
        "/api/v1/admin/user",
        "/api/v1/admin/keys/rotate/now",
        "/api/v1/admin/users/a/b",
    ] {
        let response = get(&app, path, &root.token).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
    }
    assert_eq!(snapshot(&app).await, before);
}
