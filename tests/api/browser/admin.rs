//! The administrator's console in a real browser: an administrator signs in, opens the
//! console, searches for a person, opens their page and locks the account with a reason;
//! then that person, in a browser profile of their own, tries to sign in and is told the
//! account is locked. Each page is screenshotted and checked for accessibility basics at
//! phone width (the console's tables must not make the page scroll sideways).

use fantoccini::Locator;
use farm_auth::accounts::users::Role;

use super::button;
use super::driver::Browser;
use crate::support::{Options, PASSWORD, TestApp};

const ADMIN: &str = "olga_admin";
const TARGET: &str = "ada_grower";
const REASON: &str = "Chargebacks on three orders";

#[tokio::test]
#[cfg_attr(
    not(farm_auth_browser),
    ignore = "needs chromium and chromium-driver (apt-get install chromium chromium-driver)"
)]
async fn an_administrator_finds_a_person_and_locks_them_out() {
    let browser = Browser::launch("admin").await;
    let app = TestApp::spawn_with(Options {
        localhost_issuer: true,
        ..Default::default()
    })
    .await;
    app.person(ADMIN, Role::Admin).await;
    let ada_id = app.person(TARGET, Role::Farmer).await;
    for other in ["ada_baker", "bob_grower", "carol_shop"] {
        app.person(other, Role::Consumer).await;
    }

    // Signed in, the administrator opens the console: the users list.
    browser.goto(&format!("{}/login", app.issuer)).await;
    browser.log_in_as_admin(&app, ADMIN).await;
    browser
        .wait_for_url(&format!("{}/account", app.issuer), "the account page")
        .await;
    browser.goto(&format!("{}/admin", app.issuer)).await;
    browser
        .wait_for_url(&format!("{}/admin/users", app.issuer), "the users list")
        .await;
    browser.wait_for_text("5 users").await;
    browser.page("admin-users").await;

    // Searching narrows the list.
    browser
        .fill(Locator::Css("input[type=\"search\"]#q"), "ADA")
        .await;
    browser.click(Locator::XPath(&button("Search"))).await;
    browser
        .wait_for_url(
            &format!("{}/admin/users?q=ADA", app.issuer),
            "the search results",
        )
        .await;
    browser.wait_for_text("2 users whose username").await;
    let text = browser.body_text().await;
    assert!(
        text.contains(TARGET) && text.contains("ada_baker") && !text.contains("bob_grower"),
        "the search results: {text}"
    );
    browser.page("admin-users-search").await;

    // The person's page.
    browser.click(Locator::LinkText(TARGET)).await;
    browser
        .wait_for_url(
            &format!("{}/admin/users/{ada_id}", app.issuer),
            "the person's page",
        )
        .await;
    browser.wait_for_text("Reason for locking").await;
    let text = browser.body_text().await;
    assert!(
        text.contains(&format!("{TARGET}@farm.example")),
        "the person's page: {text}"
    );
    browser.page("admin-user").await;

    // Locking with a reason.
    browser.fill(Locator::Css("#lock-reason"), REASON).await;
    browser.click(Locator::XPath(&button("Lock account"))).await;
    browser
        .wait_for_text("is locked and signed out everywhere")
        .await;
    browser
        .wait_for(Locator::XPath(&button("Unlock account")), "the unlock form")
        .await;
    let text = browser.body_text().await;
    assert!(text.contains(REASON), "the locked page: {text}");
    browser.page("admin-user-locked").await;
    let locked = app
        .store
        .find_user_by_id(&ada_id)
        .await
        .unwrap()
        .expect("the person")
        .locked;
    assert_eq!(locked.map(|(_, reason)| reason).as_deref(), Some(REASON));
    browser.close().await;

    // The person, in a browser of their own, cannot sign in and is told why.
    let theirs = Browser::launch("admin-locked-person").await;
    theirs.goto(&format!("{}/login", app.issuer)).await;
    theirs.log_in(TARGET, PASSWORD).await;
    theirs.wait_for_text("This account is locked").await;
    theirs
        .assert_url_starts_with(&format!("{}/login", app.issuer))
        .await;
    theirs.page("login-account-locked").await;
    theirs.close().await;
}
