//! The second step of a sign-in: the password alone does not sign in, the right code does (the
//! ID token says `pwd`, `otp`, `mfa`), once only and within one step of now; wrong codes give
//! the form back; a half-done sign-in expires; a required reset or a lock between the password
//! and the code stops it.

use farm_auth::accounts::totp::code_at;
use farm_auth::accounts::users::Role;
use reqwest::StatusCode;

use super::*;
use crate::support::{
    Enrolled, Landing, PASSWORD, SignIn, TestApp, UserAgent, code_element, code_from, enrol,
    give_code, password_step, signed_in, start_enrolment, token_json, wrong_code,
};

#[tokio::test]
async fn the_password_alone_does_not_sign_in_a_person_with_an_authenticator_app() {
    let app = TestApp::spawn().await;
    app.person("marigold", Role::Farmer).await;
    let client = app.web_client(SCOPE).await;
    enrol(&app, "marigold").await;

    let (agent, page) = password_step(&app, "marigold").await;
    assert!(page.contains("Code from your authenticator app"), "{page}");
    assert!(page.contains("Use recovery code"), "{page}");
    assert_signed_out(&agent).await;
    // Nor does a pending authorization request go on with it.
    let landing = agent
        .navigate(&app.authorize_url(&client, SCOPE, &[]))
        .await;
    let (path, _, _) = landing.page();
    assert!(path.starts_with("/login?request="), "{path}");
}

#[tokio::test]
async fn the_right_code_signs_in_and_the_id_token_says_pwd_otp_and_mfa() {
    let app = TestApp::spawn().await;
    app.person("marigold", Role::Farmer).await;
    let client = app.web_client(SCOPE).await;
    let enrolled = enrol(&app, "marigold").await;

    let agent = UserAgent::new(&app);
    let landing = agent
        .navigate(&app.authorize_url(&client, SCOPE, &[]))
        .await;
    let (path, _, page) = agent.log_in(landing, "marigold", PASSWORD).await.page();
    assert!(path.starts_with("/login/second-factor?request="), "{path}");
    let code = code_at(&enrolled.secret, app.clock.now()).unwrap();
    let landing = give_code(&agent, &page, "totp", &code).await;
    let back = agent.consent(landing, "allow").await.client();
    let tokens = token_json(app.exchange_code(&client, &code_from(&app, &back)).await).await;
    let claims = app
        .verify_id_token(&client, tokens["id_token"].as_str().unwrap())
        .await;
    assert_eq!(claims["amr"], serde_json::json!(["pwd", "otp", "mfa"]));
    assert_eq!(claims["preferred_username"], "marigold");

    // Signed in at the provider too.
    let (path, _, _) = agent.navigate("/account").await.page();
    assert_eq!(path, "/account");
}

#[tokio::test]
async fn a_code_signs_in_once_only_even_within_its_thirty_seconds() {
    let app = TestApp::spawn().await;
    app.person("marigold", Role::Farmer).await;
    let enrolled = enrol(&app, "marigold").await;
    let code = code_at(&enrolled.secret, app.clock.now()).unwrap();

    let (first, page) = password_step(&app, "marigold").await;
    let (path, _, _) = give_code(&first, &page, "totp", &code).await.page();
    assert_eq!(path, "/account");

    // RFC 6238 §5.2: the same code again, in the same time step, is refused.
    let (second, page) = password_step(&app, "marigold").await;
    assert_refused(give_code(&second, &page, "totp", &code).await, WRONG_CODE);
    assert_signed_out(&second).await;

    // The next step's code works.
    app.clock.advance(30);
    let (third, page) = password_step(&app, "marigold").await;
    let next = code_at(&enrolled.secret, app.clock.now()).unwrap();
    assert_ne!(next, code);
    let (path, _, _) = give_code(&third, &page, "totp", &next).await.page();
    assert_eq!(path, "/account");
    // And an older one, though within the accepted skew, is not taken after it.
    let (fourth, page) = password_step(&app, "marigold").await;
    assert_refused(give_code(&fourth, &page, "totp", &code).await, WRONG_CODE);
}

