//! The client credentials grant, verified the way a resource server verifies tokens.

use crate::support::{TestApp, assert_oauth_error, now};
use reqwest::StatusCode;
use serde_json::Value;

#[tokio::test]
async fn a_machine_client_gets_an_rfc_9068_access_token_that_verifies_against_the_jwks() {
    let app = TestApp::spawn().await;
    let bot = app.machine_client("orders:read orders:write").await;

    let response = app.client_credentials(&bot, Some("orders:read")).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "no-store");
    assert_eq!(response.headers()["pragma"], "no-cache");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 900);
    assert_eq!(body["scope"], "orders:read");
    assert!(
        body.get("refresh_token").is_none(),
        "RFC 6749 §4.4.3: no refresh token"
    );

    let token = body["access_token"].as_str().unwrap();
    let claims = app
        .verify_like_a_resource_server(token)
        .await
        .expect("token verifies");
    assert_eq!(claims["iss"], app.issuer.as_str());
    assert_eq!(claims["sub"], bot.id.as_str());
    assert_eq!(claims["client_id"], bot.id.as_str());
    assert_eq!(claims["aud"], app.issuer.as_str());
    assert_eq!(claims["scope"], "orders:read");
    let iat = claims["iat"].as_i64().unwrap();
    assert!((iat - now()).abs() < 5);
    assert_eq!(claims["exp"].as_i64().unwrap(), iat + 900);
    assert!(claims["jti"].as_str().unwrap().len() >= 22);
}

#[tokio::test]
async fn without_a_scope_parameter_the_client_gets_all_its_registered_scopes() {
    let app = TestApp::spawn().await;
    let bot = app.machine_client("orders:read catalog:write").await;
    let token = app.access_token(&bot, None).await;
    let claims = app.verify_like_a_resource_server(&token).await.unwrap();
    assert_eq!(claims["scope"], "orders:read catalog:write");
}

#[tokio::test]
async fn every_token_has_its_own_jti() {
    let app = TestApp::spawn().await;
    let bot = app.machine_client("orders:read").await;
    let a = app
        .verify_like_a_resource_server(&app.access_token(&bot, None).await)
        .await
        .unwrap();
    let b = app
        .verify_like_a_resource_server(&app.access_token(&bot, None).await)
        .await
        .unwrap();
    assert_ne!(a["jti"], b["jti"]);
}

#[tokio::test]
async fn client_secret_post_works_for_a_client_registered_for_it_and_not_otherwise() {
    let app = TestApp::spawn().await;
    let post_client = app
        .register(farm_auth::oauth2::client_metadata::NewClient {
            name: "poster".into(),
            scope: Some("orders:read".into()),
            auth_method: Some("client_secret_post".into()),
            ..Default::default()
        })
        .await;
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", post_client.id.as_str()),
        ("client_secret", post_client.secret.as_str()),
    ];
    let response = app.post_form("token_endpoint", None, &form).await;
    assert_eq!(response.status(), StatusCode::OK);

    // The same client with Basic is refused: it is registered for client_secret_post.
    let response = app.client_credentials(&post_client, None).await;
    assert_oauth_error(response, StatusCode::UNAUTHORIZED, "invalid_client").await;

    // And a Basic client may not switch to client_secret_post.
    let basic_client = app.machine_client("orders:read").await;
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", basic_client.id.as_str()),
        ("client_secret", basic_client.secret.as_str()),
    ];
    let response = app.post_form("token_endpoint", None, &form).await;
    assert_oauth_error(response, StatusCode::UNAUTHORIZED, "invalid_client").await;
}

#[tokio::test]
async fn requested_scopes_are_limited_to_the_registered_ones() {
    let app = TestApp::spawn().await;
    let bot = app.machine_client("orders:read").await;
    for scope in [
        "orders:write",
        "orders:read orders:write",
        "openid",
        "offline_access",
        "bad\"scope",
    ] {
        let response = app.client_credentials(&bot, Some(scope)).await;
        assert_oauth_error(response, StatusCode::BAD_REQUEST, "invalid_scope").await;
    }
}

#[tokio::test]
async fn a_client_not_registered_for_client_credentials_is_refused() {
    let app = TestApp::spawn().await;
    let web_app = app
        .register(farm_auth::oauth2::client_metadata::NewClient {
            name: "web shop".into(),
            redirect_uris: vec!["https://shop.example/callback".into()],
            ..Default::default()
        })
        .await;
    let response = app.client_credentials(&web_app, None).await;
    assert_oauth_error(response, StatusCode::BAD_REQUEST, "unauthorized_client").await;
}

#[tokio::test]
async fn the_access_token_lifetime_is_configurable() {
    let app = TestApp::spawn_with(crate::support::Options {
        access_token_ttl: Some(120),
        ..Default::default()
    })
    .await;
    let bot = app.machine_client("orders:read").await;
    let response = app.client_credentials(&bot, None).await;
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["expires_in"], 120);
    let claims = app
        .verify_like_a_resource_server(body["access_token"].as_str().unwrap())
        .await
        .unwrap();
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        120
    );
}
