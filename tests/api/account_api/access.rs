//! Which tokens the account API takes: none gets a bare challenge, a garbage, expired or
//! revoked token is `invalid_token`, a token without `account` is `insufficient_scope`, and an
//! app's own token never acts as a person.

use farm_auth::accounts::second_factor;
use farm_auth::accounts::users::Role;
use reqwest::header::WWW_AUTHENTICATE;
use reqwest::{Method, StatusCode};
use serde_json::json;

use super::*;
use crate::support::{
    NEW_PASSWORD, PASSWORD, TestApp, api_person, assert_api_error, assert_challenged_without_error,
    call_api, is_signed_in, json_answer, password_works,
};

#[tokio::test]
async fn a_request_without_a_token_is_challenged_without_an_error_code() {
    let app = TestApp::spawn().await;
    for (method, path) in [
        (Method::GET, "/api/v1/me"),
        (Method::POST, "/api/v1/users"),
        (Method::GET, "/api/v1/me/sessions"),
    ] {
        let body = (method == Method::POST).then(|| {
            signup("wren", "wren@farm.example", SIGNUP_PASSWORD)
                .to_string()
                .into_bytes()
        });
        let response = call_api(&app, method.clone(), path, None, body).await;
        assert_challenged_without_error(response, &format!("{method} {path}")).await;
    }
    // Another scheme is no bearer token either.
    let response = app
        .http
        .get(app.url("/api/v1/me"))
        .basic_auth("someone", Some("secret"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let challenge = response.headers()[WWW_AUTHENTICATE].to_str().unwrap();
    assert!(challenge.starts_with("Bearer realm="), "{challenge}");
    assert!(!challenge.contains("error"), "{challenge}");
    assert!(!exists(&app, "wren").await, "signed up without a token");
}

#[tokio::test]
async fn a_garbage_or_expired_token_is_refused_as_invalid_token() {
    let app = TestApp::spawn().await;
    for garbage in [
        "not-a-token",
        "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.",
        "a.b.c",
    ] {
        let response = get(&app, "/api/v1/me", Some(garbage)).await;
        let challenge = response.headers()[WWW_AUTHENTICATE]
            .to_str()
            .unwrap()
            .to_string();
        assert!(challenge.starts_with("Bearer realm="), "{challenge}");
        assert!(challenge.contains("error=\"invalid_token\""), "{challenge}");
        assert_api_error(response, StatusCode::UNAUTHORIZED, "invalid_token").await;
    }
    // A header that is not `Bearer <token>` at all is a malformed request (RFC 6750 §3.1).
    let response = app
        .http
        .get(app.url("/api/v1/me"))
        .header("authorization", "Bearer")
        .send()
        .await
        .unwrap();
    assert_api_error(response, StatusCode::BAD_REQUEST, "invalid_request").await;

    // A real token works until it expires.
    let token = app_token(&app).await;
    let body = signup("wren", "wren@farm.example", SIGNUP_PASSWORD);
    let response = post(&app, "/api/v1/users", Some(&token), &body).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    app.clock.advance(15 * 60 + 1);
    let body = signup("robin", "robin@farm.example", SIGNUP_PASSWORD);
    let response = post(&app, "/api/v1/users", Some(&token), &body).await;
    assert_api_error(response, StatusCode::UNAUTHORIZED, "invalid_token").await;
    assert!(!exists(&app, "robin").await);
}

#[tokio::test]
async fn a_token_without_the_account_scope_is_refused_as_insufficient_scope() {
    let app = TestApp::spawn().await;
    let client = app.machine_client("inventory account").await;
    let narrow = app.access_token(&client, Some("inventory")).await;
    let body = signup("wren", "wren@farm.example", SIGNUP_PASSWORD);
    let response = post(&app, "/api/v1/users", Some(&narrow), &body).await;
    let challenge = response.headers()[WWW_AUTHENTICATE]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        challenge.contains("error=\"insufficient_scope\""),
        "{challenge}"
    );
    assert_api_error(response, StatusCode::FORBIDDEN, "insufficient_scope").await;
    assert!(!exists(&app, "wren").await);

    // A person's token without `account`: UserInfo works, the account API does not.
    let person = api_person(&app, "ada", Role::Consumer, WEB_SCOPE, "openid").await;
    assert_eq!(app.userinfo(&person.token).await.status(), StatusCode::OK);
    let response = get(&app, "/api/v1/me", Some(&person.token)).await;
    assert_api_error(response, StatusCode::FORBIDDEN, "insufficient_scope").await;
    let response = post(
        &app,
        "/api/v1/me/password",
        Some(&person.token),
        &json!({"current_password": PASSWORD, "new_password": NEW_PASSWORD}),
    )
    .await;
    assert_api_error(response, StatusCode::FORBIDDEN, "insufficient_scope").await;
    assert!(password_works(&app, "ada", PASSWORD).await);

    // The same client's token with the scope is let in.
    let wide = app.access_token(&client, Some("account")).await;
    let response = post(&app, "/api/v1/users", Some(&wide), &body).await;
    assert_eq!(response.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn an_apps_own_token_cannot_act_as_a_person() {
    let app = TestApp::spawn().await;
    let person = person(&app, "ada").await;
    let token = app_token(&app).await;
    let sid = session_ids(&sessions_of(&app, &person.token).await).remove(0);

    let response = get(&app, "/api/v1/me", Some(&token)).await;
    assert_api_error(response, StatusCode::FORBIDDEN, "insufficient_scope").await;
    let response = post(
        &app,
        "/api/v1/me/password",
        Some(&token),
        &json!({"current_password": PASSWORD, "new_password": NEW_PASSWORD}),
    )
    .await;
    assert_api_error(response, StatusCode::FORBIDDEN, "insufficient_scope").await;
    let response = post(
        &app,
        "/api/v1/me/totp",
        Some(&token),
        &json!({"password": PASSWORD}),
    )
    .await;
    assert_api_error(response, StatusCode::FORBIDDEN, "insufficient_scope").await;
    let response = get(&app, "/api/v1/me/sessions", Some(&token)).await;
    assert_api_error(response, StatusCode::FORBIDDEN, "insufficient_scope").await;
    let response = delete(&app, &format!("/api/v1/me/sessions/{sid}"), Some(&token)).await;
    assert_api_error(response, StatusCode::FORBIDDEN, "insufficient_scope").await;

    // Nothing happened to the person.
    assert!(is_signed_in(&person.agent).await);
    assert!(password_works(&app, "ada", PASSWORD).await);
    let factors = second_factor::factors_of(&app.state, &person.id)
        .await
        .unwrap();
    assert!(!factors.totp);
    assert!(app.store.find_totp(&person.id).await.unwrap().is_none());
}

#[tokio::test]
async fn a_revoked_token_is_refused() {
    let app = TestApp::spawn().await;
    let person = person(&app, "ada").await;
    json_answer(
        get(&app, "/api/v1/me", Some(&person.token)).await,
        StatusCode::OK,
    )
    .await;
    let revoked = app.revoke(&person.client, &person.token).await;
    assert_eq!(revoked.status(), StatusCode::OK);
    let response = get(&app, "/api/v1/me", Some(&person.token)).await;
    assert_api_error(response, StatusCode::UNAUTHORIZED, "invalid_token").await;

    // An app's own token too.
    let client = app.machine_client("account").await;
    let token = app.access_token(&client, Some("account")).await;
    assert_eq!(app.revoke(&client, &token).await.status(), StatusCode::OK);
    let body = signup("wren", "wren@farm.example", SIGNUP_PASSWORD);
    let response = post(&app, "/api/v1/users", Some(&token), &body).await;
    assert_api_error(response, StatusCode::UNAUTHORIZED, "invalid_token").await;
    assert!(!exists(&app, "wren").await);
}