#[tokio::test]
async fn the_code_that_confirmed_the_app_does_not_sign_in() {
    let app = TestApp::spawn().await;
    app.person("marigold", Role::Farmer).await;
    let SignIn {
        agent,
        page: account,
        ..
    } = signed_in(&app, "marigold").await;
    let page = start_enrolment(&agent, &account).await;
    let secret = code_element(&page, "secret");
    let code = code_at(&secret, app.clock.now()).unwrap();
    let (path, _, _) = agent
        .submit(&page, "/account/totp/confirm", &[("code", &code)])
        .await
        .page();
    assert_eq!(path, "/account/recovery-codes");

    let (other, page) = password_step(&app, "marigold").await;
    assert_refused(give_code(&other, &page, "totp", &code).await, WRONG_CODE);
    assert_signed_out(&other).await;
}

#[tokio::test]
async fn wrong_and_malformed_codes_give_the_form_back_with_an_error() {
    let app = TestApp::spawn().await;
    app.person("marigold", Role::Farmer).await;
    let enrolled = enrol(&app, "marigold").await;
    let (agent, mut page) = password_step(&app, "marigold").await;

    let wrong = wrong_code(&enrolled.secret, app.clock.now());
    let long = "9".repeat(10 * 1024);
    // Five failures earn a lock, so the sixth comes after it.
    for code in [wrong.as_str(), "", "abcdef", "1234567", long.as_str()] {
        page = assert_refused(give_code(&agent, &page, "totp", code).await, WRONG_CODE);
        assert!(page.contains("role=\"alert\""));
        // Nothing typed is echoed back.
        assert!(!page.contains("99999999"));
    }
    app.clock.advance(31);
    let nul = format!("123{}456", '\0');
    page = assert_refused(give_code(&agent, &page, "totp", &nul).await, WRONG_CODE);
    assert_signed_out(&agent).await;

    // The partial sign-in is still there: after the lock, the right code signs in.
    app.clock.advance(61);
    let code = code_at(&enrolled.secret, app.clock.now()).unwrap();
    let (path, _, _) = give_code(&agent, &page, "totp", &code).await.page();
    assert_eq!(path, "/account");
}

#[tokio::test]
async fn a_sign_in_left_half_done_for_five_minutes_starts_again() {
    let app = TestApp::spawn().await;
    app.person("marigold", Role::Farmer).await;
    let enrolled = enrol(&app, "marigold").await;
    let (agent, page) = password_step(&app, "marigold").await;

    app.clock.advance(301);
    let code = code_at(&enrolled.secret, app.clock.now()).unwrap();
    let (path, status, _) = give_code(&agent, &page, "totp", &code).await.page();
    assert_eq!(path, "/login");
    assert_eq!(status, StatusCode::OK);
    assert_signed_out(&agent).await;
    let (path, _, _) = agent.navigate("/login/second-factor").await.page();
    assert_eq!(path, "/login");
    // The code was not spent: the next sign-in may use it.
    let (again, page) = password_step(&app, "marigold").await;
    let (path, _, _) = give_code(&again, &page, "totp", &code).await.page();
    assert_eq!(path, "/account");
}

#[tokio::test]
async fn the_same_code_given_by_two_browsers_at_once_signs_in_only_one() {
    let app = TestApp::spawn().await;
    app.person("marigold", Role::Farmer).await;
    let enrolled = enrol(&app, "marigold").await;
    let code = code_at(&enrolled.secret, app.clock.now()).unwrap();
    let (first, first_page) = password_step(&app, "marigold").await;
    let (second, second_page) = password_step(&app, "marigold").await;

    let (a, b) = tokio::join!(
        give_code(&first, &first_page, "totp", &code),
        give_code(&second, &second_page, "totp", &code),
    );
    let mut paths = [a.page().0, b.page().0];
    paths.sort();
    assert_eq!(paths, ["/account", "/login/second-factor"]);
}

