//! A change of e-mail address: the password (or an authenticator code) again, a link to the
//! new address (the address changes, confirmed, only when it is followed), a notice to the
//! old address with a link that undoes the change for 7 days (the old address back, every
//! session and token ended, a new password required and mailed for). Links work once and
//! expire; one change waits per account; an address in use is answered like any other.

use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

use super::*;
use crate::support::{
    ApiPerson, PASSWORD, api_person, assert_api_error, is_signed_in, json_answer, password_works,
    send_json, signed_in,
};
use farm_auth::accounts::users::Role;

const NEW: &str = "ada@new.example";
const CONFIRM: &str = "/account/email/confirm";
const UNDO: &str = "/account/email/undo";
const SENT: &str = "We sent a link to the new address.";

async fn ada(app: &TestApp) -> ApiPerson {
    let ada = api_person(app, "ada", Role::Consumer, ACCOUNT_SCOPE, ACCOUNT_SCOPE).await;
    confirm_address(app, "ada").await;
    ada
}

async fn ask_by_api(app: &TestApp, token: &str, body: &Value) -> Response {
    send_json(app, Method::POST, "/api/v1/me/email", Some(token), body).await
}

/// The address stored for `username`.
async fn email_of(app: &TestApp, username: &str) -> String {
    account(app, username).await.unwrap().email
}

async fn ask_on_page(agent: &UserAgent, new_email: &str, password: &str) -> String {
    let fields = [("new_email", new_email), ("password", password)];
    on_account_page(agent, "/account/email", &fields).await
}

#[tokio::test]
async fn the_address_changes_only_when_the_link_to_the_new_address_is_followed() {
    let app = TestApp::spawn().await;
    let ada = ada(&app).await;
    let page = ask_on_page(&ada.agent, NEW, PASSWORD).await;
    assert!(page.contains(SENT), "{page}");
    assert_eq!(email_of(&app, "ada").await, "ada@farm.example");

    let link = mailed_link(&app, NEW, 1, CONFIRM).await;
    // A mail scanner fetching the link changes nothing.
    assert_eq!(
        UserAgent::new(&app).get(&link).await.status(),
        StatusCode::OK
    );
    assert_eq!(email_of(&app, "ada").await, "ada@farm.example");

    let (status, page) = follow_link(&UserAgent::new(&app), &link, CONFIRM).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("Your email address is changed"), "{page}");
    let user = account(&app, "ada").await.unwrap();
    assert_eq!((user.email.as_str(), user.email_verified), (NEW, true));
    let info = json_answer(app.userinfo(&ada.token).await, StatusCode::OK).await;
    assert_eq!(info["sub"], json!(user.id));

    // Used once.
    let (status, page) = follow_link(&UserAgent::new(&app), &link, CONFIRM).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{page}");
    assert!(page.contains("This link does not work any more"), "{page}");
}

