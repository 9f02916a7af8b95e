//! The `farms` scope and claim (CONTRACT "Farms"): every active farm of the person with
//! their role, in the ID token, UserInfo and the access token; pending and suspended farms
//! are left out; without the scope there is no claim.

use farm_auth::accounts::admin::Actor;
use farm_auth::accounts::farms;
use farm_auth::accounts::users::Role;
use farm_auth::domain::FarmRole;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{TestApp, UserAgent};

const SCOPE: &str = "openid profile farms";

/// `olive` owns active "Green Acres" and pending "Pending Patch", and is staff of "Blue
/// Hills", which is suspended; `bert` owns Blue Hills. The farms' ids, in that order.
async fn olives_farms(app: &TestApp) -> (String, String, String) {
    app.person("olive", Role::Consumer).await;
    app.person("bert", Role::Consumer).await;
    let green = app.active_farm("Green Acres", "olive").await;
    let olive = app.user("olive").await;
    let pending = farms::new_farm(
        &app.state,
        farms::parse_name("Pending Patch").unwrap(),
        farm_auth::domain::FarmStatus::Pending,
    );
    app.store.insert_farm(&pending, &olive.id).await.unwrap();
    let blue = app.active_farm("Blue Hills", "bert").await;
    // Joined later, so listed after Green Acres (the claim is in order of joining).
    app.clock.advance(1);
    app.add_member(&blue, "olive", FarmRole::Staff).await;
    farms::suspend(&app.state, &blue, "checks", Actor::CommandLine)
        .await
        .unwrap();
    (green, pending.id, blue)
}

fn access_claims(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap();
    use base64::Engine;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

#[tokio::test]
async fn the_farms_claim_lists_active_farms_in_the_id_token_userinfo_and_access_token() {
    let app = TestApp::spawn().await;
    let (green, _, blue) = olives_farms(&app).await;
    let client = app.web_client(SCOPE).await;
    let tokens = app
        .sign_in_for_tokens(&UserAgent::new(&app), &client, "olive", SCOPE)
        .await;
    let expected = json!([{"id": green, "name": "Green Acres", "role": "owner"}]);
    let id_token = app
        .verify_id_token(&client, tokens["id_token"].as_str().unwrap())
        .await;
    assert_eq!(id_token["farms"], expected);
    let access = tokens["access_token"].as_str().unwrap();
    assert_eq!(access_claims(access)["farms"], expected);
    let response = app.userinfo(access).await;
    assert_eq!(response.status(), StatusCode::OK);
    let userinfo: Value = response.json().await.unwrap();
    assert_eq!(userinfo["farms"], expected);

    // Reactivated, Blue Hills is back, with olive's role there.
    farms::reactivate(&app.state, &blue, Actor::CommandLine)
        .await
        .unwrap();
    let response = app.userinfo(access).await;
    let userinfo: Value = response.json().await.unwrap();
    assert_eq!(
        userinfo["farms"],
        json!([{"id": green, "name": "Green Acres", "role": "owner"},
               {"id": blue, "name": "Blue Hills", "role": "staff"}])
    );
}

#[tokio::test]
async fn without_the_farms_scope_there_is_no_farms_claim() {
    let app = TestApp::spawn().await;
    olives_farms(&app).await;
    let client = app.web_client(SCOPE).await;
    let tokens = app
        .sign_in_for_tokens(&UserAgent::new(&app), &client, "olive", "openid profile")
        .await;
    let id_token = app
        .verify_id_token(&client, tokens["id_token"].as_str().unwrap())
        .await;
    assert!(id_token.get("farms").is_none());
    let access = tokens["access_token"].as_str().unwrap();
    assert!(access_claims(access).get("farms").is_none());
    let userinfo: Value = app.userinfo(access).await.json().await.unwrap();
    assert!(userinfo.get("farms").is_none());
}

#[tokio::test]
async fn a_person_without_an_active_farm_gets_an_empty_farms_claim() {
    let app = TestApp::spawn().await;
    app.person("xavier", Role::Consumer).await;
    let client = app.web_client(SCOPE).await;
    let tokens = app
        .sign_in_for_tokens(&UserAgent::new(&app), &client, "xavier", SCOPE)
        .await;
    let access = tokens["access_token"].as_str().unwrap();
    assert_eq!(access_claims(access)["farms"], json!([]));
}

#[tokio::test]
async fn discovery_advertises_the_farms_scope_and_claim_and_consent_explains_it() {
    let app = TestApp::spawn().await;
    let metadata = app.discovery().await;
    assert!(
        metadata["scopes_supported"]
            .as_array()
            .unwrap()
            .contains(&json!("farms"))
    );
    assert!(
        metadata["claims_supported"]
            .as_array()
            .unwrap()
            .contains(&json!("farms"))
    );
    app.person("olive", Role::Consumer).await;
    let client = app.web_client(SCOPE).await;
    let agent = UserAgent::new(&app);
    let landing = agent
        .navigate(&app.authorize_url(&client, SCOPE, &[]))
        .await;
    let landing = agent
        .log_in(landing, "olive", crate::support::PASSWORD)
        .await;
    let (_, _, page) = landing.page();
    assert!(
        page.contains("the farms you work for and your role in each"),
        "{page}"
    );
}
