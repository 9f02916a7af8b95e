//! The sign-up page's script solves the form's proof of work in a real browser
//! (DECISIONS §87), so a person with JavaScript is signed up at once.

use fantoccini::Locator;

use super::driver::Browser;
use super::{NEW_PASSWORD, PASSWORD, USERNAME_FIELD};
use crate::support::{Options, TestApp};

#[tokio::test]
#[cfg_attr(
    not(farm_auth_browser),
    ignore = "needs chromium and chromium-driver (apt-get install chromium chromium-driver)"
)]
async fn the_sign_up_page_s_script_solves_the_proof_of_work_and_the_person_is_signed_up() {
    let browser = Browser::launch("signup-proof-of-work").await;
    let app = TestApp::spawn_with(Options {
        localhost_issuer: true,
        ..Default::default()
    })
    .await;
    // The test server's clock stands still, so the minimum fill time of the path without
    // JavaScript never passes: only a solved puzzle lets this form through.
    browser.goto(&format!("{}/signup", app.issuer)).await;
    let password = browser
        .wait_for(NEW_PASSWORD, "the sign-up form's password field")
        .await;
    browser.page("signup-proof-of-work").await;
    browser.fill(USERNAME_FIELD, "juniper").await;
    browser
        .fill(
            Locator::Css(r#"input[autocomplete="email"]"#),
            "juniper@farm.example",
        )
        .await;
    password.send_keys(PASSWORD).await.expect("type a password");
    // Sent at once: the script holds the form until its puzzle is solved.
    browser
        .click(Locator::Css(
            r#"form:has(input[autocomplete="new-password"]) button[type="submit"]"#,
        ))
        .await;
    browser
        .wait_for_url(&format!("{}/account", app.issuer), "the account page")
        .await;
    let user = app.store.find_user_by_username("juniper").await.unwrap();
    assert!(user.is_some(), "no account was created");
    browser.close().await;
}

/// "Create account without a password": the script sends the form once its puzzle is
/// solved, with the button pressed, and the account has no password (decision 161).
#[tokio::test]
#[cfg_attr(
    not(farm_auth_browser),
    ignore = "needs chromium and chromium-driver (apt-get install chromium chromium-driver)"
)]
async fn a_person_signs_up_without_a_password() {
    let browser = Browser::launch("signup-no-password").await;
    let app = TestApp::spawn_with(Options {
        localhost_issuer: true,
        ..Default::default()
    })
    .await;
    browser.goto(&format!("{}/signup", app.issuer)).await;
    browser.fill(USERNAME_FIELD, "sorrel").await;
    browser
        .fill(
            Locator::Css(r#"input[autocomplete="email"]"#),
            "sorrel@farm.example",
        )
        .await;
    browser
        .click(Locator::Css(r#"button[name="without_password"]"#))
        .await;
    browser
        .wait_for_url(&format!("{}/account", app.issuer), "the account page")
        .await;
    let user = app.store.find_user_by_username("sorrel").await.unwrap();
    let user = user.expect("an account was made");
    assert_eq!(user.password_hash, None);
    browser.close().await;
}
