//! A person in a real browser: headless Chromium, driven over WebDriver in a phone-sized
//! window, signs up, consents, signs out, signs in again and is signed out by the relying
//! party; connects a TV with the device flow; joins a farm through a mailed invitation; and
//! signs out of two apps at once by back-channel logout. Every page the person sees is saved as a
//! screenshot (under `$CARGO_TARGET_DIR/screenshots/`, else `target/screenshots/`) and
//! checked for accessibility basics.
//!
//! Needs Debian's `chromium` and `chromium-driver`. Where `build.rs` does not find them, these
//! tests are ignored (`cargo test` says so: ignored, not passed), so that a newcomer's
//! `cargo test` passes; `FARM_AUTH_REQUIRE_BROWSER=1` (as in CI) makes them run, and fail,
//! without a browser.

mod actions;
mod admin;
mod back_channel;
mod checks;
mod device;
mod driver;
mod email_code;
mod farms;
mod languages;
mod passkeys;
mod relying_party;
mod signup;
mod upstream;

use std::time::Duration;

use fantoccini::Locator;
use farm_auth::oauth2::client_metadata::NewClient;
use serde_json::Value;
use url::Url;

use crate::support::{Options, TestApp};
use driver::Browser;
use relying_party::{AuthorizationRequest, RelyingParty, query};

/// How long a page may take to show what a step waits for; generous, because the whole test
/// suite shares two cores with the browser.
const PAGE_TIMEOUT: Duration = Duration::from_secs(10);
const POLL: Duration = Duration::from_millis(100);
const PHONE_WIDTH: u32 = 420;
const PHONE_HEIGHT: u32 = 900;

const USERNAME: &str = "farmer_amara";
const EMAIL: &str = "amara@farm.example";
const PASSWORD: &str = "hedgerow turnip lantern 42";
const CLIENT_NAME: &str = "Farm Shop";

/// Proves chromedriver, Chromium and fantoccini work on this machine with pages that exist
/// whatever state the sign-in pages are in, so a failure of the flow below is about the pages.
#[tokio::test]
#[cfg_attr(
    not(farm_auth_browser),
    ignore = "needs chromium and chromium-driver (apt-get install chromium chromium-driver)"
)]
async fn chromium_reads_the_discovery_document() {
    let browser = Browser::launch("harness").await;
    let app = TestApp::spawn_with(Options {
        localhost_issuer: true,
        ..Default::default()
    })
    .await;
    assert!(
        app.issuer.starts_with("http://localhost:"),
        "{}",
        app.issuer
    );

    browser
        .goto(&format!("{}/.well-known/openid-configuration", app.issuer))
        .await;
    let text = browser.body_text().await;
    let metadata: Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("discovery as Chromium shows it is not JSON ({e}): {text}"));
    assert_eq!(metadata["issuer"], app.issuer.as_str());
    browser.close().await;
}

