//! Signing in with a mailed code in a real browser: from the login page, "Email me a
//! sign-in code instead", the address, then the code from the mail typed into the
//! one-time-code field, and the person is on their account.

use fantoccini::Locator;

use super::driver::Browser;
use crate::email_code::{confirmed, mailed_code};
use crate::support::{Options, TestApp};

#[tokio::test]
#[cfg_attr(
    not(farm_auth_browser),
    ignore = "needs chromium and chromium-driver (apt-get install chromium chromium-driver)"
)]
async fn a_person_signs_in_with_a_mailed_code() {
    let browser = Browser::launch("email-code").await;
    let app = TestApp::spawn_with(Options {
        localhost_issuer: true,
        ..Default::default()
    })
    .await;
    let (id, email) = confirmed(&app, "ines").await;
    browser.goto(&format!("{}/login", app.issuer)).await;
    let link = r#"//a[normalize-space()="Email me a sign-in code instead"]"#;
    browser.click(Locator::XPath(link)).await;
    let address = Locator::Css(r#"input[autocomplete="email"]"#);
    browser.fill(address, &email).await;
    browser.page("email-code").await;
    browser
        .click(Locator::Css(r#"form[action="/login/email-code"] button"#))
        .await;
    let code_field = Locator::Css(r#"input[autocomplete="one-time-code"]"#);
    browser.wait_for(code_field, "the code field").await;
    browser.page("email-code-verify").await;
    let code = mailed_code(&app, &email, 1).await;
    browser.fill(code_field, &code).await;
    browser
        .click(Locator::Css(
            r#"form[action="/login/email-code/verify"] button"#,
        ))
        .await;
    let account = format!("{}/account", app.issuer);
    browser.wait_for_url(&account, "the account page").await;
    browser.wait_for_text("ines").await;
    let now = app.clock.now();
    let sessions = app.store.list_live_login_sessions(&id, now).await.unwrap();
    assert_eq!(sessions.len(), 1, "one session of the person");
    assert_eq!(sessions[0].amr, ["otp"]);
    browser.close().await;
}
