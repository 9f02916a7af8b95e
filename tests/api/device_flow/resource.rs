//! RFC 8707 in the device flow: a resource named at the device authorization endpoint
//! decides the API of the tokens the poll gets, its scopes are shown on the confirmation
//! page in the API's words, and a poll may name the grant's API or farm-auth and no other.

use farm_auth::accounts::users::Role;
use reqwest::StatusCode;

use super::*;
use crate::support::{INVENTORY, ORDERS, TestApp, assert_oauth_error, claims_of, token_json};

#[tokio::test]
async fn a_device_named_resource_gives_tokens_for_that_api_and_a_poll_can_ask_for_farm_auth() {
    let app = TestApp::spawn().await;
    app.two_apis().await;
    app.person("ada", Role::Consumer).await;
    let tv = app
        .register(NewClient {
            name: TV.into(),
            grant_types: vec![DEVICE_GRANT.into()],
            scope: Some("openid inventory:read orders:read".into()),
            ..Default::default()
        })
        .await;
    let form = [("scope", "openid"), ("resource", INVENTORY)];
    let response = app
        .post_as("device_authorization_endpoint", &tv, &form)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let started: Value = response.json().await.unwrap();

    let agent = signed_in_at_device(&app, "ada").await;
    let confirm = enter_code(&agent, &user_code(&started)).await;
    let (_, _, body) = confirm.page_at("/device/confirm");
    assert!(
        body.contains("Inventory: Do inventory:read things"),
        "{body}"
    );
    let confirm = Landing::Page {
        path: "/device/confirm".into(),
        status: StatusCode::OK,
        body,
    };
    decide(&agent, confirm, "allow").await.page();

    app.clock.advance(5);
    let code = device_code(&started);
    let poll = |resource: &'static str| {
        let (app, tv, code) = (&app, &tv, code.clone());
        async move {
            let form = [
                ("grant_type", DEVICE_GRANT),
                ("device_code", code.as_str()),
                ("resource", resource),
            ];
            app.post_as("token_endpoint", tv, &form).await
        }
    };
    // The grant covers no scope of the orders API; the device code is still good after.
    let refused = poll(ORDERS).await;
    assert_oauth_error(refused, StatusCode::BAD_REQUEST, "invalid_target").await;
    app.clock.advance(5);
    let tokens = token_json(poll(INVENTORY).await).await;
    let claims = claims_of(tokens["access_token"].as_str().unwrap());
    assert_eq!(claims["aud"], INVENTORY);
    assert_eq!(claims["scope"], "openid inventory:read");
}
