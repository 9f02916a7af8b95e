//! Accounts without a password: a person with another way in (here a passkey) removes their
//! password on the account page, proving it is them once more; the account then signs in
//! with the passkey alone, and "Forgot your password?" sets a password again.

use farm_auth::accounts::users::Role;
use reqwest::{Method, StatusCode};

use super::{
    account_page, person_with_passkey, signed_in_with_passkey, signed_in_with_passkey_alone,
};
use crate::support::{
    NEW_PASSWORD, PASSWORD, SignIn, api_person, ask_for_reset, call_api, json_answer,
    password_works, reset_link, reset_with, sign_in, signed_in,
};

/// Whether `password` passes the first step for `username`, who holds a passkey (then
/// asked for at the second step), or is refused.
async fn password_accepted(app: &crate::support::TestApp, username: &str, password: &str) -> bool {
    let signed = sign_in(app, username, password).await;
    match signed.path.as_str() {
        "/login" => false,
        path => path.starts_with("/login/second-factor") || panic!("landed on {path}"),
    }
}

const REMOVE: &str = "/account/password/remove";
/// What the admin API asks for.
const ADMIN: &str = "openid account admin";

/// Asks to remove the password from the account page `page`, proving it with `password`:
/// the account page shown after.
async fn remove_password(agent: &crate::support::UserAgent, page: &str, password: &str) -> String {
    let (path, status, page) = agent
        .submit(page, REMOVE, &[("password", password)])
        .await
        .page();
    assert_eq!(
        (path.as_str(), status),
        ("/account", StatusCode::OK),
        "{page}"
    );
    page
}

