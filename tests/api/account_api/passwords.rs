//! Passwords through the API: a reset request answers alike for every address, a mailed
//! token works once and for thirty minutes, and a change needs the current password (five
//! wrong ones hold changes back for a while).

use farm_auth::accounts::users::Role;
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, RETRY_AFTER};
use serde_json::json;

use super::*;
use crate::support::{
    NEW_PASSWORD, PASSWORD, TestApp, assert_api_error, assert_no_content, is_signed_in,
    json_answer, password_works,
};

#[tokio::test]
async fn a_reset_request_is_answered_alike_for_known_and_unknown_addresses() {
    let app = TestApp::spawn().await;
    app.person("wren", Role::Consumer).await;
    let token = app_token(&app).await;
    let mut answers = Vec::new();
    for email in ["nobody@farm.example", "wren@farm.example", "not an address"] {
        let response = post(
            &app,
            "/api/v1/password-reset-requests",
            Some(&token),
            &json!({"email": email}),
        )
        .await;
        let status = response.status();
        let kind = response.headers().get(CONTENT_TYPE).cloned();
        let text = response.text().await.unwrap();
        assert_eq!(status, StatusCode::ACCEPTED, "{email}: {text}");
        answers.push((kind, text));
    }
    assert_eq!(answers[0], answers[1]);
    assert_eq!(answers[0], answers[2]);

    // Only the known address gets a link.
    reset_token(&app, "wren@farm.example", 1).await;
    let to_others = app
        .mails()
        .into_iter()
        .filter(|m| !m.contains("To: wren@farm.example"))
        .count();
    assert_eq!(to_others, 0);

    // Without an address, or without a token, nothing is accepted.
    for body in [
        json!({}),
        json!({"email": 5}),
        json!({"address": "wren@farm.example"}),
    ] {
        let response = post(&app, "/api/v1/password-reset-requests", Some(&token), &body).await;
        assert_api_error(response, StatusCode::BAD_REQUEST, "invalid_request").await;
    }
    let response = post(
        &app,
        "/api/v1/password-reset-requests",
        None,
        &json!({"email": "wren@farm.example"}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_mailed_reset_token_sets_a_new_password_once() {
    let app = TestApp::spawn().await;
    let wren = person(&app, "wren").await;
    json_answer(
        get(&app, "/api/v1/me", Some(&wren.token)).await,
        StatusCode::OK,
    )
    .await;
    let token = app_token(&app).await;
    let response = post(
        &app,
        "/api/v1/password-reset-requests",
        Some(&token),
        &json!({"email": "wren@farm.example"}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let reset = reset_token(&app, "wren@farm.example", 1).await;

    let body = json!({"token": reset, "new_password": NEW_PASSWORD});
    assert_no_content(post(&app, "/api/v1/password-resets", Some(&token), &body).await).await;
    assert!(password_works(&app, "wren", NEW_PASSWORD).await);
    assert!(!password_works(&app, "wren", PASSWORD).await);
    // Every session of the account ended, and the apps' tokens with them.
    assert!(!is_signed_in(&wren.agent).await);
    let response = get(&app, "/api/v1/me", Some(&wren.token)).await;
    assert_api_error(response, StatusCode::UNAUTHORIZED, "invalid_token").await;

    // Once only.
    let again = json!({"token": reset, "new_password": "a third good password"});
    let response = post(&app, "/api/v1/password-resets", Some(&token), &again).await;
    assert_api_error(response, StatusCode::BAD_REQUEST, "invalid_token").await;
    assert!(password_works(&app, "wren", NEW_PASSWORD).await);

    // Tokens that were never mailed.
    for made_up in ["", "nope", &"a".repeat(500)] {
        let body = json!({"token": made_up, "new_password": "a third good password"});
        let response = post(&app, "/api/v1/password-resets", Some(&token), &body).await;
        assert_api_error(response, StatusCode::BAD_REQUEST, "invalid_token").await;
    }
    // Wrong shapes.
    let response = post(
        &app,
        "/api/v1/password-resets",
        Some(&token),
        &json!({"token": reset}),
    )
    .await;
    assert_api_error(response, StatusCode::BAD_REQUEST, "invalid_request").await;
    assert!(password_works(&app, "wren", NEW_PASSWORD).await);
}

#[tokio::test]
async fn a_weak_new_password_is_refused_and_leaves_the_reset_token_usable() {
    let app = TestApp::spawn().await;
    app.person("wren", Role::Consumer).await;
    let token = app_token(&app).await;
    let response = post(
        &app,
        "/api/v1/password-reset-requests",
        Some(&token),
        &json!({"email": "wren@farm.example"}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let reset = reset_token(&app, "wren@farm.example", 1).await;

    for weak in ["short", "password", &"x".repeat(129)] {
        let body = json!({"token": reset, "new_password": weak});
        let response = post(&app, "/api/v1/password-resets", Some(&token), &body).await;
        assert_api_error(response, StatusCode::BAD_REQUEST, "weak_password").await;
    }
    assert!(password_works(&app, "wren", PASSWORD).await);

    let body = json!({"token": reset, "new_password": NEW_PASSWORD});
    assert_no_content(post(&app, "/api/v1/password-resets", Some(&token), &body).await).await;
    assert!(password_works(&app, "wren", NEW_PASSWORD).await);
}

#[tokio::test]
async fn a_reset_token_stops_working_after_thirty_minutes() {
    let app = TestApp::spawn().await;
    app.person("wren", Role::Consumer).await;
    let token = app_token(&app).await;
    let ask = json!({"email": "wren@farm.example"});
    let response = post(&app, "/api/v1/password-reset-requests", Some(&token), &ask).await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let first = reset_token(&app, "wren@farm.example", 1).await;
    let response = post(&app, "/api/v1/password-reset-requests", Some(&token), &ask).await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let second = reset_token(&app, "wren@farm.example", 2).await;
    assert_ne!(first, second);

    app.clock.advance(29 * 60);
    let token = app_token(&app).await;
    let body = json!({"token": first, "new_password": NEW_PASSWORD});
    assert_no_content(post(&app, "/api/v1/password-resets", Some(&token), &body).await).await;

    app.clock.advance(2 * 60);
    let body = json!({"token": second, "new_password": "a third good password"});
    let response = post(&app, "/api/v1/password-resets", Some(&token), &body).await;
    assert_api_error(response, StatusCode::BAD_REQUEST, "invalid_token").await;
    assert!(password_works(&app, "wren", NEW_PASSWORD).await);
}

#[tokio::test]
async fn changing_the_password_needs_the_current_one() {
    let app = TestApp::spawn().await;
    let ada = person(&app, "ada").await;
    let change =
        |current: &str, new: &str| json!({"current_password": current, "new_password": new});

    let response = post(
        &app,
        "/api/v1/me/password",
        Some(&ada.token),
        &change("not my password", NEW_PASSWORD),
    )
    .await;
    assert_api_error(response, StatusCode::BAD_REQUEST, "invalid_password").await;
    let response = post(
        &app,
        "/api/v1/me/password",
        Some(&ada.token),
        &change(PASSWORD, "password"),
    )
    .await;
    assert_api_error(response, StatusCode::BAD_REQUEST, "weak_password").await;
    let response = post(
        &app,
        "/api/v1/me/password",
        Some(&ada.token),
        &json!({"current_password": PASSWORD}),
    )
    .await;
    assert_api_error(response, StatusCode::BAD_REQUEST, "invalid_request").await;
    assert!(password_works(&app, "ada", PASSWORD).await);
    assert!(is_signed_in(&ada.agent).await);

    let response = post(
        &app,
        "/api/v1/me/password",
        Some(&ada.token),
        &change(PASSWORD, NEW_PASSWORD),
    )
    .await;
    assert_no_content(response).await;
    assert!(password_works(&app, "ada", NEW_PASSWORD).await);
    assert!(!password_works(&app, "ada", PASSWORD).await);
    // Browsers that knew the old password are signed out; the app's token still works.
    assert!(!is_signed_in(&ada.agent).await);
    json_answer(
        get(&app, "/api/v1/me", Some(&ada.token)).await,
        StatusCode::OK,
    )
    .await;
}

#[tokio::test]
async fn five_wrong_current_passwords_hold_password_changes_back_for_a_while() {
    let app = TestApp::spawn().await;
    let ada = person(&app, "ada").await;
    let change = |current: &str| json!({"current_password": current, "new_password": NEW_PASSWORD});
    for n in 1..=5 {
        let response = post(
            &app,
            "/api/v1/me/password",
            Some(&ada.token),
            &change(&format!("guess number {n}")),
        )
        .await;
        assert_api_error(response, StatusCode::BAD_REQUEST, "invalid_password").await;
    }
    // Locked now, even for the right password.
    let response = post(
        &app,
        "/api/v1/me/password",
        Some(&ada.token),
        &change(PASSWORD),
    )
    .await;
    let retry_after = response.headers().get(RETRY_AFTER).cloned();
    let body = json_answer(response, StatusCode::TOO_MANY_REQUESTS).await;
    assert_eq!(body["error"], "too_many_attempts", "{body}");
    let retry_after: i64 = retry_after
        .expect("Retry-After")
        .to_str()
        .unwrap()
        .parse()
        .expect("Retry-After is seconds");
    assert!(
        (1..=30).contains(&retry_after),
        "Retry-After: {retry_after}"
    );
    assert!(password_works(&app, "ada", PASSWORD).await);

    app.clock.advance(retry_after);
    let response = post(
        &app,
        "/api/v1/me/password",
        Some(&ada.token),
        &change(PASSWORD),
    )
    .await;
    assert_no_content(response).await;
    assert!(password_works(&app, "ada", NEW_PASSWORD).await);
}
