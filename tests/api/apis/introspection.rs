//! RFC 7662 §4: an access token is described only to the API it is for (with the API's own
//! credentials), or, for farm-auth's own audience, to the client it was issued to. Anyone
//! else hears `{"active": false}`, exactly as for an unknown token; a public client still
//! cannot introspect.

use farm_auth::oauth2::client_metadata::NewClient;
use reqwest::StatusCode;
use serde_json::json;

use crate::support::{TestApp, assert_oauth_error};

#[tokio::test]
async fn only_the_apis_own_client_sees_its_tokens_as_active() {
    let app = TestApp::spawn().await;
    let (inventory, orders) = app.two_apis().await;
    let bot = app.machine_client("inventory:read").await;
    let token = app.access_token(&bot, None).await;

    let seen = app.introspect(&inventory.client, &token).await;
    assert_eq!(seen["active"], true);
    assert_eq!(seen["aud"], inventory.audience.as_str());
    assert_eq!(seen["scope"], "inventory:read");
    assert_eq!(seen["client_id"], bot.id.as_str());

    let ordinary = app.machine_client("").await;
    for caller in [&orders.client, &ordinary, &bot] {
        assert_eq!(
            app.introspect(caller, &token).await,
            json!({ "active": false })
        );
    }
    // Indistinguishable from a token that is not ours at all.
    assert_eq!(
        app.introspect(&orders.client, "not-a-token").await,
        json!({ "active": false })
    );

    let public = app
        .register(NewClient {
            name: "Phone".into(),
            redirect_uris: vec!["https://phone.example/cb".into()],
            public: true,
            ..Default::default()
        })
        .await;
    let response = app
        .post_form(
            "introspection_endpoint",
            None,
            &[("token", token.as_str()), ("client_id", public.id.as_str())],
        )
        .await;
    assert_oauth_error(response, StatusCode::UNAUTHORIZED, "invalid_client").await;
}

#[tokio::test]
async fn a_token_for_farm_auth_is_described_only_to_the_client_that_holds_it() {
    let app = TestApp::spawn().await;
    let (inventory, _) = app.two_apis().await;
    let bot = app.machine_client("account").await;
    let token = app.access_token(&bot, None).await;
    assert_eq!(app.introspect(&bot, &token).await["active"], true);
    let other = app.machine_client("").await;
    for caller in [&inventory.client, &other] {
        assert_eq!(
            app.introspect(caller, &token).await,
            json!({ "active": false })
        );
    }
}

#[tokio::test]
async fn a_deleted_apis_client_sees_nothing_and_its_audience_is_unknown() {
    let app = TestApp::spawn().await;
    let (inventory, _) = app.two_apis().await;
    let bot = app.machine_client("inventory:read").await;
    let token = app.access_token(&bot, None).await;
    let deleted = farm_auth::oauth2::api_admin::delete(
        &app.state,
        farm_auth::accounts::admin::Actor::CommandLine,
        &inventory.id,
    )
    .await
    .unwrap();
    assert!(deleted);
    let response = app
        .post_form(
            "introspection_endpoint",
            Some(&inventory.client),
            &[("token", token.as_str())],
        )
        .await;
    assert_oauth_error(response, StatusCode::UNAUTHORIZED, "invalid_client").await;
    let response = app
        .client_credentials_for(&bot, None, &[crate::support::INVENTORY])
        .await;
    assert_oauth_error(response, StatusCode::BAD_REQUEST, "invalid_target").await;
}
