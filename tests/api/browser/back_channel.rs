//! Back-channel logout in a real browser: a person signed in to two apps (relying parties
//! started by the test, each with a logout endpoint of its own) signs out of farm-auth on
//! the account page; both apps are POSTed a logout token for that session, valid against
//! the JWKS (OpenID Connect Back-Channel Logout 1.0 §2.6).

use fantoccini::Locator;
use farm_auth::accounts::users::Role;
use farm_auth::oauth2::client_metadata::NewClient;

use super::button;
use super::driver::Browser;
use super::relying_party::{AuthorizationRequest, RelyingParty};
use crate::support::{Options, PASSWORD, Receiver, TestApp, TestClient, verify_logout_token};

/// An app at its own relying party, whose logout tokens go to its own receiver.
struct App {
    rp: RelyingParty,
    logout: Receiver,
    client: TestClient,
}

async fn app_at_a_relying_party(app: &TestApp, name: &str) -> App {
    let rp = RelyingParty::start().await;
    let logout = Receiver::start().await;
    let client = app
        .register(NewClient {
            name: name.into(),
            redirect_uris: vec![rp.url("/callback")],
            scope: Some("openid profile".into()),
            backchannel_logout_uri: Some(logout.url("/backchannel-logout")),
            backchannel_logout_session_required: true,
            ..Default::default()
        })
        .await;
    App { rp, logout, client }
}

#[tokio::test]
#[cfg_attr(
    not(farm_auth_browser),
    ignore = "needs chromium and chromium-driver (apt-get install chromium chromium-driver)"
)]
async fn signing_out_of_farm_auth_sends_both_signed_in_apps_a_logout_token() {
    let browser = Browser::launch("back-channel").await;
    let app = TestApp::spawn_with(Options {
        localhost_issuer: true,
        ..Default::default()
    })
    .await;
    let person = app.person("amara", Role::Consumer).await;
    let shop = app_at_a_relying_party(&app, "Farm Shop").await;
    let boxes = app_at_a_relying_party(&app, "Veg Boxes").await;

    // Signed in to the shop with a password, then to the boxes by single sign-on.
    let callback = shop.rp.url("/callback");
    let first = AuthorizationRequest::new(&app, &shop.client, &callback, "s1", "n1");
    browser.goto(&first.url).await;
    browser.log_in("amara", PASSWORD).await;
    let allow = Locator::XPath(&button("Allow"));
    browser.wait_for(allow, "the shop's consent").await;
    browser.click(allow).await;
    let code = first.expect_code(&browser, &app).await;
    first.exchange(&app, &shop.client, &code).await;
    let callback = boxes.rp.url("/callback");
    let second = AuthorizationRequest::new(&app, &boxes.client, &callback, "s2", "n2");
    browser.goto(&second.url).await;
    browser.wait_for(allow, "the boxes' consent").await;
    browser.click(allow).await;
    let code = second.expect_code(&browser, &app).await;
    second.exchange(&app, &boxes.client, &code).await;

    // Signing out on the account page.
    browser.goto(&format!("{}/account", app.issuer)).await;
    let sign_out = Locator::Css(r#"form[action="/logout"] button[type="submit"]"#);
    browser
        .wait_for(sign_out, "the account page's Sign out button")
        .await;
    browser.page("account-before-sign-out").await;
    browser.click(sign_out).await;
    browser.wait_for_text("signed out").await;

    let mut sids = Vec::new();
    for app_signed_in in [&shop, &boxes] {
        let received = app_signed_in.logout.wait_for(1).await;
        assert_eq!(received.len(), 1, "one logout token each");
        assert_eq!(received[0].path, "/backchannel-logout");
        let claims = verify_logout_token(&app, &received[0]).await;
        assert_eq!(claims["aud"], app_signed_in.client.id.as_str());
        assert_eq!(claims["sub"], person.as_str());
        sids.push(claims["sid"].as_str().unwrap().to_string());
    }
    assert_eq!(sids[0], sids[1], "one session, two apps");
    browser.close().await;
}