#[tokio::test]
#[cfg_attr(
    not(farm_auth_browser),
    ignore = "needs chromium and chromium-driver (apt-get install chromium chromium-driver)"
)]
async fn a_person_signs_up_consents_signs_out_and_signs_in_again() {
    let browser = Browser::launch("flow").await;
    let app = TestApp::spawn_with(Options {
        localhost_issuer: true,
        ..Default::default()
    })
    .await;
    let rp = RelyingParty::start().await;
    let callback = rp.url("/callback");
    let signed_out = rp.url("/signed-out");
    let client = app
        .register(NewClient {
            name: CLIENT_NAME.into(),
            redirect_uris: vec![callback.clone()],
            post_logout_redirect_uris: vec![signed_out.clone()],
            scope: Some("openid profile email".into()),
            ..Default::default()
        })
        .await;

    // An unknown person starts at the relying party and is sent to the login page.
    let first = AuthorizationRequest::new(&app, &client, &callback, "s123", "n456");
    browser.goto(&first.url).await;
    let signup_link = browser
        .wait_for(Locator::Css(r#"a[href^="/signup"]"#), "a sign-up link")
        .await;
    browser
        .assert_url_starts_with(&format!("{}/login", app.issuer))
        .await;
    browser.page("login").await;

    // Sign-up signs the new person in and continues to consent.
    signup_link.click().await.expect("click the sign-up link");
    let password = browser
        .wait_for(NEW_PASSWORD, "the sign-up form's password field")
        .await;
    browser.page("signup").await;
    browser.fill(USERNAME_FIELD, USERNAME).await;
    browser
        .fill(Locator::Css(r#"input[autocomplete="email"]"#), EMAIL)
        .await;
    password.send_keys(PASSWORD).await.expect("type a password");
    browser
        .click(Locator::Css(r#"input[name="role"][value="farmer"]"#))
        .await;
    browser
        .fill(Locator::Css("#farm_name"), "Amara's Market Garden")
        .await;
    browser
        .click(Locator::Css(
            r#"form:has(input[autocomplete="new-password"]) button[type="submit"]"#,
        ))
        .await;

    let allow = browser
        .wait_for(
            Locator::XPath(&button("Allow")),
            "the consent page's Allow button",
        )
        .await;
    browser
        .wait_for(Locator::XPath(&button("Deny")), "a Deny button")
        .await;
    let text = browser.body_text().await;
    assert!(
        text.contains(CLIENT_NAME),
        "the consent page does not name the client: {text}"
    );
    browser.page("consent").await;
    allow.click().await.expect("click Allow");

    let code = first.expect_code(&browser, &app).await;
    let tokens = first.exchange(&app, &client, &code).await;
    let id_token = tokens["id_token"].as_str().expect("an id_token");
    first.verify_id_token(&app, &client, id_token).await;

    // Signing out at the provider asks first, since nothing proves a relying party sent us.
    browser.goto(&format!("{}/logout", app.issuer)).await;
    let sign_out = browser
        .wait_for(
            Locator::XPath(&button("Sign out")),
            "the logout page's Sign out button",
        )
        .await;
    browser.page("logout-confirm").await;
    sign_out.click().await.expect("click Sign out");
    browser.wait_until_gone(&sign_out, "the logout page").await;
    browser.wait_for_text("signed out").await;
    browser.page("signed-out").await;

    // Signed out, the next authorization request needs a password again; consent is
    // remembered, so the person goes straight back to the relying party.
    let second = AuthorizationRequest::new(&app, &client, &callback, "s124", "n789");
    browser.goto(&second.url).await;
    browser.log_in(USERNAME, PASSWORD).await;
    let code = second.expect_code(&browser, &app).await;
    let tokens = second.exchange(&app, &client, &code).await;
    let id_token = tokens["id_token"].as_str().expect("an id_token");
    second.verify_id_token(&app, &client, id_token).await;

    // RP-initiated logout with an id_token_hint and a registered URI: no question asked.
    let mut logout = Url::parse(&format!("{}/logout", app.issuer)).unwrap();
    logout
        .query_pairs_mut()
        .append_pair("id_token_hint", id_token)
        .append_pair("post_logout_redirect_uri", &signed_out)
        .append_pair("state", "bye");
    browser.goto(logout.as_str()).await;
    let landed = browser
        .wait_for_url(&signed_out, "the relying party's signed-out page")
        .await;
    assert_eq!(query(&landed, "state").as_deref(), Some("bye"), "{landed}");

    // And that really ended the session.
    let third = AuthorizationRequest::new(&app, &client, &callback, "s125", "n000");
    browser.goto(&third.url).await;
    browser
        .wait_for(CURRENT_PASSWORD, "the login page after RP-initiated logout")
        .await;
    browser.close().await;
}

/// An authorization request that cannot be answered safely (the client, so its redirect
/// URIs, are unknown) shows the person an error page rather than redirecting anywhere.
#[tokio::test]
#[cfg_attr(
    not(farm_auth_browser),
    ignore = "needs chromium and chromium-driver (apt-get install chromium chromium-driver)"
)]
async fn an_unknown_client_gets_an_error_page_not_a_redirect() {
    let browser = Browser::launch("error").await;
    let app = TestApp::spawn_with(Options {
        localhost_issuer: true,
        ..Default::default()
    })
    .await;
    let path = "/oauth2/authorize?client_id=unknown&response_type=code";

    let response = app.http.get(app.url(path)).send().await.unwrap();
    let status = response.status();
    assert_eq!(status, reqwest::StatusCode::BAD_REQUEST);
    assert!(response.headers().get("location").is_none(), "redirected");
    let content_type = &response.headers()["content-type"];
    assert!(
        content_type.to_str().unwrap().starts_with("text/html"),
        "the error is {content_type:?}, not a page (status {status})"
    );

    browser.goto(&format!("{}{path}", app.issuer)).await;
    browser
        .assert_url_starts_with(&format!("{}/oauth2/authorize", app.issuer))
        .await;
    browser.page("error").await;
    browser.close().await;
}

/// The username field: on the login page, the passkey script adds `webauthn` to its
/// `autocomplete` where the browser can offer passkeys there.
const USERNAME_FIELD: Locator<'static> = Locator::Css(r#"input[autocomplete~="username"]"#);
const NEW_PASSWORD: Locator<'static> = Locator::Css(r#"input[autocomplete="new-password"]"#);
const CURRENT_PASSWORD: Locator<'static> =
    Locator::Css(r#"input[autocomplete="current-password"]"#);

/// An XPath for a submit button by its visible text.
fn button(text: &str) -> String {
    format!(r#"//button[@type="submit"][normalize-space()="{text}"]"#)
}
