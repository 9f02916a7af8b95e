//! A password change offers, and by default ends, the grants that can change the account:
//! refresh tokens (and the access tokens issued with them) holding the `account` or `admin`
//! scope. Other apps keep working; the person may untick the option on the account page, or
//! send `end_account_grants: false` to the account API, whose calling app keeps its grant.

use farm_auth::accounts::users::Role;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::support::{
    ApiPerson, PASSWORD, TestApp, TestClient, UserAgent, api_person, assert_no_content, send_json,
};

const ACCOUNT_APP: &str = "openid account offline_access";
const OTHER_APP: &str = "openid profile offline_access";
const NEW_PASSWORD: &str = "parsnips wintering in clamps";

/// Whether `refresh_token` of `client` still gets tokens.
async fn refresh_works(app: &TestApp, client: &TestClient, refresh_token: &str) -> bool {
    match app.refresh(client, refresh_token, None).await.status() {
        StatusCode::OK => true,
        StatusCode::BAD_REQUEST => false,
        other => panic!("refresh answered {other}"),
    }
}

/// Ada with a platform app that holds `account` (signed in in `ada.agent`), and another app
/// that holds no account scope: its client and refresh token.
async fn ada_with_two_apps(app: &TestApp) -> (ApiPerson, TestClient, String) {
    let ada = api_person(app, "ada", Role::Consumer, ACCOUNT_APP, ACCOUNT_APP).await;
    let other = app.web_client(OTHER_APP).await;
    let tokens = app
        .sign_in_for_tokens(&UserAgent::new(app), &other, "ada", OTHER_APP)
        .await;
    let refresh = tokens["refresh_token"].as_str().unwrap().to_string();
    (ada, other, refresh)
}

/// Another platform app holding `account`, which ada allows in a new browser: its client
/// and refresh token.
async fn second_account_app(app: &TestApp) -> (TestClient, String) {
    let second = app.web_client(ACCOUNT_APP).await;
    let tokens = app
        .sign_in_for_tokens(&UserAgent::new(app), &second, "ada", ACCOUNT_APP)
        .await;
    let refresh = tokens["refresh_token"].as_str().unwrap().to_string();
    (second, refresh)
}

/// Changes the password through the account API with ada's `token`, with the fields of
/// `extra` besides the two passwords.
async fn change_by_api(app: &TestApp, token: &str, extra: serde_json::Value) {
    let mut body = json!({"current_password": PASSWORD, "new_password": NEW_PASSWORD});
    if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        body.extend(extra.clone());
    }
    let response = send_json(app, Method::POST, "/api/v1/me/password", Some(token), &body);
    assert_no_content(response.await).await;
}

/// Changes the password on the account page of `agent`, with `extra` fields as the browser
/// sends them (the ticked box is sent, an unticked one is not).
async fn change_on_page(agent: &UserAgent, extra: &[(&str, &str)]) -> String {
    let (_, _, page) = agent.navigate("/account").await.page();
    let mut fields = vec![
        ("current_password", PASSWORD),
        ("new_password", NEW_PASSWORD),
    ];
    fields.extend_from_slice(extra);
    let (_, _, after) = agent
        .submit(&page, "/account/password", &fields)
        .await
        .page();
    assert!(after.contains("Your password is changed."), "{after}");
    after
}

#[tokio::test]
async fn the_account_page_offers_to_end_the_apps_that_can_change_the_account_ticked() {
    let app = TestApp::spawn().await;
    let (ada, _, _) = ada_with_two_apps(&app).await;
    let (_, _, page) = ada.agent.navigate("/account").await.page();
    let form = &page[page.find("action=\"/account/password\"").unwrap()..];
    let form = &form[..form.find("</form>").unwrap()];
    let checkbox = form
        .split("<input")
        .find(|tag| tag.contains("name=\"end_account_grants\""))
        .expect("the option is on the form");
    assert!(checkbox.contains("type=\"checkbox\""), "{checkbox}");
    assert!(
        checkbox.contains(" checked"),
        "ticked by default: {checkbox}"
    );
    assert!(form.contains("<label"), "{form}");
}

#[tokio::test]
async fn a_password_change_ends_the_grants_holding_the_account_scope_and_keeps_the_others() {
    let app = TestApp::spawn().await;
    let (ada, other, other_refresh) = ada_with_two_apps(&app).await;
    let refresh = ada.refresh.clone().unwrap();

    change_on_page(&ada.agent, &[("end_account_grants", "yes")]).await;

    assert!(!refresh_works(&app, &ada.client, &refresh).await);
    // RFC 7009 §2.1: the access tokens issued with the grant end with it.
    let me = crate::support::call_api(&app, Method::GET, "/api/v1/me", Some(&ada.token), None);
    assert_eq!(me.await.status(), StatusCode::UNAUTHORIZED);
    assert!(refresh_works(&app, &other, &other_refresh).await);
    assert!(crate::support::is_signed_in(&ada.agent).await);
}

#[tokio::test]
async fn unticking_the_option_keeps_the_grants_holding_the_account_scope() {
    let app = TestApp::spawn().await;
    let (ada, other, other_refresh) = ada_with_two_apps(&app).await;
    let refresh = ada.refresh.clone().unwrap();

    change_on_page(&ada.agent, &[]).await;

    assert!(refresh_works(&app, &ada.client, &refresh).await);
    assert!(refresh_works(&app, &other, &other_refresh).await);
}

#[tokio::test]
async fn the_account_api_ends_the_other_grants_holding_the_account_scope_by_default_and_keeps_its_own()
 {
    let app = TestApp::spawn().await;
    let (ada, other, other_refresh) = ada_with_two_apps(&app).await;
    let (second, second_refresh) = second_account_app(&app).await;

    change_by_api(&app, &ada.token, json!({})).await;

    assert!(refresh_works(&app, &ada.client, ada.refresh.as_deref().unwrap()).await);
    assert!(!refresh_works(&app, &second, &second_refresh).await);
    assert!(refresh_works(&app, &other, &other_refresh).await);
}

#[tokio::test]
async fn the_account_api_keeps_the_grants_when_asked_to() {
    let app = TestApp::spawn().await;
    let ada = api_person(&app, "ada", Role::Consumer, ACCOUNT_APP, ACCOUNT_APP).await;
    let (second, second_refresh) = second_account_app(&app).await;

    change_by_api(&app, &ada.token, json!({"end_account_grants": false})).await;

    assert!(refresh_works(&app, &second, &second_refresh).await);
}
