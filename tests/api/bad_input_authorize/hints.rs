//! Values the provider reads back from a request: `id_token_hint`s it did not issue are
//! refused before sign-in, and a nonce with a NUL byte does not break code issuance.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use farm_auth::accounts::users::Role;
use reqwest::StatusCode;
use reqwest::header::LOCATION;
use serde_json::{Value, json};

use super::{
    Browser, CLIENT_SCOPE, Change, Expect, SCOPE, again, authorize, mismatch, query, run_table, set,
};
use crate::support::{Landing, REDIRECT_URI, TestApp, TestDatabase};

#[tokio::test]
async fn id_token_hints_not_issued_here_are_refused_before_sign_in() {
    let app = TestApp::spawn().await;
    let ada = app.person("ada", Role::Consumer).await;
    let client = app.web_client(CLIENT_SCOPE).await;
    let browser = Browser::new(&app);
    let tokens = browser.tokens(&app, &client, SCOPE).await;
    let id_token = tokens["id_token"].as_str().unwrap().to_string();
    let access_token = tokens["access_token"].as_str().unwrap().to_string();
    let parts: Vec<&str> = id_token.split('.').collect();
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    let b64 = |value: &Value| URL_SAFE_NO_PAD.encode(value.to_string());

    let mut other_sub = claims.clone();
    other_sub["sub"] = json!("someone-else");
    let mut other_iss = claims.clone();
    other_iss["iss"] = json!("https://evil.example");
    let alg_none = format!(
        "{}.{}.",
        b64(&json!({"alg": "none", "typ": "JWT"})),
        parts[1]
    );
    let alg_hs256 = format!(
        "{}.{}.{}",
        b64(&json!({"alg": "HS256", "typ": "JWT"})),
        parts[1],
        parts[2]
    );
    let foreign = foreign_signed(&json!({
        "iss": app.issuer, "sub": ada, "aud": client.id,
        "iat": claims["iat"], "exp": claims["exp"], "auth_time": claims["auth_time"],
    }))
    .await;
    #[rustfmt::skip]
    let cases = vec![
        ("not a JWT", "not-a-jwt".to_string()),
        ("two dots", "..".to_string()),
        ("a payload with another sub", format!("{}.{}.{}", parts[0], b64(&other_sub), parts[2])),
        ("a payload with another iss", format!("{}.{}.{}", parts[0], b64(&other_iss), parts[2])),
        ("a signature cut short", id_token[..id_token.len() - 4].to_string()),
        ("alg none", alg_none),
        ("alg HS256", alg_hs256),
        ("signed by another provider's key", foreign),
        ("an access token", access_token),
        ("9000 characters", "a".repeat(9000)),
        ("a NUL byte", format!("{id_token}\0")),
    ];
    let mut table: Vec<(&str, Vec<Change>, Expect)> = cases
        .iter()
        .map(|(what, hint)| {
            (
                *what,
                vec![set("id_token_hint", hint.clone())],
                Expect::Error("invalid_request"),
            )
        })
        .collect();
    table.push((
        "repeated",
        vec![
            set("id_token_hint", id_token.clone()),
            again("id_token_hint", id_token.clone()),
        ],
        Expect::Error("invalid_request"),
    ));
    // A hint issued here is fine, even once expired (Core §3.1.2.1).
    table.push((
        "issued here",
        vec![set("id_token_hint", id_token.clone())],
        Expect::SignIn,
    ));
    run_table(&app, &client.id, table).await;
    app.clock.advance(2 * 3600);
    let response = authorize(
        &app,
        &query(&client.id, &[set("id_token_hint", id_token.clone())]),
    )
    .await;
    assert_eq!(mismatch(&app, response, Expect::SignIn).await, None);
}

/// An ID token with `claims` signed by another provider's key (its own database and key).
async fn foreign_signed(claims: &Value) -> String {
    let database = TestDatabase::new().await;
    let store = database.store().await;
    store.migrate().await.unwrap();
    let keys = farm_auth::keys::KeyRing::load(store.clone(), farm_auth::Clock::System, 3600)
        .await
        .unwrap();
    keys.ensure_signing_key().await.unwrap();
    let token = keys
        .current()
        .sign(farm_auth::keys::JwtType::IdToken, claims)
        .unwrap();
    store.close().await;
    token
}

#[tokio::test]
async fn a_nonce_with_a_nul_byte_does_not_break_code_issuance() {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    let client = app.web_client(CLIENT_SCOPE).await;
    let browser = Browser::new(&app);
    // Signed in and consented, so the request goes straight to issuing a code.
    browser.code(&app, &client, SCOPE, &[]).await;
    let url = app.authorize_url(&client, SCOPE, &[("nonce", "n\0x")]);
    let response = browser.agent.get(&url).await;
    let status = response.status();
    let location = response.headers().get(LOCATION).cloned();
    let body = response.text().await.unwrap_or_default();
    let title = body
        .split("<title>")
        .nth(1)
        .and_then(|t| t.split('<').next());
    assert_ne!(
        status,
        StatusCode::INTERNAL_SERVER_ERROR,
        "a NUL byte in the nonce: {title:?}"
    );
    assert_eq!(status, StatusCode::SEE_OTHER);
    // Either refused as invalid_request, or a code whose ID token carries the exact nonce.
    let back = url::Url::parse(location.unwrap().to_str().unwrap()).unwrap();
    assert!(back.as_str().starts_with(REDIRECT_URI), "{back}");
    match Landing::param(&back, "code") {
        None => {
            assert_eq!(
                Landing::param(&back, "error").as_deref(),
                Some("invalid_request")
            );
            assert_eq!(Landing::param(&back, "state").as_deref(), Some("xyz"));
        }
        Some(code) => {
            let response = app.exchange_code(&client, &code).await;
            assert_eq!(response.status(), StatusCode::OK);
            let tokens: Value = response.json().await.unwrap();
            let id_token = tokens["id_token"].as_str().unwrap();
            let payload = id_token.split('.').nth(1).unwrap();
            let claims: Value =
                serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
            assert_eq!(claims["nonce"], "n\0x");
        }
    }
}