#[tokio::test]
async fn a_code_from_more_than_one_step_ago_or_ahead_is_refused() {
    let app = TestApp::spawn().await;
    app.person("marigold", Role::Farmer).await;
    let enrolled = enrol(&app, "marigold").await;
    let now = app.clock.now();
    // RFC 6238 §5.2: one step of network delay either way is allowed, no more.
    for stale in [
        code_at(&enrolled.secret, now - 60).unwrap(),
        code_at(&enrolled.secret, now + 60).unwrap(),
    ] {
        if stale == code_at(&enrolled.secret, now).unwrap() {
            continue; // a one-in-a-million coincidence of codes
        }
        let (agent, page) = password_step(&app, "marigold").await;
        assert_refused(give_code(&agent, &page, "totp", &stale).await, WRONG_CODE);
        assert_signed_out(&agent).await;
    }
    // The code of the next step works (a phone a little ahead). The step before is the
    // one that confirmed the app, used up already.
    let (agent, page) = password_step(&app, "marigold").await;
    let ahead = code_at(&enrolled.secret, now + 30).unwrap();
    let (path, _, _) = give_code(&agent, &page, "totp", &ahead).await.page();
    assert_eq!(path, "/account");
}

#[tokio::test]
async fn a_new_password_required_between_the_password_and_the_code_stops_the_sign_in() {
    let app = TestApp::spawn().await;
    let id = app.person("marigold", Role::Farmer).await;
    let enrolled = enrol(&app, "marigold").await;

    for method in ["totp", "recovery"] {
        let (agent, landing, events) =
            second_step_after(&app, &enrolled, Between::RequireNewPassword, method).await;
        // Back to the login page (the app's request kept), told to choose a new password.
        let (path, status, page) = landing.page();
        assert!(path.starts_with("/login?request="), "{method}: {path}");
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains(CHOOSE_A_NEW_PASSWORD), "{method}: {page}");
        assert!(!page.contains(ACCOUNT_LOCKED), "{method}: {page}");

        // No session, at the provider or for the app; the half-done sign-in is dropped.
        assert_signed_out(&agent).await;
        let live = app
            .store
            .list_live_login_sessions(&id, app.clock.now())
            .await
            .unwrap();
        assert!(live.is_empty(), "{method}: {live:?}");
        let (path, _, _) = agent.navigate("/login/second-factor").await.page();
        assert!(path.starts_with("/login"), "{method}: {path}");
        assert!(
            !path.starts_with("/login/second-factor"),
            "{method}: {path}"
        );

        // The trail says why.
        let event = match method {
            "recovery" => "login.recovery_code",
            _ => "login.totp",
        };
        let stopped: Vec<_> = events
            .iter()
            .filter(|e| e.event == event && e.outcome == "failure")
            .collect();
        assert_eq!(stopped.len(), 1, "{method}: {events:#?}");
        assert_eq!(
            stopped[0].detail.as_deref(),
            Some("an administrator required a new password")
        );
        assert_eq!(stopped[0].user_id.as_deref(), Some(id.as_str()));
        assert!(
            !events.iter().any(|e| e.outcome == "locked"),
            "{method}: {events:#?}"
        );

        // Setting a new password (what the mailed link leads to) clears the way.
        clear_password_reset(&app, &id).await;
        app.clock.advance(30);
    }
    // Then the password and the code sign in again.
    let (agent, page) = password_step(&app, "marigold").await;
    let code = code_at(&enrolled.secret, app.clock.now()).unwrap();
    let (path, _, _) = give_code(&agent, &page, "totp", &code).await.page();
    assert_eq!(path, "/account");
}

