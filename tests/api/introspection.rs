//! RFC 7662 token introspection.

use crate::support::{ORDERS, TestApp, TestClient, assert_oauth_error};
use reqwest::StatusCode;

#[tokio::test]
async fn an_active_token_is_described_by_its_claims() {
    let app = TestApp::spawn().await;
    let bot = app.machine_client("orders:read").await;
    // RFC 7662 §4: the API the token is for asks, with its own credentials.
    let resource_server = orders_api(&app).await;
    let token = app.access_token(&bot, None).await;

    let response = app
        .post_form(
            "introspection_endpoint",
            Some(&resource_server),
            &[("token", &token)],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["active"], true);
    assert_eq!(body["client_id"], bot.id.as_str());
    assert_eq!(body["sub"], bot.id.as_str());
    assert_eq!(body["scope"], "orders:read");
    assert_eq!(body["aud"], ORDERS);
    assert_eq!(body["iss"], app.issuer.as_str());
    assert_eq!(body["token_type"], "Bearer");
    assert!(body["exp"].as_i64().unwrap() > body["iat"].as_i64().unwrap());
}

#[tokio::test]
async fn an_expired_token_is_inactive() {
    let app = TestApp::spawn().await;
    let bot = app.machine_client("orders:read").await;
    let token = app.access_token(&bot, None).await;
    app.clock.advance(899);
    assert_eq!(app.introspect(&bot, &token).await["active"], true);
    app.clock.advance(1);
    let body = app.introspect(&bot, &token).await;
    assert_eq!(
        body,
        serde_json::json!({ "active": false }),
        "nothing but active:false"
    );
}

#[tokio::test]
async fn unknown_malformed_and_forged_tokens_are_inactive() {
    let app = TestApp::spawn().await;
    let other = TestApp::spawn().await;
    let bot = app.machine_client("orders:read").await;
    let foreign_bot = other.machine_client("orders:read").await;
    let foreign = other.access_token(&foreign_bot, None).await;
    let genuine = app.access_token(&bot, None).await;
    let parts: Vec<&str> = genuine.split('.').collect();
    let unsigned = format!("{}.{}.", parts[0], parts[1]);
    let alg_none = format!(
        "{}.{}.",
        farm_auth::secrets::base64url(br#"{"alg":"none","typ":"at+jwt"}"#),
        parts[1]
    );
    let long = "a".repeat(10_000);
    for token in [
        "x",
        "a.b.c",
        "...",
        &foreign,
        &unsigned,
        &alg_none,
        &long,
        "eyJhbGciOiJSUzI1NiJ9.e30.AAAA",
    ] {
        assert_eq!(
            app.introspect(&bot, token).await,
            serde_json::json!({ "active": false }),
            "{token:.40}"
        );
    }
}

#[tokio::test]
async fn a_token_of_a_deleted_client_is_inactive() {
    let app = TestApp::spawn().await;
    let bot = app.machine_client("orders:read").await;
    let resource_server = orders_api(&app).await;
    let token = app.access_token(&bot, None).await;
    assert!(app.store.delete_client(&bot.id).await.unwrap());
    app.clock.advance(10); // the client cache's lifetime
    assert_eq!(
        app.introspect(&resource_server, &token).await["active"],
        false
    );
}

#[tokio::test]
async fn introspection_requires_an_authenticated_confidential_client() {
    let app = TestApp::spawn().await;
    let bot = app.machine_client("orders:read").await;
    let token = app.access_token(&bot, None).await;

    let response = app
        .post_form("introspection_endpoint", None, &[("token", &token)])
        .await;
    assert_oauth_error(response, StatusCode::UNAUTHORIZED, "invalid_client").await;

    let wrong = crate::support::TestClient {
        id: bot.id.clone(),
        secret: "wrong".into(),
    };
    let response = app
        .post_form("introspection_endpoint", Some(&wrong), &[("token", &token)])
        .await;
    assert_oauth_error(response, StatusCode::UNAUTHORIZED, "invalid_client").await;

    let public = app
        .register(farm_auth::oauth2::client_metadata::NewClient {
            name: "spa".into(),
            redirect_uris: vec!["https://spa.example/cb".into()],
            public: true,
            ..Default::default()
        })
        .await;
    let form = [("token", token.as_str()), ("client_id", public.id.as_str())];
    let response = app.post_form("introspection_endpoint", None, &form).await;
    assert_oauth_error(response, StatusCode::UNAUTHORIZED, "invalid_client").await;
}

#[tokio::test]
async fn a_missing_token_parameter_is_an_invalid_request() {
    let app = TestApp::spawn().await;
    let bot = app.machine_client("").await;
    let response = app
        .post_form(
            "introspection_endpoint",
            Some(&bot),
            &[("token_type_hint", "access_token")],
        )
        .await;
    assert_oauth_error(response, StatusCode::BAD_REQUEST, "invalid_request").await;
}

/// The orders API, whose own client introspects the tokens issued for `orders:read`.
async fn orders_api(app: &TestApp) -> TestClient {
    app.api("Orders", ORDERS, &[("orders:read", false)])
        .await
        .client
}
