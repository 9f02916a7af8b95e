//! An account without a password proves it is its owner by a fresh sign-in (decision 159):
//! any way in, for five minutes; then it is asked to sign in again, and the login page
//! sends it back to its account. An account with a password is still asked for it.

use farm_auth::accounts::reconfirm::RECENT_SIGN_IN_SECS;
use farm_auth::accounts::users::Role;

use super::*;
use crate::email_code::mailed_code;
use crate::support::signed_in;

/// `username`, signed in with a password that is then removed (a confirmed address stays
/// its way in): the browser.
async fn passwordless(app: &TestApp, username: &str) -> UserAgent {
    app.person(username, Role::Consumer).await;
    confirm_address(app, username).await;
    let agent = signed_in(app, username).await.agent;
    let user = account(app, username).await.unwrap();
    let removed = app
        .store
        .remove_password_hash(&user.id, app.clock.now(), true);
    assert!(removed.await.unwrap());
    agent
}

#[tokio::test]
async fn a_fresh_sign_in_stands_for_the_password_for_five_minutes() {
    let app = TestApp::spawn().await;
    let agent = passwordless(&app, "wren").await;
    let (_, _, page) = agent.navigate("/account").await.page();
    assert!(page.contains("action=\"/account/sign-in-again\""), "{page}");
    assert!(!page.contains("id=\"email-password\""), "{page}");

    let fields = [("new_email", "wren@elsewhere.example")];
    let page = on_account_page(&agent, "/account/email", &fields).await;
    assert!(page.contains("We sent a link to the new address"), "{page}");

    app.clock.advance(RECENT_SIGN_IN_SECS + 1);
    let fields = [("confirm", "delete")];
    let page = on_account_page(&agent, "/account/delete", &fields).await;
    assert!(
        page.contains("sign in again, then make the change"),
        "{page}"
    );
    assert!(account(&app, "wren").await.is_some());
}

#[tokio::test]
async fn signing_in_again_by_mailed_code_returns_to_the_account_and_confirms() {
    let app = TestApp::spawn().await;
    let agent = passwordless(&app, "wren").await;
    app.clock.advance(RECENT_SIGN_IN_SECS + 1);
    let (_, _, page) = agent.navigate("/account").await.page();
    let (path, _, login) = agent
        .submit(&page, "/account/sign-in-again", &[])
        .await
        .page();
    assert_eq!(path, "/login");
    assert!(
        login.contains("with a passkey, a code by e-mail"),
        "{login}"
    );

    let (_, _, ask) = agent.navigate("/login/email-code").await.page();
    let email = [("email", "wren@farm.example")];
    let (_, _, verify) = agent.submit(&ask, "/login/email-code", &email).await.page();
    let code = mailed_code(&app, "wren@farm.example", 1).await;
    let fields = [("code", code.as_str())];
    let landing = agent.submit(&verify, "/login/email-code/verify", &fields);
    let (path, _, _) = landing.await.page();
    assert_eq!(path, "/account", "back to the account page");

    let fields = [("confirm", "delete")];
    let page = on_account_page(&agent, "/account/delete", &fields).await;
    assert!(page.contains("Your account is deleted"), "{page}");
    assert!(account(&app, "wren").await.is_none());
}

#[tokio::test]
async fn an_account_with_a_password_is_asked_for_it_however_fresh_its_sign_in() {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    let agent = signed_in(&app, "ada").await.agent;
    let fields = [("confirm", "delete")];
    let page = on_account_page(&agent, "/account/delete", &fields).await;
    assert!(
        page.contains("Your current password is not right"),
        "{page}"
    );
    assert!(account(&app, "ada").await.is_some());
}

#[tokio::test]
async fn while_a_new_password_is_required_a_fresh_sign_in_confirms_nothing() {
    let app = TestApp::spawn().await;
    let agent = passwordless(&app, "wren").await;
    let user = account(&app, "wren").await.unwrap();
    let now = app.clock.now();
    app.store
        .require_password_reset(&user.id, now)
        .await
        .unwrap();
    let fields = [("confirm", "delete")];
    let page = on_account_page(&agent, "/account/delete", &fields).await;
    assert!(page.contains("Choose a password first"), "{page}");
    assert!(account(&app, "wren").await.is_some());
}

/// "Sign in again" is a form like the others: without its token it is refused and marks
/// nothing (the login page still sends the signed-in person on to the account).
#[tokio::test]
async fn sign_in_again_without_the_forms_token_is_refused() {
    let app = TestApp::spawn().await;
    let agent = passwordless(&app, "wren").await;
    let response = agent.post("/account/sign-in-again", &[]).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let (path, _, _) = agent.navigate("/login").await.page();
    assert_eq!(path, "/account");
}