#[tokio::test]
async fn a_lock_between_the_password_and_the_code_stops_the_sign_in() {
    let app = TestApp::spawn().await;
    let id = app.person("marigold", Role::Farmer).await;
    let enrolled = enrol(&app, "marigold").await;

    let (agent, landing, events) = second_step_after(&app, &enrolled, Between::Lock, "totp").await;
    let (path, status, page) = landing.page();
    assert!(path.starts_with("/login?request="), "{path}");
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(ACCOUNT_LOCKED), "{page}");
    assert!(!page.contains(CHOOSE_A_NEW_PASSWORD), "{page}");
    assert_signed_out(&agent).await;
    let live = app
        .store
        .list_live_login_sessions(&id, app.clock.now())
        .await
        .unwrap();
    assert!(live.is_empty(), "{live:?}");
    let stopped: Vec<_> = events
        .iter()
        .filter(|e| e.event == "login.totp" && e.outcome == "locked")
        .collect();
    assert_eq!(stopped.len(), 1, "{events:#?}");
    assert_eq!(
        stopped[0].detail.as_deref(),
        Some("locked by an administrator")
    );
}

/// What an administrator does between someone's password and their second step.
#[derive(Clone, Copy, Debug)]
enum Between {
    RequireNewPassword,
    Lock,
}

const CHOOSE_A_NEW_PASSWORD: &str = "You need to choose a new password before you sign in";

const ACCOUNT_LOCKED: &str = "This account is locked.";

/// An app's sign-in through the password step for `marigold`, who has an authenticator
/// app; then an administrator steps in (`between`), and the right code (or recovery code)
/// is given: the landing, and what the trail holds for marigold from then on.
async fn second_step_after(
    app: &TestApp,
    enrolled: &Enrolled,
    between: Between,
    method: &str,
) -> (
    UserAgent,
    Landing,
    Vec<farm_auth::store::audit::AuditRecord>,
) {
    use farm_auth::accounts::admin::{self, Actor};

    let client = app.web_client(SCOPE).await;
    let agent = UserAgent::new(app);
    let landing = agent
        .navigate(&app.authorize_url(&client, SCOPE, &[]))
        .await;
    let (path, _, page) = agent.log_in(landing, "marigold", PASSWORD).await.page();
    assert!(path.starts_with("/login/second-factor?request="), "{path}");

    let user = app
        .store
        .find_user_by_username("marigold")
        .await
        .unwrap()
        .expect("marigold");
    match between {
        Between::RequireNewPassword => {
            admin::require_password_reset(&app.state, &user, Actor::CommandLine)
                .await
                .expect("a new password required");
        }
        Between::Lock => admin::lock(&app.state, &user, "fraud", Actor::CommandLine)
            .await
            .expect("locked"),
    }
    let seen = app
        .store
        .list_audit_events(Some(&user.id), 500)
        .await
        .unwrap()
        .len();

    let code = match method {
        "recovery" => enrolled.recovery_codes[0].clone(),
        _ => code_at(&enrolled.secret, app.clock.now()).unwrap(),
    };
    let landing = give_code(&agent, &page, method, &code).await;
    let mut events = app
        .store
        .list_audit_events(Some(&user.id), 500)
        .await
        .unwrap();
    // Newest first: what came after the administrator stepped in.
    events.truncate(events.len() - seen);
    (agent, landing, events)
}

/// Lifts the requirement of a new password, as setting one through the mailed link does
/// (the password hash written again, so the password stays [`PASSWORD`]).
async fn clear_password_reset(app: &TestApp, id: &str) {
    let user = app.store.find_user_by_id(id).await.unwrap().unwrap();
    assert!(user.password_reset_required, "not required");
    let hash = user.password_hash.expect("a password");
    app.store
        .update_password_hash(id, &hash, app.clock.now())
        .await
        .unwrap();
    let user = app.store.find_user_by_id(id).await.unwrap().unwrap();
    assert!(!user.password_reset_required, "still required");
}
