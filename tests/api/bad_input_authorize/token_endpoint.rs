//! The authorization code grant at the token endpoint: missing, repeated, oversized or wrong
//! parameters, codes presented by another client or for another redirect URI, expired codes,
//! and verifiers for codes issued without a challenge.

use farm_auth::accounts::users::Role;
use farm_auth::oauth2::client_metadata::NewClient;
use reqwest::StatusCode;
use serde_json::Value;

use super::{Browser, CLIENT_SCOPE, SCOPE, token_request};
use crate::support::{
    CHALLENGE, REDIRECT_URI, TestApp, TestClient, VERIFIER, assert_not_logged, assert_oauth_error,
};

const GRANT: &str = "grant_type=authorization_code";

#[tokio::test]
async fn code_requests_with_missing_repeated_oversized_or_wrong_parameters_get_rfc_errors() {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    let client = app.web_client(CLIENT_SCOPE).await;
    let browser = Browser::new(&app);
    let r = REDIRECT_URI;
    let v = VERIFIER;
    type Body = fn(&str) -> String;
    #[rustfmt::skip]
    let cases: Vec<(&str, Body, &str)> = vec![
        (
            "code missing",
            |_| format!("{GRANT}&redirect_uri={REDIRECT_URI}&code_verifier={VERIFIER}"),
            "invalid_request",
        ),
        (
            "code empty",
            |_| format!("{GRANT}&code=&redirect_uri={REDIRECT_URI}&code_verifier={VERIFIER}"),
            "invalid_request",
        ),
        (
            "code repeated",
            |c| {
                format!(
                    "{GRANT}&code={c}&code={c}&redirect_uri={REDIRECT_URI}&code_verifier={VERIFIER}"
                )
            },
            "invalid_request",
        ),
        (
            "code repeated, once empty",
            |c| {
                format!(
                    "{GRANT}&code=&code={c}&redirect_uri={REDIRECT_URI}&code_verifier={VERIFIER}"
                )
            },
            "invalid_request",
        ),
        (
            "code of 129 characters",
            |_| {
                format!(
                    "{GRANT}&code={}&redirect_uri={REDIRECT_URI}&code_verifier={VERIFIER}",
                    "a".repeat(129)
                )
            },
            "invalid_grant",
        ),
        (
            "code of 10000 characters",
            |_| {
                format!(
                    "{GRANT}&code={}&redirect_uri={REDIRECT_URI}&code_verifier={VERIFIER}",
                    "a".repeat(10_000)
                )
            },
            "invalid_grant",
        ),
        (
            "code unknown",
            |_| {
                format!(
                    "{GRANT}&code=not-a-code&redirect_uri={REDIRECT_URI}&code_verifier={VERIFIER}"
                )
            },
            "invalid_grant",
        ),
        (
            "code with a NUL byte",
            |c| format!("{GRANT}&code={c}%00&redirect_uri={REDIRECT_URI}&code_verifier={VERIFIER}"),
            "invalid_grant",
        ),
        (
            "code not UTF-8",
            |c| format!("{GRANT}&code={c}%FF&redirect_uri={REDIRECT_URI}&code_verifier={VERIFIER}"),
            "invalid_grant",
        ),
        (
            "code truncated",
            |c| {
                format!(
                    "{GRANT}&code={}&redirect_uri={REDIRECT_URI}&code_verifier={VERIFIER}",
                    &c[..c.len() - 1]
                )
            },
            "invalid_grant",
        ),
        ("redirect_uri missing",
            |c| format!("{GRANT}&code={c}&code_verifier={VERIFIER}"), "invalid_grant"),
        (
            "redirect_uri empty",
            |c| format!("{GRANT}&code={c}&redirect_uri=&code_verifier={VERIFIER}"),
            "invalid_grant",
        ),
        (
            "redirect_uri different",
            |c| format!("{GRANT}&code={c}&redirect_uri={REDIRECT_URI}/&code_verifier={VERIFIER}"),
            "invalid_grant",
        ),
        (
            "redirect_uri repeated",
            |c| {
                format!(
                    "{GRANT}&code={c}&redirect_uri={REDIRECT_URI}&redirect_uri={REDIRECT_URI}&code_verifier={VERIFIER}"
                )
            },
            "invalid_request",
        ),
        ("code_verifier missing",
            |c| format!("{GRANT}&code={c}&redirect_uri={REDIRECT_URI}"), "invalid_grant"),
        (
            "code_verifier empty",
            |c| format!("{GRANT}&code={c}&redirect_uri={REDIRECT_URI}&code_verifier="),
            "invalid_grant",
        ),
        (
            "code_verifier wrong",
            |c| {
                format!(
                    "{GRANT}&code={c}&redirect_uri={REDIRECT_URI}&code_verifier={}",
                    VERIFIER.replace('d', "e")
                )
            },
            "invalid_grant",
        ),
        (
            "code_verifier of 42 characters",
            |c| {
                format!(
                    "{GRANT}&code={c}&redirect_uri={REDIRECT_URI}&code_verifier={}",
                    &VERIFIER[..42]
                )
            },
            "invalid_grant",
        ),
        (
            "code_verifier of 129 characters",
            |c| {
                format!(
                    "{GRANT}&code={c}&redirect_uri={REDIRECT_URI}&code_verifier={}",
                    "a".repeat(129)
                )
            },
            "invalid_grant",
        ),
        (
            "code_verifier with a character outside its alphabet",
            |c| format!("{GRANT}&code={c}&redirect_uri={REDIRECT_URI}&code_verifier={VERIFIER}%21"),
            "invalid_grant",
        ),
        (
            "code_verifier equal to the challenge",
            |c| format!("{GRANT}&code={c}&redirect_uri={REDIRECT_URI}&code_verifier={CHALLENGE}"),
            "invalid_grant",
        ),
        (
            "code_verifier repeated",
            |c| {
                format!(
                    "{GRANT}&code={c}&redirect_uri={REDIRECT_URI}&code_verifier={VERIFIER}&code_verifier={VERIFIER}"
                )
            },
            "invalid_request",
        ),
        (
            "grant_type repeated",
            |c| {
                format!(
                    "{GRANT}&{GRANT}&code={c}&redirect_uri={REDIRECT_URI}&code_verifier={VERIFIER}"
                )
            },
            "invalid_request",
        ),
        (
            "grant_type missing",
            |c| format!("code={c}&redirect_uri={REDIRECT_URI}&code_verifier={VERIFIER}"),
            "invalid_request",
        ),
        (
            "grant_type in another case",
            |c| {
                format!(
                    "grant_type=Authorization_Code&code={c}&redirect_uri={REDIRECT_URI}&code_verifier={VERIFIER}"
                )
            },
            "unsupported_grant_type",
        ),
    ];
    let mut codes = Vec::new();
    let mut failures = Vec::new();
    for (what, body, error) in cases {
        let code = browser.code(&app, &client, SCOPE, &[]).await;
        let response = token_request(&app, &client, body(&code)).await;
        let status = response.status();
        assert_ne!(status, StatusCode::INTERNAL_SERVER_ERROR, "{what}");
        let json: Value = response.json().await.unwrap_or_default();
        if status != StatusCode::BAD_REQUEST
            || json["error"] != error
            || json.get("access_token").is_some()
        {
            failures.push(format!("{what}: {status} {json}, expected 400 {error}"));
        }
        codes.push(code);
    }
    assert!(failures.is_empty(), "{failures:#?}");
    // The well-formed request, for contrast.
    let code = browser.code(&app, &client, SCOPE, &[]).await;
    let response = token_request(
        &app,
        &client,
        format!("{GRANT}&code={code}&redirect_uri={r}&code_verifier={v}"),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    codes.push(code);
    let codes: Vec<&str> = codes.iter().map(String::as_str).collect();
    assert_not_logged(&codes);
}

#[tokio::test]
async fn a_code_is_refused_to_another_client_and_for_another_redirect_uri() {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    let client = app.web_client(CLIENT_SCOPE).await;
    let other_client = app.web_client(CLIENT_SCOPE).await;
    let second_uri = "https://rp.example/second";
    let two_uris = app
        .register(NewClient {
            name: "Two Doors".into(),
            redirect_uris: vec![REDIRECT_URI.into(), second_uri.into()],
            grant_types: vec!["authorization_code".into()],
            scope: Some(CLIENT_SCOPE.into()),
            ..Default::default()
        })
        .await;
    let browser = Browser::new(&app);

    // Issued to `client`, presented by another client with valid credentials.
    let code = browser.code(&app, &client, SCOPE, &[]).await;
    let response = app.exchange_code(&other_client, &code).await;
    assert_oauth_error(response, StatusCode::BAD_REQUEST, "invalid_grant").await;

    // Issued for one registered URI, presented with the other (both ways round).
    for (asked, presented) in [(REDIRECT_URI, second_uri), (second_uri, REDIRECT_URI)] {
        let code = browser
            .code(&app, &two_uris, SCOPE, &[("redirect_uri", asked)])
            .await;
        let body = format!("{GRANT}&code={code}&redirect_uri={presented}&code_verifier={VERIFIER}");
        let response = token_request(&app, &two_uris, body).await;
        assert_oauth_error(response, StatusCode::BAD_REQUEST, "invalid_grant").await;
        let code = browser
            .code(&app, &two_uris, SCOPE, &[("redirect_uri", asked)])
            .await;
        let body = format!("{GRANT}&code={code}&redirect_uri={asked}&code_verifier={VERIFIER}");
        let response = token_request(&app, &two_uris, body).await;
        assert_eq!(response.status(), StatusCode::OK, "the matching URI works");
    }
    // Wrong client secret: a 401, not a grant error.
    let code = browser.code(&app, &client, SCOPE, &[]).await;
    let wrong = TestClient {
        id: client.id.clone(),
        secret: "not-the-secret-51e7".into(),
    };
    let response = app.exchange_code(&wrong, &code).await;
    assert_oauth_error(response, StatusCode::UNAUTHORIZED, "invalid_client").await;
    assert_not_logged(&[
        &code,
        "not-the-secret-51e7",
        &client.secret,
        &other_client.secret,
    ]);
}

#[tokio::test]
async fn a_code_older_than_sixty_seconds_is_refused() {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    let client = app.web_client(CLIENT_SCOPE).await;
    let browser = Browser::new(&app);
    let fresh = browser.code(&app, &client, SCOPE, &[]).await;
    let stale = browser.code(&app, &client, SCOPE, &[]).await;
    app.clock.advance(59);
    let response = app.exchange_code(&client, &fresh).await;
    assert_eq!(response.status(), StatusCode::OK, "59 s old");
    app.clock.advance(2);
    let response = app.exchange_code(&client, &stale).await;
    assert_oauth_error(response, StatusCode::BAD_REQUEST, "invalid_grant").await;
}

#[tokio::test]
async fn a_verifier_for_a_code_issued_without_a_challenge_is_refused() {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    let client = app.web_client(CLIENT_SCOPE).await;
    let browser = Browser::new(&app);
    let no_pkce = [("code_challenge", ""), ("code_challenge_method", "")];
    let code = browser.code(&app, &client, SCOPE, &no_pkce).await;
    let response = app.exchange_code(&client, &code).await;
    assert_oauth_error(response, StatusCode::BAD_REQUEST, "invalid_grant").await;
    // Without a verifier the same kind of code is fine.
    let code = browser.code(&app, &client, SCOPE, &no_pkce).await;
    let body = format!("{GRANT}&code={code}&redirect_uri={REDIRECT_URI}");
    assert_eq!(
        token_request(&app, &client, body).await.status(),
        StatusCode::OK
    );
}
