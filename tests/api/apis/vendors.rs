//! Vendor apps (RFC 7591) and the APIs' scopes: a vendor may register the scopes an API
//! opened to vendor apps and is refused the closed ones (`invalid_client_metadata`); at
//! issuance too, a vendor app gets only what is open now.

use farm_auth::accounts::admin::Actor;
use farm_auth::oauth2::api_admin::{self, NewApiScope};
use farm_auth::oauth2::client_metadata::NewClient;
use farm_auth::oauth2::operator;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{INVENTORY, TestApp, TestClient, assert_oauth_error, claims_of, token_json};

/// A vendor's web app asking for `scope` (a vendor cannot register `client_credentials`).
fn vendor_app(scope: &str) -> Value {
    json!({
        "client_name": "Acme stock sync",
        "redirect_uris": ["https://acme.example/cb"],
        "scope": scope,
    })
}

/// The registered vendor app, given `client_credentials` by an administrator, keeping its
/// scope.
async fn with_client_credentials(app: &TestApp, registered: &Value) -> TestClient {
    let id = registered["client_id"].as_str().unwrap();
    let allowed = NewClient {
        name: "Acme stock sync".into(),
        grant_types: vec!["client_credentials".into()],
        scope: registered["scope"].as_str().map(str::to_string),
        ..NewClient::default()
    };
    operator::update_client(&app.state, Actor::CommandLine, id, allowed)
        .await
        .expect("an administrator grants client_credentials");
    TestClient {
        id: id.into(),
        secret: registered["client_secret"].as_str().unwrap().into(),
    }
}

#[tokio::test]
async fn a_vendor_app_may_register_open_api_scopes_and_not_closed_ones() {
    let app = TestApp::spawn().await;
    app.two_apis().await;
    let clients = app.rows("clients").await;
    for closed in [
        "inventory:write",
        "openid orders:read",
        "inventory:read inventory:write",
    ] {
        let response = app.register_vendor_app(&vendor_app(closed)).await;
        let body =
            assert_oauth_error(response, StatusCode::BAD_REQUEST, "invalid_client_metadata").await;
        assert!(
            body["error_description"]
                .as_str()
                .unwrap()
                .contains("not open to vendor apps"),
            "{body}"
        );
    }
    assert_eq!(app.rows("clients").await, clients);

    let response = app.register_vendor_app(&vendor_app("inventory:read")).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let registered: Value = response.json().await.unwrap();
    assert_eq!(registered["scope"], "inventory:read");
    let vendor = with_client_credentials(&app, &registered).await;
    let token = token_json(app.client_credentials_for(&vendor, None, &[]).await).await;
    let claims = claims_of(token["access_token"].as_str().unwrap());
    assert_eq!(claims["aud"], INVENTORY);
    assert_eq!(claims["scope"], "inventory:read");
}

#[tokio::test]
async fn a_scope_closed_after_registration_is_no_longer_issued_to_vendor_apps() {
    let app = TestApp::spawn().await;
    let (inventory, _) = app.two_apis().await;
    let response = app.register_vendor_app(&vendor_app("inventory:read")).await;
    let registered: Value = response.json().await.unwrap();
    let vendor = with_client_credentials(&app, &registered).await;
    let closed = vec![
        NewApiScope {
            scope: "inventory:read".into(),
            description: "See stock levels".into(),
            vendor_open: false,
        },
        NewApiScope {
            scope: "inventory:write".into(),
            description: "Change stock levels".into(),
            vendor_open: false,
        },
    ];
    api_admin::set_scopes(&app.state, Actor::CommandLine, &inventory.id, closed)
        .await
        .unwrap();
    let response = app
        .client_credentials_for(&vendor, None, &[INVENTORY])
        .await;
    assert_oauth_error(response, StatusCode::BAD_REQUEST, "invalid_target").await;
    // Asked by scope: dropped, as any scope the client may not have.
    let response = app
        .client_credentials_for(&vendor, Some("inventory:read"), &[])
        .await;
    let token = token_json(response).await;
    let claims = claims_of(token["access_token"].as_str().unwrap());
    assert_eq!(claims["aud"], app.issuer.as_str());
    assert!(claims.get("scope").is_none(), "{claims}");
}