#[tokio::test]
async fn a_person_with_a_passkey_removes_their_password_and_signs_in_with_the_passkey_alone() {
    let app = super::passkey_app().await;
    let (user_id, mut authenticator) = person_with_passkey(&app, "sam").await;
    let (agent, page) = signed_in_with_passkey(&app, "sam", &mut authenticator).await;
    assert!(page.contains(&format!(r#"action="{REMOVE}""#)), "{page}");

    // Proved again: a wrong password removes nothing.
    let page = remove_password(&agent, &page, "not my password").await;
    assert!(
        page.contains("Your current password is not right"),
        "{page}"
    );
    let user = app.store.find_user_by_id(&user_id).await.unwrap().unwrap();
    assert!(user.password_hash.is_some());

    let page = remove_password(&agent, &page, PASSWORD).await;
    assert!(page.contains("Your password is removed"), "{page}");
    assert!(page.contains("Your account has no password"), "{page}");
    assert!(!page.contains(r#"action="/account/password""#), "{page}");
    let user = app.store.find_user_by_id(&user_id).await.unwrap().unwrap();
    assert_eq!(user.password_hash, None);
    let events = app
        .store
        .list_audit_events(Some(&user_id), 50)
        .await
        .unwrap();
    assert!(
        events.iter().any(|e| e.event == "password.removed"),
        "{events:?}"
    );

    // The old password signs in no more; the passkey alone does.
    assert!(!password_accepted(&app, "sam", PASSWORD).await);
    let agent = signed_in_with_passkey_alone(&app, &mut authenticator).await;
    let page = account_page(&agent).await;
    assert!(page.contains("Your account has no password"), "{page}");

    // Asking again, with no password to prove it by, removes nothing and breaks nothing.
    let csrf = super::data_csrf(&page);
    let response = agent
        .post(REMOVE, &[("csrf_token", &csrf), ("password", "")])
        .await;
    let (path, status, page) = agent.follow(response).await.page();
    assert_eq!(
        (path.as_str(), status),
        ("/account", StatusCode::OK),
        "{page}"
    );
    assert!(page.contains("Your account has no password"), "{page}");
}

#[tokio::test]
async fn the_password_stays_while_it_is_the_only_way_in() {
    let app = super::passkey_app().await;
    let user_id = app.person("tia", Role::Consumer).await;
    let SignIn { agent, page, .. } = signed_in(&app, "tia").await;
    // No passkey, no confirmed address, no provider: nothing offered, and a forged
    // request is refused.
    assert!(!page.contains(&format!(r#"action="{REMOVE}""#)), "{page}");
    let form = page.replace(
        r#"action="/account/password""#,
        &format!(r#"action="{REMOVE}""#),
    );
    let page = remove_password(&agent, &form, PASSWORD).await;
    assert!(page.contains("you need another way to sign in"), "{page}");
    let user = app.store.find_user_by_id(&user_id).await.unwrap().unwrap();
    assert!(user.password_hash.is_some());
    assert!(password_works(&app, "tia", PASSWORD).await);
}

#[tokio::test]
async fn a_reset_by_mail_sets_a_password_again_on_an_account_without_one() {
    let app = super::passkey_app().await;
    let (user_id, mut authenticator) = person_with_passkey(&app, "uma").await;
    let (agent, page) = signed_in_with_passkey(&app, "uma", &mut authenticator).await;
    remove_password(&agent, &page, PASSWORD).await;
    assert!(!password_accepted(&app, "uma", PASSWORD).await);

    let (status, _) = ask_for_reset(&app, "uma@farm.example").await;
    assert_eq!(status, StatusCode::OK);
    let link = reset_link(&app, "uma", 1).await;
    reset_with(&app, &link, NEW_PASSWORD).await;
    assert!(password_accepted(&app, "uma", NEW_PASSWORD).await);
    let user = app.store.find_user_by_id(&user_id).await.unwrap().unwrap();
    assert!(user.password_hash.is_some());
}

#[tokio::test]
async fn the_admin_api_shows_and_requires_a_reset_of_an_account_without_a_password() {
    let app = super::passkey_app().await;
    let (user_id, mut authenticator) = person_with_passkey(&app, "vera").await;
    let (agent, page) = signed_in_with_passkey(&app, "vera", &mut authenticator).await;
    remove_password(&agent, &page, PASSWORD).await;
    let admin = api_person(&app, "root", Role::Admin, ADMIN, ADMIN).await;
    let path = format!("/api/v1/admin/users/{user_id}");
    let shown = call_api(&app, Method::GET, &path, Some(&admin.token), None).await;
    let shown = json_answer(shown, StatusCode::OK).await;
    assert_eq!(shown["username"], "vera", "{shown}");
    let reset = format!("{path}/password-reset");
    let asked = call_api(&app, Method::POST, &reset, Some(&admin.token), None).await;
    json_answer(asked, StatusCode::ACCEPTED).await;
    // The required reset stops the password steps; the passkey alone still signs in, and
    // the mailed reset sets a password again.
    signed_in_with_passkey_alone(&app, &mut authenticator).await;
    let link = reset_link(&app, "vera", 1).await;
    reset_with(&app, &link, NEW_PASSWORD).await;
    assert!(password_accepted(&app, "vera", NEW_PASSWORD).await);
}

#[tokio::test]
async fn the_store_removes_a_password_only_while_another_way_in_remains() {
    // The check is repeated as the password is removed, in one transaction with the
    // person's row taken: a way in removed meanwhile (an unlink, say) keeps the password.
    let app = super::passkey_app().await;
    let user = app.person("rhea", Role::Consumer).await;
    let now = app.clock.now();
    let removed = app
        .store
        .remove_password_hash(&user, now, true)
        .await
        .unwrap();
    assert!(
        !removed,
        "no passkey, link or confirmed address: the password stays"
    );
    assert!(password_works(&app, "rhea", PASSWORD).await);
    let confirmed = app
        .store
        .set_email_verified(&user, "rhea@farm.example", now);
    assert!(confirmed.await.unwrap());
    assert!(
        app.store
            .remove_password_hash(&user, now, true)
            .await
            .unwrap()
    );
}

/// Sign-up with "Create account without a password" makes an account without one
/// (decision 161): signed in at once, with no method named, and later in by a mailed code
/// once the address is confirmed; the empty password opens nothing.
#[tokio::test]
async fn a_person_signs_up_without_a_password_and_signs_in_later_with_a_mailed_code() {
    let app = super::passkey_app().await;
    let agent = crate::support::UserAgent::new(&app);
    let mut form = crate::support::signup_form(&agent, "fern").await;
    // An empty password with the main button is refused as it always was.
    for (name, value) in form.iter_mut() {
        if name == "password" {
            value.clear();
        }
    }
    crate::support::user_agent::solve_challenge(&mut form);
    let refused = crate::support::post_signup_form(&agent, &form).await;
    let again = refused.headers()["location"].to_str().unwrap().to_string();
    assert!(again.starts_with("/signup"), "{again}");
    assert!(
        app.store
            .find_user_by_username("fern")
            .await
            .unwrap()
            .is_none()
    );
    // The second button makes the account without one.
    let mut form = crate::support::signup_form(&agent, "fern").await;
    form.push(("without_password".into(), "1".into()));
    crate::support::user_agent::solve_challenge(&mut form);
    let answer = crate::support::post_signup_form(&agent, &form).await;
    assert_eq!(answer.status(), StatusCode::SEE_OTHER);
    let user = app.store.find_user_by_username("fern").await.unwrap();
    let user = user.expect("an account was made");
    assert_eq!(user.password_hash, None);
    let signups = app.trail("signup").await;
    assert_eq!(signups[0].detail.as_deref(), Some("without a password"));
    let now = app.clock.now();
    let sessions = app.store.list_live_login_sessions(&user.id, now).await;
    let sessions = sessions.unwrap();
    assert_eq!(sessions.len(), 1, "signed in at once");
    assert!(sessions[0].amr.is_empty(), "{:?}", sessions[0].amr);

    assert!(!password_works(&app, "fern", "").await);
    let confirmed = app
        .store
        .set_email_verified(&user.id, "fern@farm.example", now);
    assert!(confirmed.await.unwrap());
    let other = crate::support::UserAgent::new(&app);
    let (_, _, ask) = other.navigate("/login/email-code").await.page();
    let email = [("email", "fern@farm.example")];
    let (_, _, verify) = other.submit(&ask, "/login/email-code", &email).await.page();
    let code = crate::email_code::mailed_code(&app, "fern@farm.example", 1).await;
    let fields = [("code", code.as_str())];
    let landing = other.submit(&verify, "/login/email-code/verify", &fields);
    let (path, _, page) = landing.await.page();
    assert_eq!(path, "/account", "{page}");
}

/// The last passkey of an account with no other way in (no password, no confirmed address,
/// no provider) is not removed; with a confirmed address, codes by mail are a way in, and it
/// is. The person's row is taken as it is removed, as for the password.
#[tokio::test]
async fn the_only_way_in_is_not_removed() {
    let app = super::passkey_app().await;
    let (user_id, mut authenticator) = person_with_passkey(&app, "sam").await;
    // Without a password and with an unconfirmed address, as after a sign-up without one.
    let removed = app
        .store
        .remove_password_hash(&user_id, app.clock.now(), true);
    assert!(removed.await.unwrap());
    let agent = signed_in_with_passkey_alone(&app, &mut authenticator).await;
    let page = account_page(&agent).await;
    let (path, _, page) = agent
        .submit(&page, "/account/passkeys/delete", &[])
        .await
        .page();
    assert_eq!(path, "/account");
    assert!(page.contains("only way into your account"), "{page}");
    assert_eq!(app.store.list_passkeys(&user_id).await.unwrap().len(), 1);

    let now = app.clock.now();
    let confirmed = app
        .store
        .set_email_verified(&user_id, "sam@farm.example", now);
    assert!(confirmed.await.unwrap());
    let (_, _, page) = agent
        .submit(&page, "/account/passkeys/delete", &[])
        .await
        .page();
    assert!(page.contains("The passkey is removed."), "{page}");
    assert!(app.store.list_passkeys(&user_id).await.unwrap().is_empty());
}
