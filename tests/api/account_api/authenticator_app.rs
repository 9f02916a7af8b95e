//! The authenticator app through the API: enabled with its first code, disabled with the
//! password, and wrong codes held back after five.

use std::collections::BTreeSet;

use farm_auth::accounts::second_factor;
use reqwest::StatusCode;
use reqwest::header::RETRY_AFTER;
use serde_json::json;

use super::*;
use crate::support::{
    PASSWORD, SignIn, TestApp, assert_api_error, assert_no_content, code_now, json_answer,
    password_works, sign_in, wrong_code,
};

#[tokio::test]
async fn an_authenticator_app_is_enabled_with_its_first_code_and_disabled_with_the_password() {
    let app = TestApp::spawn().await;
    let ada = person(&app, "ada").await;
    let token = Some(ada.token.as_str());

    // Nothing to verify or disable yet.
    let response = post(
        &app,
        "/api/v1/me/totp/verify",
        token,
        &json!({"code": "123456"}),
    )
    .await;
    assert_api_error(response, StatusCode::CONFLICT, "totp_not_enabled").await;
    let response = post(
        &app,
        "/api/v1/me/totp/disable",
        token,
        &json!({"password": PASSWORD}),
    )
    .await;
    assert_api_error(response, StatusCode::CONFLICT, "totp_not_enabled").await;

    // Starting twice: the second secret replaces the first.
    let first = json_answer(
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
    let secret = started["secret"].as_str().unwrap().to_string();
    assert_ne!(first["secret"], started["secret"]);
    assert_eq!(secret.len(), 32, "160 bits of base32: {secret}");
    let uri = started["otpauth_uri"].as_str().unwrap();
    assert!(uri.starts_with("otpauth://totp/"), "{uri}");
    assert!(uri.contains(&format!("secret={secret}")), "{uri}");
    assert!(uri.contains("ada"), "{uri}");
    assert!(
        !second_factor::factors_of(&app.state, &ada.id)
            .await
            .unwrap()
            .totp
    );

    let old_code = code_now(&app, first["secret"].as_str().unwrap());
    if old_code != code_now(&app, &secret) {
        let response = post(
            &app,
            "/api/v1/me/totp/verify",
            token,
            &json!({"code": old_code}),
        )
        .await;
        assert_api_error(response, StatusCode::BAD_REQUEST, "invalid_code").await;
    }
    for code in [
        wrong_code(&secret, app.clock.now()),
        "abcdef".into(),
        "".into(),
    ] {
        let response = post(
            &app,
            "/api/v1/me/totp/verify",
            token,
            &json!({"code": code}),
        )
        .await;
        assert_api_error(response, StatusCode::BAD_REQUEST, "invalid_code").await;
    }
    let response = post(
        &app,
        "/api/v1/me/totp/verify",
        token,
        &json!({"code": 123456}),
    )
    .await;
    assert_api_error(response, StatusCode::BAD_REQUEST, "invalid_request").await;
    assert!(
        !second_factor::factors_of(&app.state, &ada.id)
            .await
            .unwrap()
            .totp
    );

    let code = code_now(&app, &secret);
    let response = post(
        &app,
        "/api/v1/me/totp/verify",
        token,
        &json!({"code": code}),
    )
    .await;
    let body = json_answer(response, StatusCode::OK).await;
    let codes: Vec<&str> = body["recovery_codes"]
        .as_array()
        .expect("recovery codes")
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert_eq!(codes.len(), 10, "{body}");
    assert_eq!(codes.iter().collect::<BTreeSet<_>>().len(), 10, "{body}");
    assert!(codes.iter().all(|c| c.len() >= 8), "{body}");
    let factors = second_factor::factors_of(&app.state, &ada.id)
        .await
        .unwrap();
    assert!(factors.totp);
    assert_eq!(factors.recovery_codes_left, 10);

    // Signing in now asks for the second factor.
    let SignIn { path, .. } = sign_in(&app, "ada", PASSWORD).await;
    assert!(path.starts_with("/login/second-factor"), "{path}");

    // Enabled already.
    let response = post(
        &app,
        "/api/v1/me/totp",
        token,
        &json!({"password": PASSWORD}),
    )
    .await;
    assert_api_error(response, StatusCode::CONFLICT, "totp_already_enabled").await;
    app.clock.advance(30);
    let code = code_now(&app, &secret);
    let response = post(
        &app,
        "/api/v1/me/totp/verify",
        token,
        &json!({"code": code}),
    )
    .await;
    assert_api_error(response, StatusCode::CONFLICT, "totp_already_enabled").await;

    // Disabling needs the password.
    let response = post(
        &app,
        "/api/v1/me/totp/disable",
        token,
        &json!({"password": "not it"}),
    )
    .await;
    assert_api_error(response, StatusCode::BAD_REQUEST, "invalid_password").await;
    let response = post(&app, "/api/v1/me/totp/disable", token, &json!({})).await;
    assert_api_error(response, StatusCode::BAD_REQUEST, "invalid_request").await;
    assert!(
        second_factor::factors_of(&app.state, &ada.id)
            .await
            .unwrap()
            .totp
    );

    let response = post(
        &app,
        "/api/v1/me/totp/disable",
        token,
        &json!({"password": PASSWORD}),
    )
    .await;
    assert_no_content(response).await;
    let factors = second_factor::factors_of(&app.state, &ada.id)
        .await
        .unwrap();
    assert!(!factors.totp);
    assert_eq!(factors.recovery_codes_left, 0);
    assert!(password_works(&app, "ada", PASSWORD).await);

    let response = post(
        &app,
        "/api/v1/me/totp/disable",
        token,
        &json!({"password": PASSWORD}),
    )
    .await;
    assert_api_error(response, StatusCode::CONFLICT, "totp_not_enabled").await;
}

#[tokio::test]
async fn wrong_authenticator_codes_are_held_back_after_five() {
    let app = TestApp::spawn().await;
    let ada = person(&app, "ada").await;
    let token = Some(ada.token.as_str());
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
    let secret = started["secret"].as_str().unwrap().to_string();
    let wrong = wrong_code(&secret, app.clock.now());
    let mut statuses = Vec::new();
    for _ in 0..6 {
        let response = post(
            &app,
            "/api/v1/me/totp/verify",
            token,
            &json!({"code": wrong}),
        )
        .await;
        statuses.push(response.status());
    }
    assert_eq!(statuses[..5], [StatusCode::BAD_REQUEST; 5], "{statuses:?}");
    // Locked: even the right code waits.
    let code = code_now(&app, &secret);
    let response = post(
        &app,
        "/api/v1/me/totp/verify",
        token,
        &json!({"code": code}),
    )
    .await;
    assert!(response.headers().contains_key(RETRY_AFTER));
    assert_api_error(response, StatusCode::TOO_MANY_REQUESTS, "too_many_attempts").await;
    assert!(
        !second_factor::factors_of(&app.state, &ada.id)
            .await
            .unwrap()
            .totp
    );
}
