//! Signing in with an upstream provider in a real browser: a person on the downstream's
//! login page follows "Continue with Upstream Farm", signs in and allows at the upstream (a
//! second farm-auth), comes back, takes the offered username and lands on their new account.
//! The downstream is `localhost`, the upstream `127.0.0.1`, so their cookies stay apart.
//! And a person with a local account links the provider to it by signing in to it.

use fantoccini::Locator;

use super::button;
use super::driver::Browser;
use crate::support::PASSWORD;
use crate::upstream::{CAROL, CAROL_EMAIL, Pair, Setup};
use farm_auth::accounts::users::Role;

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

/// A person with a local account (password, confirmed address) comes back from the
/// upstream with that address: they are asked to sign in to the local account, do, and the
/// provider is linked; signed out, the provider's button then signs them in to it.
#[tokio::test]
#[cfg_attr(
    not(farm_auth_browser),
    ignore = "needs chromium and chromium-driver (apt-get install chromium chromium-driver)"
)]
async fn a_person_links_an_upstream_provider_to_their_account() {
    let browser = Browser::launch("upstream-link").await;
    let pair = Pair::with(Setup {
        localhost_down: true,
        ..Setup::default()
    })
    .await;
    let local = pair.down.person(CAROL, Role::Consumer).await;
    let now = pair.down.clock.now();
    let confirmed = pair.down.store.set_email_verified(&local, CAROL_EMAIL, now);
    assert!(confirmed.await.unwrap());

    let link = r#"//a[normalize-space()="Continue with Upstream Farm"]"#;
    browser.goto(&format!("{}/login", pair.down.issuer)).await;
    browser.click(Locator::XPath(link)).await;
    browser.log_in(CAROL, PASSWORD).await;
    browser.wait_for_text("Allow").await;
    browser.click(Locator::XPath(&button("Allow"))).await;
    let prove = Locator::Css("#sign-in-to-link");
    browser
        .wait_for(prove, "the page asking to sign in first")
        .await;
    browser.page("upstream-prove").await;
    assert_eq!(pair.linked_account().await, None, "linked on the address");
    browser.click(prove).await;
    browser.log_in(CAROL, PASSWORD).await;
    let account = format!("{}/account", pair.down.issuer);
    browser.wait_for_url(&account, "the account").await;
    assert_eq!(pair.linked_account().await, Some(local));

    browser.goto(&format!("{}/logout", pair.down.issuer)).await;
    browser.click(Locator::XPath(&button("Sign out"))).await;
    browser.wait_for_text("signed out").await;
    browser.goto(&format!("{}/login", pair.down.issuer)).await;
    browser.click(Locator::XPath(link)).await;
    browser
        .wait_for_url(&account, "the account, through the link")
        .await;
    browser.close().await;
}