#[tokio::test]
async fn the_old_address_is_told_and_its_link_undoes_the_change_and_secures_the_account() {
    let app = TestApp::spawn().await;
    let ada = ada(&app).await;
    ask_on_page(&ada.agent, NEW, PASSWORD).await;
    let link = mailed_link(&app, NEW, 1, CONFIRM).await;
    follow_link(&ada.agent, &link, CONFIRM).await;
    let notice = app.wait_for_mail("ada@farm.example", 1).await;
    assert!(
        notice.contains("The email address of your account was changed"),
        "{notice}"
    );
    let undo = link_in(&notice, &format!("{}{UNDO}?token=", app.issuer));
    // Valid for days, not minutes.
    app.clock.advance(6 * 86_400);

    let (status, page) = follow_link(&UserAgent::new(&app), &undo, UNDO).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let user = account(&app, "ada").await.unwrap();
    assert_eq!(
        (user.email.as_str(), user.email_verified),
        ("ada@farm.example", true)
    );
    assert!(user.password_reset_required);
    assert!(!is_signed_in(&ada.agent).await);
    let me = crate::support::call_api(&app, Method::GET, "/api/v1/me", Some(&ada.token), None);
    assert_eq!(me.await.status(), StatusCode::UNAUTHORIZED);
    assert!(!password_works(&app, "ada", PASSWORD).await);
    let reset = app.wait_for_mail("ada@farm.example", 2).await;
    assert!(reset.contains("Subject: Reset your password"), "{reset}");
    // Used once.
    let (status, _) = follow_link(&UserAgent::new(&app), &undo, UNDO).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_wrong_password_is_refused_and_mails_nothing() {
    let app = TestApp::spawn().await;
    let ada = ada(&app).await;
    let page = ask_on_page(&ada.agent, NEW, "not the password").await;
    assert!(
        page.contains("Your current password is not right."),
        "{page}"
    );
    let body = json!({"email": NEW, "password": "not the password"});
    let answer = ask_by_api(&app, &ada.token, &body).await;
    assert_api_error(answer, StatusCode::BAD_REQUEST, "invalid_password").await;
    let answer = ask_by_api(&app, &ada.token, &json!({"email": NEW})).await;
    assert_api_error(answer, StatusCode::BAD_REQUEST, "invalid_password").await;
    assert!(
        app.mails()
            .iter()
            .all(|m| !m.contains(&format!("To: {NEW}")))
    );
}

#[tokio::test]
async fn an_address_in_use_gets_the_same_answer_and_a_mail_saying_so_and_nothing_changes() {
    let app = TestApp::spawn().await;
    let ada = ada(&app).await;
    app.person("bob", Role::Consumer).await;
    let page = ask_on_page(&ada.agent, "BOB@farm.example", PASSWORD).await;
    assert!(page.contains(SENT), "{page}");
    assert!(!page.contains("bob"), "{page}");
    let mail = app.wait_for_mail("BOB@farm.example", 1).await;
    assert!(mail.contains("already belongs to an account"), "{mail}");
    assert!(!mail.contains(CONFIRM), "{mail}");
    let body = json!({"email": "bob@farm.example", "password": PASSWORD});
    let answer = ask_by_api(&app, &ada.token, &body).await;
    assert_eq!(json_answer(answer, StatusCode::ACCEPTED).await, json!({}));
    assert_eq!(email_of(&app, "ada").await, "ada@farm.example");
    assert_eq!(email_of(&app, "bob").await, "bob@farm.example");
}

#[tokio::test]
async fn an_expired_link_and_one_replaced_by_a_newer_request_do_not_work() {
    let app = TestApp::spawn().await;
    let ada = ada(&app).await;
    let body = json!({"email": NEW, "password": PASSWORD});
    let answer = ask_by_api(&app, &ada.token, &body).await;
    json_answer(answer, StatusCode::ACCEPTED).await;
    let first = mailed_link(&app, NEW, 1, CONFIRM).await;
    ask_on_page(&ada.agent, "ada@newer.example", PASSWORD).await;
    let newer = mailed_link(&app, "ada@newer.example", 1, CONFIRM).await;
    let (status, _) = follow_link(&UserAgent::new(&app), &first, CONFIRM).await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "the older request was replaced"
    );

    app.clock.advance(3_601);
    let (status, _) = follow_link(&UserAgent::new(&app), &newer, CONFIRM).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "expired after an hour");
    assert_eq!(email_of(&app, "ada").await, "ada@farm.example");
}

/// The same address in other letter case is the same address, beyond ASCII too (the store
/// compares addresses lowercased): nothing to change, no event, no mail.
#[tokio::test]
async fn the_same_address_in_other_case_is_not_a_change() {
    let app = TestApp::spawn().await;
    let ada = ada(&app).await;
    let id = account(&app, "ada").await.unwrap().id;
    app.store
        .set_confirmed_email(&id, "Åda@farm.example", app.clock.now())
        .await
        .unwrap();
    for same in ["åda@farm.example", "ÅDA@FARM.EXAMPLE"] {
        let body = json!({"email": same, "password": PASSWORD});
        let answer = ask_by_api(&app, &ada.token, &body).await;
        assert_api_error(answer, StatusCode::BAD_REQUEST, "invalid_email").await;
    }
}

