//! An administrator suspends a person in the console: a lock needs a reason that is not
//! blank, signs the person out everywhere and keeps them out until unlocked; requiring a new
//! password mails a link and refuses the old password until the reset.

use farm_auth::accounts::users::Role;
use reqwest::StatusCode;

use super::*;
use crate::support::{
    PASSWORD, SignIn, TestApp, UserAgent, assert_oauth_error, is_signed_in, link_in, sign_in,
    signed_in, signed_in_with,
};

#[tokio::test]
async fn a_lock_with_a_reason_signs_the_person_out_everywhere_and_keeps_them_out() {
    let app = TestApp::spawn().await;
    let (olga_id, olga) = admin_signed_in(&app).await;
    let ada_id = app.person("ada", Role::Consumer).await;
    let client = app.web_client(SCOPE).await;
    let ada_phone = UserAgent::new(&app);
    let tokens = app
        .sign_in_for_tokens(&ada_phone, &client, "ada", SCOPE)
        .await;
    let refresh = tokens["refresh_token"].as_str().expect("a refresh token");
    let ada_laptop = signed_in(&app, "ada").await.agent;
    // The refresh token works before.
    let before = app.refresh(&client, refresh, None).await;
    let before = crate::support::token_json(before).await;
    let refresh = before["refresh_token"].as_str().unwrap().to_string();

    let path = format!("/admin/users/{ada_id}");
    let reason = "Chargebacks on three orders";
    let page = send_back(&olga, &path, &format!("{path}/lock"), &[("reason", reason)]).await;
    assert_done(&page, "ada is locked and signed out everywhere.");
    assert!(page.contains("<dd>locked</dd>"), "{page}");
    assert!(page.contains(reason), "the page shows the reason");
    assert!(page.contains("Unlock account"));

    let ada = user(&app, "ada").await;
    let (_, kept) = ada.locked.expect("locked in the database");
    assert_eq!(kept, reason);
    assert!(!is_signed_in(&ada_laptop).await, "the laptop is still in");
    assert!(!is_signed_in(&ada_phone).await, "the phone is still in");
    let live = app
        .store
        .list_live_login_sessions(&ada_id, app.clock.now())
        .await
        .unwrap();
    assert!(live.is_empty(), "{live:?}");
    let response = app.refresh(&client, &refresh, None).await;
    assert_oauth_error(response, StatusCode::BAD_REQUEST, "invalid_grant").await;

    let SignIn { path, page, .. } = sign_in(&app, "ada", PASSWORD).await;
    assert!(path.starts_with("/login"), "{path}");
    assert!(page.contains(LOCKED), "{page}");

    let locked = events(&app, "user.locked").await;
    assert_eq!(locked.len(), 1, "{locked:?}");
    assert_eq!(locked[0].user_id.as_deref(), Some(ada_id.as_str()));
    assert_eq!(locked[0].actor_id.as_deref(), Some(olga_id.as_str()));
    assert_eq!(
        locked[0].detail.as_deref(),
        Some("by administrator olga: Chargebacks on three orders")
    );
    // The users list says so too.
    let list = open(&olga, "/admin/users?q=ada").await;
    assert!(rows(&list)[0].contains("<td>locked</td>"), "{list}");
}

#[tokio::test]
async fn a_lock_without_a_reason_is_refused_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let (_, olga) = admin_signed_in(&app).await;
    let ada_id = app.person("ada", Role::Consumer).await;
    let ada = signed_in(&app, "ada").await.agent;
    let path = format!("/admin/users/{ada_id}");
    let lock = format!("{path}/lock");
    let page = send_back(&olga, &path, &lock, &[]).await;
    assert_refused(&page, "Say why the account is locked.");
    let page = send_back(&olga, &path, &lock, &[("reason", "")]).await;
    assert_refused(&page, "Say why the account is locked.");
    assert_eq!(user(&app, "ada").await.locked, None);
    assert!(is_signed_in(&ada).await);
    assert!(events(&app, "user.locked").await.is_empty());
    // The refusal is shown once.
    let again = open(&olga, &path).await;
    assert_eq!(alert(&again), None);
}

