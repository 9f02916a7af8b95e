//! Signing in with an upstream provider in a real browser: a person on the downstream's
//! login page follows "Continue with Upstream Farm", signs in and allows at the upstream (a
//! second farm-auth), comes back, takes the offered username and lands on their new account.
//! The downstream is `localhost`, the upstream `127.0.0.1`, so their cookies stay apart.

use fantoccini::Locator;

use super::button;
use super::driver::Browser;
use crate::support::PASSWORD;
use crate::upstream::{CAROL, Pair, Setup};

#[tokio::test]
#[cfg_attr(
    not(farm_auth_browser),
    ignore = "needs chromium and chromium-driver (apt-get install chromium chromium-driver)"
)]
async fn a_person_signs_up_with_an_upstream_provider() {
    let browser = Browser::launch("upstream").await;
    let pair = Pair::with(Setup {
        localhost_down: true,
        ..Setup::default()
    })
    .await;
    browser.goto(&format!("{}/login", pair.down.issuer)).await;
    browser.page("upstream-login-button").await;
    let link = r#"//a[normalize-space()="Continue with Upstream Farm"]"#;
    browser.click(Locator::XPath(link)).await;
    browser.log_in(CAROL, PASSWORD).await;
    browser.wait_for_text("Allow").await;
    browser.click(Locator::XPath(&button("Allow"))).await;
    let signup = format!("{}/login/upstream/signup", pair.down.issuer);
    browser.wait_for_url(&signup, "the sign-up page").await;
    browser.page("upstream-signup").await;
    browser
        .click(Locator::XPath(&button("Create account")))
        .await;
    let account = format!("{}/account", pair.down.issuer);
    browser.wait_for_url(&account, "the new account").await;
    assert!(pair.linked_account().await.is_some());
    browser.close().await;
}