#[tokio::test]
async fn malformed_addresses_and_forged_tokens_are_refused_without_a_server_error() {
    let app = TestApp::spawn().await;
    let ada = ada(&app).await;
    for bad in [
        "",
        "not an address",
        "a@b",
        "ada@farm.example",
        &format!("{}@x.example", "a".repeat(300)),
    ] {
        let body = json!({"email": bad, "password": PASSWORD});
        let answer = ask_by_api(&app, &ada.token, &body).await;
        assert_api_error(answer, StatusCode::BAD_REQUEST, "invalid_email").await;
    }
    let agent = UserAgent::new(&app);
    for token in ["", "x", &"a".repeat(5_000), "%00"] {
        for path in [CONFIRM, UNDO] {
            let answer = agent.get(&format!("{path}?token={token}")).await;
            assert!(
                answer.status().is_client_error() || answer.status().is_success(),
                "{path}"
            );
        }
    }
    let (_, _, page) = agent
        .navigate(&format!("{CONFIRM}?token=forged"))
        .await
        .page();
    let (_, status, _) = agent.submit(&page, CONFIRM, &[]).await.page();
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // Without the page's CSRF token the link's form is refused.
    let answer = agent.post(CONFIRM, &[("token", "forged")]).await;
    assert_eq!(answer.status(), StatusCode::FORBIDDEN);
    let signed = signed_in(&app, "ada").await;
    let answer = signed
        .agent
        .post(
            "/account/email",
            &[("new_email", NEW), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(answer.status(), StatusCode::FORBIDDEN);
    assert!(
        app.mails()
            .iter()
            .all(|m| !m.contains(&format!("To: {NEW}")))
    );
}

/// Changes ada's address to `to` on the page of `agent` and follows the link mailed there
/// (the `n`-th mail to `to`).
async fn change_to(app: &TestApp, agent: &UserAgent, to: &str, n: usize) {
    let page = ask_on_page(agent, to, PASSWORD).await;
    assert!(page.contains(SENT), "{page}");
    let link = mailed_link(app, to, n, CONFIRM).await;
    let (status, page) = follow_link(&UserAgent::new(app), &link, CONFIRM).await;
    assert_eq!(status, StatusCode::OK, "{page}");
}

#[tokio::test]
async fn the_undo_link_expires_after_seven_days() {
    let app = TestApp::spawn().await;
    let ada = ada(&app).await;
    change_to(&app, &ada.agent, NEW, 1).await;
    let undo = mailed_link(&app, "ada@farm.example", 1, UNDO).await;
    app.clock.advance(7 * 86_400 + 1);
    let (status, _) = follow_link(&UserAgent::new(&app), &undo, UNDO).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(email_of(&app, "ada").await, NEW);
}

/// Ada's address moves from her own to [`NEW`], then a minute later on to an intruder's:
/// the undo links mailed to her address and to [`NEW`].
async fn two_changes(app: &TestApp, agent: &UserAgent) -> (String, String) {
    change_to(app, agent, NEW, 1).await;
    app.clock.advance(60);
    change_to(app, agent, "mallory@evil.example", 1).await;
    app.clock.advance(60);
    let first = mailed_link(app, "ada@farm.example", 1, UNDO).await;
    let later = mailed_link(app, NEW, 2, UNDO).await;
    (first, later)
}

#[tokio::test]
async fn the_undo_link_of_a_later_change_does_not_cancel_the_first_addresss() {
    let app = TestApp::spawn().await;
    let ada = ada(&app).await;
    let (first, later) = two_changes(&app, &ada.agent).await;
    let (status, _) = follow_link(&UserAgent::new(&app), &later, UNDO).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(email_of(&app, "ada").await, NEW);
    let (status, _) = follow_link(&UserAgent::new(&app), &first, UNDO).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the first address's link still works"
    );
    assert_eq!(email_of(&app, "ada").await, "ada@farm.example");
}

#[tokio::test]
async fn the_undo_link_of_the_first_address_ends_those_of_later_changes() {
    let app = TestApp::spawn().await;
    let ada = ada(&app).await;
    let (first, later) = two_changes(&app, &ada.agent).await;
    let (status, _) = follow_link(&UserAgent::new(&app), &first, UNDO).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = follow_link(&UserAgent::new(&app), &later, UNDO).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(email_of(&app, "ada").await, "ada@farm.example");
}

#[tokio::test]
async fn links_mailed_to_the_old_address_stop_working_when_the_address_changes() {
    let app = TestApp::spawn().await;
    let ada = ada(&app).await;
    let (status, _) = crate::support::ask_for_reset(&app, "ada@farm.example").await;
    assert_eq!(status, StatusCode::OK);
    let reset = crate::support::reset_link(&app, "ada", 1).await;
    change_to(&app, &ada.agent, NEW, 1).await;
    let (_, status, page) = UserAgent::new(&app).navigate(&reset).await.page();
    assert_eq!(status, StatusCode::BAD_REQUEST, "{page}");
}

#[tokio::test]
async fn an_unconfirmed_old_address_gets_no_undo_link() {
    let app = TestApp::spawn().await;
    let ada = api_person(&app, "ada", Role::Consumer, ACCOUNT_SCOPE, ACCOUNT_SCOPE).await;
    change_to(&app, &ada.agent, NEW, 1).await;
    let user = account(&app, "ada").await.unwrap();
    assert_eq!((user.email.as_str(), user.email_verified), (NEW, true));
    // A mail queued after the change (a second later: the outbox sends in order) has
    // arrived, so a notice queued with the change would have too.
    app.clock.advance(1);
    ask_on_page(&ada.agent, "ada@third.example", PASSWORD).await;
    app.wait_for_mail("ada@third.example", 1).await;
    let to_old = app
        .mails()
        .into_iter()
        .filter(|m| m.contains("To: ada@farm.example"));
    assert_eq!(
        to_old.count(),
        0,
        "a stranger's typo gets no power over the account"
    );
}

#[tokio::test]
async fn a_fourth_request_within_an_hour_is_refused_and_mails_nothing() {
    let app = TestApp::spawn().await;
    let ada = ada(&app).await;
    for n in 1..=3 {
        let to = format!("ada{n}@new.example");
        let answer = ask_by_api(
            &app,
            &ada.token,
            &json!({"email": to, "password": PASSWORD}),
        )
        .await;
        json_answer(answer, StatusCode::ACCEPTED).await;
    }
    let body = json!({"email": NEW, "password": PASSWORD});
    let answer = ask_by_api(&app, &ada.token, &body).await;
    assert_api_error(answer, StatusCode::CONFLICT, "too_many_requests").await;
    let page = ask_on_page(&ada.agent, NEW, PASSWORD).await;
    assert!(page.contains("three times this hour"), "{page}");
    app.wait_for_mail("ada3@new.example", 1).await;
    assert!(
        app.mails()
            .iter()
            .all(|m| !m.contains(&format!("To: {NEW}")))
    );
    // An hour later, asking works again.
    app.clock.advance(3_601);
    let page = ask_on_page(&ada.agent, NEW, PASSWORD).await;
    assert!(page.contains(SENT), "{page}");
}

#[tokio::test]
async fn undoing_a_change_removes_the_sign_in_methods_added_after_it_and_keeps_older_ones() {
    let app = TestApp::spawn().await;
    let ada = ada(&app).await;
    let id = account(&app, "ada").await.unwrap().id;
    // Ada's own authenticator app, from before.
    app.authenticators.set_up(&app, &id).await;
    app.clock.advance(60);
    change_to(&app, &ada.agent, NEW, 1).await;
    // The first mail to ada's address was the notice that the app was set up.
    let undo = mailed_link(&app, "ada@farm.example", 2, UNDO).await;
    // The intruder, who changed the address, makes recovery codes of their own.
    app.clock.advance(60);
    let user = account(&app, "ada").await.unwrap();
    farm_auth::accounts::second_factor::regenerate_recovery_codes(
        &app.state,
        &Default::default(),
        &user,
        PASSWORD,
    )
    .await
    .unwrap();
    let (status, page) = follow_link(&UserAgent::new(&app), &undo, UNDO).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let left = farm_auth::accounts::second_factor::factors_of(&app.state, &id)
        .await
        .unwrap();
    assert!(left.totp, "the app from before the change stays");
    assert_eq!(left.recovery_codes_left, 0, "the codes made after it go");
}