#[tokio::test]
async fn a_lock_with_a_blank_reason_is_refused() {
    let app = TestApp::spawn().await;
    let (_, olga) = admin_signed_in(&app).await;
    let ada_id = app.person("ada", Role::Consumer).await;
    let path = format!("/admin/users/{ada_id}");
    for blank in ["   ", "\t\n", "\u{7}"] {
        let page = send_back(&olga, &path, &format!("{path}/lock"), &[("reason", blank)]).await;
        assert_refused(&page, "Say why the account is locked.");
        assert_eq!(user(&app, "ada").await.locked, None, "reason {blank:?}");
    }
}

#[tokio::test]
async fn unlocking_lets_the_person_sign_in_again() {
    let app = TestApp::spawn().await;
    let (_, olga) = admin_signed_in(&app).await;
    let ada_id = app.person("ada", Role::Consumer).await;
    let path = format!("/admin/users/{ada_id}");
    send_back(
        &olga,
        &path,
        &format!("{path}/lock"),
        &[("reason", "checking")],
    )
    .await;
    let SignIn { page, .. } = sign_in(&app, "ada", PASSWORD).await;
    assert!(page.contains(LOCKED), "{page}");

    let page = send_back(
        &olga,
        &path,
        &format!("{path}/unlock"),
        &[("reason", "all clear")],
    )
    .await;
    assert_done(&page, "ada can sign in again.");
    assert!(page.contains("<dd>active</dd>"));
    assert!(page.contains("Lock account"));
    assert_eq!(user(&app, "ada").await.locked, None);
    signed_in(&app, "ada").await;
    let unlocked = events(&app, "user.unlocked").await;
    assert_eq!(unlocked.len(), 1);
    assert_eq!(
        unlocked[0].detail.as_deref(),
        Some("by administrator olga: all clear")
    );
}

#[tokio::test]
async fn requiring_a_new_password_mails_a_link_and_refuses_the_old_password_until_reset() {
    let app = TestApp::spawn().await;
    let (_, olga) = admin_signed_in(&app).await;
    let ada_id = app.person("ada", Role::Consumer).await;
    let ada = signed_in(&app, "ada").await.agent;
    let path = format!("/admin/users/{ada_id}");

    let page = send_back(&olga, &path, &format!("{path}/password-reset"), &[]).await;
    assert_done(
        &page,
        "ada must choose a new password; a reset link was mailed to ada@farm.example.",
    );
    assert!(page.contains("<dd>must reset password</dd>"), "{page}");
    assert!(user(&app, "ada").await.password_reset_required);
    assert!(
        !is_signed_in(&ada).await,
        "ada's browser is still signed in"
    );

    let mail = app.wait_for_mail("ada@farm.example", 1).await;
    assert!(mail.contains("Subject: Reset your password"), "{mail}");
    assert!(
        mail.contains("asked you to choose a new password"),
        "{mail}"
    );
    let link = link_in(&mail, &format!("{}/password/reset?token=", app.issuer));

    let SignIn { path, page, .. } = sign_in(&app, "ada", PASSWORD).await;
    assert!(path.starts_with("/login"), "{path}");
    assert!(page.contains(MUST_RESET), "{page}");

    let browser = UserAgent::new(&app);
    let (_, status, form) = browser.navigate(&link).await.page();
    assert_eq!(status, StatusCode::OK, "{form}");
    let (_, status, done) = browser
        .submit(&form, "/password/reset", &[("new_password", NEW_PASSWORD)])
        .await
        .page();
    assert_eq!(status, StatusCode::OK, "{done}");
    assert!(done.contains("Your password is changed"), "{done}");
    assert!(!user(&app, "ada").await.password_reset_required);
    signed_in_with(&app, "ada", NEW_PASSWORD).await;
    let SignIn { path, page, .. } = sign_in(&app, "ada", PASSWORD).await;
    assert!(path.starts_with("/login"), "{path}");
    assert!(!page.contains(MUST_RESET), "{page}");
    let required = events(&app, "user.password_reset_required").await;
    assert_eq!(required.len(), 1);
    assert_eq!(
        required[0].detail.as_deref(),
        Some("by administrator olga: reset link mailed")
    );
}
