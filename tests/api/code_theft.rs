//! A code is consumed only by its own client (RFC 6749 §4.1.2, §4.1.3): client, redirect
//! URI and PKCE verifier are checked in the statement that takes it, so a stranger holding
//! a code can neither spend it nor make the real client's grant be revoked. A replay by the
//! client it was issued to still revokes what the code gave.

use farm_auth::accounts::users::Role;
use reqwest::StatusCode;

use crate::support::{
    REDIRECT_URI, TestApp, TestClient, UserAgent, VERIFIER, assert_oauth_error, code_from,
    token_json,
};

const SCOPE: &str = "openid profile offline_access";

/// A server with `ada`, a web client allowed [`SCOPE`], and a fresh code for it.
async fn a_code(app: &TestApp) -> (TestClient, String) {
    app.person("ada", Role::Consumer).await;
    let client = app.web_client(SCOPE).await;
    let agent = UserAgent::new(app);
    let back = app.sign_in_and_allow(&agent, &client, "ada", SCOPE).await;
    (client, code_from(app, &back))
}

/// The token request for `code` by `client` with `redirect_uri` and `verifier`.
async fn present(
    app: &TestApp,
    client: &TestClient,
    code: &str,
    redirect_uri: Option<&str>,
    verifier: Option<&str>,
) -> reqwest::Response {
    let mut form = vec![("grant_type", "authorization_code"), ("code", code)];
    form.extend(redirect_uri.map(|uri| ("redirect_uri", uri)));
    form.extend(verifier.map(|v| ("code_verifier", v)));
    app.post_form("token_endpoint", Some(client), &form).await
}

#[tokio::test]
async fn a_code_presented_by_another_client_stays_usable_by_its_own() {
    let app = TestApp::spawn().await;
    let (client, code) = a_code(&app).await;
    let stranger = app.web_client(SCOPE).await;
    let stolen = present(&app, &stranger, &code, Some(REDIRECT_URI), Some(VERIFIER)).await;
    let body = assert_oauth_error(stolen, StatusCode::BAD_REQUEST, "invalid_grant").await;
    // The stranger learns nothing of the code: the answer of an unknown one.
    assert_eq!(body["error_description"], "the code is invalid or expired");
    token_json(app.exchange_code(&client, &code).await).await;
}

#[tokio::test]
async fn a_wrong_redirect_uri_or_verifier_leaves_the_code_usable() {
    let app = TestApp::spawn().await;
    let (client, code) = a_code(&app).await;
    let wrong_verifier = "a".repeat(43);
    for (uri, verifier) in [
        (Some("https://evil.example/cb"), Some(VERIFIER)),
        (None, Some(VERIFIER)),
        (Some(REDIRECT_URI), Some(wrong_verifier.as_str())),
        (Some(REDIRECT_URI), Some("too short")),
        (Some(REDIRECT_URI), None),
    ] {
        let refused = present(&app, &client, &code, uri, verifier).await;
        assert_oauth_error(refused, StatusCode::BAD_REQUEST, "invalid_grant").await;
    }
    token_json(app.exchange_code(&client, &code).await).await;
}

#[tokio::test]
async fn a_used_code_presented_by_a_stranger_revokes_nothing() {
    let app = TestApp::spawn().await;
    let (client, code) = a_code(&app).await;
    let tokens = token_json(app.exchange_code(&client, &code).await).await;
    let access = tokens["access_token"].as_str().unwrap();
    let refresh = tokens["refresh_token"].as_str().unwrap();
    let stranger = app.web_client(SCOPE).await;
    let stolen = present(&app, &stranger, &code, Some(REDIRECT_URI), Some(VERIFIER)).await;
    assert_oauth_error(stolen, StatusCode::BAD_REQUEST, "invalid_grant").await;
    // The same client's id, with a wrong verifier, proves nothing either.
    let wrong = "b".repeat(43);
    let guessed = present(&app, &client, &code, Some(REDIRECT_URI), Some(&wrong)).await;
    assert_oauth_error(guessed, StatusCode::BAD_REQUEST, "invalid_grant").await;

    assert_eq!(app.introspect(&client, access).await["active"], true);
    token_json(app.refresh(&client, refresh, None).await).await;
}

#[tokio::test]
async fn a_replay_by_its_own_client_still_revokes_what_the_code_gave() {
    let app = TestApp::spawn().await;
    let (client, code) = a_code(&app).await;
    let tokens = token_json(app.exchange_code(&client, &code).await).await;
    let access = tokens["access_token"].as_str().unwrap();
    let replay = app.exchange_code(&client, &code).await;
    let body = assert_oauth_error(replay, StatusCode::BAD_REQUEST, "invalid_grant").await;
    assert_eq!(body["error_description"], "the code was already used");
    assert_eq!(app.introspect(&client, access).await["active"], false);
}
