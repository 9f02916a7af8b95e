//! Who issues initial access tokens through the admin API: administrators with the `admin`
//! scope, for anyone; never anyone else nor an app's own token; bad requests store nothing.
//! A farm's own tokens are in `farm_tokens.rs`.

use farm_auth::accounts::users::Role;
use farm_auth::secrets::hash_secret;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::*;
use crate::support::{
    TestApp, assert_challenged_without_error, assert_oauth_error, initial_access_token_rows,
    json_answer, send_json,
};

#[tokio::test]
async fn an_administrator_issues_tokens_through_the_admin_api() {
    let app = TestApp::spawn().await;
    let (admin_id, admin_token) = person_token(&app, "root", Role::Admin, "openid admin").await;

    let response = send_json(
        &app,
        Method::POST,
        ADMIN_TOKENS,
        Some(&admin_token),
        &json!({"ttl": 3600, "uses": 2, "vendor": "Acme Produce"}),
    )
    .await;
    let issued = json_answer(response, StatusCode::CREATED).await;
    let token = issued["token"].as_str().expect("token").to_string();
    assert!(token.len() >= 43, "256 bits: {token}");
    assert_eq!(issued["expires_at"], app.clock.now() + 3600);
    assert_eq!(issued["uses"], 2);
    assert_eq!(issued["vendor"], "Acme Produce");

    let defaults = json_answer(
        send_json(
            &app,
            Method::POST,
            ADMIN_TOKENS,
            Some(&admin_token),
            &json!({}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(defaults["uses"], 1);
    assert_eq!(defaults["expires_at"], app.clock.now() + 86_400);
    assert_eq!(defaults["vendor"], Value::Null);

    // Stored hashed, with who issued it and for whom.
    let rows = initial_access_token_rows(&app.database.url).await;
    assert_eq!(rows.len(), 2);
    let row = rows
        .iter()
        .find(|r| r.token_hash == hash_secret(&token))
        .expect("stored by hash");
    assert_eq!(row.issued_by.as_deref(), Some(admin_id.as_str()));
    assert_eq!(row.vendor.as_deref(), Some("Acme Produce"));
    assert_eq!(row.uses_left, 2);
    assert_eq!(row.expires_at, app.clock.now() + 3600);
    for row in &rows {
        let text = format!("{row:?}");
        assert!(!text.contains(&token), "plaintext stored: {text}");
        assert!(
            !text.contains(defaults["token"].as_str().unwrap()),
            "{text}"
        );
    }

    // The token registers a client carrying the vendor.
    let info = registered(&app, &token, &web_app("Acme Orders")).await;
    let stored = app
        .store
        .find_client(info["client_id"].as_str().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.vendor.as_deref(), Some("Acme Produce"));

    let events = app.store.list_audit_events(None, 100).await.unwrap();
    let created: Vec<_> = events
        .iter()
        .filter(|e| e.event == "initial_access_token.created")
        .collect();
    assert_eq!(created.len(), 2, "{events:?}");
    assert!(
        created
            .iter()
            .all(|e| e.actor_id.as_deref() == Some(admin_id.as_str()))
    );
    assert!(
        created.iter().any(|e| e
            .detail
            .as_deref()
            .unwrap_or_default()
            .contains("Acme Produce")),
        "{created:?}"
    );
    let registered_event = events
        .iter()
        .find(|e| e.event == "client.registered")
        .expect("client.registered");
    assert_eq!(registered_event.user_id.as_deref(), Some(admin_id.as_str()));
    for event in &events {
        let text = format!("{event:?}");
        assert!(!text.contains(&token), "a token in the trail: {text}");
    }
}

#[tokio::test]
async fn bad_token_requests_to_the_admin_api_are_refused_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let (_, admin_token) = person_token(&app, "root", Role::Admin, "openid admin").await;
    for body in [
        json!({"ttl": 10}),
        json!({"ttl": 59}),
        json!({"ttl": 30 * 86_400 + 1}),
        json!({"ttl": -1}),
        json!({"uses": 0}),
        json!({"uses": -3}),
        json!({"uses": 101}),
        json!({"vendor": "v".repeat(101)}),
    ] {
        let response = send_json(&app, Method::POST, ADMIN_TOKENS, Some(&admin_token), &body).await;
        assert_oauth_error(response, StatusCode::BAD_REQUEST, "invalid_request").await;
    }
    for body in [json!({"ttl": "an hour"}), json!({"uses": 1.5}), json!([])] {
        let response = send_json(&app, Method::POST, ADMIN_TOKENS, Some(&admin_token), &body).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{body}");
    }
    assert!(
        initial_access_token_rows(&app.database.url)
            .await
            .is_empty()
    );

    // The limits themselves are fine.
    for body in [
        json!({"ttl": 60, "uses": 100}),
        json!({"ttl": 30 * 86_400, "uses": 1}),
    ] {
        let response = send_json(&app, Method::POST, ADMIN_TOKENS, Some(&admin_token), &body).await;
        json_answer(response, StatusCode::CREATED).await;
    }
}

#[tokio::test]
async fn only_administrators_with_the_admin_scope_issue_tokens_through_the_admin_api() {
    let app = TestApp::spawn().await;
    let (_, farmer) = person_token(&app, "marigold", Role::Farmer, "openid admin account").await;
    let (_, consumer) = person_token(&app, "consumer1", Role::Consumer, "openid admin").await;
    let (_, admin_without) = person_token(&app, "root", Role::Admin, "openid account").await;
    let body = json!({"vendor": "Sneaky"});

    for token in [&farmer, &consumer] {
        let response = send_json(&app, Method::POST, ADMIN_TOKENS, Some(token), &body).await;
        assert_oauth_error(response, StatusCode::FORBIDDEN, "forbidden").await;
    }
    let response = send_json(
        &app,
        Method::POST,
        ADMIN_TOKENS,
        Some(&admin_without),
        &body,
    )
    .await;
    assert_oauth_error(response, StatusCode::FORBIDDEN, "insufficient_scope").await;
    let response = send_json(&app, Method::POST, ADMIN_TOKENS, Some("garbage"), &body).await;
    assert_invalid_token(response).await;
    let response = send_json(&app, Method::POST, ADMIN_TOKENS, None, &body).await;
    assert_challenged_without_error(response, ADMIN_TOKENS).await;
    // A machine client's own token, even one allowed the admin scope, is no administrator.
    let machine = app.machine_client("admin").await;
    let machine_token = app.access_token(&machine, Some("admin")).await;
    let response = send_json(
        &app,
        Method::POST,
        ADMIN_TOKENS,
        Some(&machine_token),
        &body,
    )
    .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);

    assert!(
        initial_access_token_rows(&app.database.url)
            .await
            .is_empty()
    );
    let events = app.store.list_audit_events(None, 100).await.unwrap();
    assert!(
        !events
            .iter()
            .any(|e| e.event == "initial_access_token.created")
    );
}

#[tokio::test]
async fn an_apps_own_token_cannot_issue_a_farmers_registration_token() {
    let app = TestApp::spawn().await;
    let machine = app.machine_client("account").await;
    let token = app.access_token(&machine, Some("account")).await;
    let response = send_json(&app, Method::POST, MY_TOKENS, Some(&token), &json!({})).await;
    assert_oauth_error(response, StatusCode::FORBIDDEN, "insufficient_scope").await;
    assert!(
        initial_access_token_rows(&app.database.url)
            .await
            .is_empty()
    );
}
