//! The device flow (RFC 8628) in a real browser: a TV asks for a code, the person opens the
//! verification page on their phone, signs in, types the code, allows, and the TV's next
//! poll gets tokens.

use fantoccini::Locator;
use farm_auth::accounts::users::Role;
use farm_auth::oauth2::client_metadata::NewClient;
use reqwest::StatusCode;
use serde_json::Value;

use super::driver::Browser;
use super::{CURRENT_PASSWORD, button};
use crate::support::{Options, PASSWORD, TestApp, token_json};

const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";
const TV: &str = "Farm Shop TV";
const CODE_FIELD: Locator<'static> = Locator::Css(r#"input[name="user_code"]"#);

#[tokio::test]
#[cfg_attr(
    not(farm_auth_browser),
    ignore = "needs chromium and chromium-driver (apt-get install chromium chromium-driver)"
)]
async fn a_person_connects_a_tv_by_typing_its_code_on_the_device_page() {
    let browser = Browser::launch("device").await;
    let app = TestApp::spawn_with(Options {
        localhost_issuer: true,
        ..Default::default()
    })
    .await;
    let sub = app.person("amara", Role::Farmer).await;
    let tv = app
        .register(NewClient {
            name: TV.into(),
            grant_types: vec![DEVICE_GRANT.into()],
            scope: Some("openid profile".into()),
            ..Default::default()
        })
        .await;

    // The TV asks for codes and shows the user code and the address.
    let response = app
        .post_form(
            "device_authorization_endpoint",
            Some(&tv),
            &[("scope", "openid profile")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let started: Value = response.json().await.unwrap();
    let user_code = started["user_code"].as_str().unwrap();
    let device_code = started["device_code"].as_str().unwrap();
    let poll_form = [("grant_type", DEVICE_GRANT), ("device_code", device_code)];
    let poll = || app.post_form("token_endpoint", Some(&tv), &poll_form);

    // On the phone: the verification page wants a sign-in first, then comes back.
    browser
        .goto(started["verification_uri"].as_str().unwrap())
        .await;
    browser
        .wait_for(CURRENT_PASSWORD, "the login page's password field")
        .await;
    browser.page("device-login").await;
    browser.log_in("amara", PASSWORD).await;
    let field = browser.wait_for(CODE_FIELD, "the device code field").await;
    browser
        .assert_url_starts_with(&format!("{}/device", app.issuer))
        .await;
    for (attribute, value) in [
        ("autocomplete", "off"),
        ("autocapitalize", "characters"),
        ("spellcheck", "false"),
    ] {
        let actual = field.attr(attribute).await.expect("read an attribute");
        assert_eq!(actual.as_deref(), Some(value), "{attribute}");
    }
    browser.page("device-code").await;

    // Typed the way people type: lower case, a space for the dash.
    let typed = user_code.to_lowercase().replace('-', " ");
    field.send_keys(&typed).await.expect("type the code");
    browser.click(Locator::XPath(&button("Continue"))).await;
    let allow = browser
        .wait_for(Locator::XPath(&button("Allow")), "the Allow button")
        .await;
    browser
        .wait_for(Locator::XPath(&button("Deny")), "the Deny button")
        .await;
    let text = browser.body_text().await;
    assert!(text.contains(TV), "the page does not name the TV: {text}");
    assert!(
        text.contains(user_code),
        "the page does not show the code: {text}"
    );
    browser.page("device-confirm").await;

    // Not decided yet.
    let pending = poll().await;
    let body: Value = pending.json().await.unwrap();
    assert_eq!(body["error"], "authorization_pending", "{body}");

    allow.click().await.expect("click Allow");
    browser
        .wait_until_gone(&allow, "the confirmation page")
        .await;
    browser.wait_for_text("go back to your device").await;
    browser.page("device-done").await;

    app.clock.advance(5);
    let tokens = token_json(poll().await).await;
    let id_token = tokens["id_token"].as_str().expect("an ID token");
    assert_eq!(
        app.verify_id_token(&tv, id_token).await["sub"],
        sub.as_str()
    );
    let access = tokens["access_token"].as_str().unwrap();
    let claims = app.verify_like_a_resource_server(access).await.unwrap();
    assert_eq!(claims["sub"], sub.as_str());
    browser.close().await;
}
