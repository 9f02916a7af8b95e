//! The sign-in state machine (`accounts::sign_in`), step by step on the server's own state
//! with the manual clock: what each step returns (`SecondFactor`, `SignedIn`, `Refused`),
//! the `amr` it records, and what it leaves in the database: a session only when signed
//! in, a code used once, the replaced session ended. The pages that render the steps are
//! tested over HTTP elsewhere (`authenticator_app`, `passkeys`, `prompt`, `throttling`).

use farm_auth::accounts::audit::Origin;
use farm_auth::accounts::login::SignedIn;
use farm_auth::accounts::sessions;
use farm_auth::accounts::sign_in::{
    Browser, Done, Partial, Refusal, SECOND_FACTOR_WINDOW_SECS, Step, password, second_factor,
};
use farm_auth::accounts::totp::code_at;
use farm_auth::accounts::users::Role;

use crate::support::app::TestApp;
use crate::support::user_agent::PASSWORD;

fn origin() -> Origin {
    Origin {
        ip: Some("192.0.2.10".parse().unwrap()),
        user_agent: Some("machine test".into()),
    }
}

fn browser<'a>(
    origin: &'a Origin,
    device: Option<&'a str>,
    replacing: Option<&'a SignedIn>,
) -> Browser<'a> {
    Browser {
        origin,
        device,
        replacing,
    }
}

fn signed_in(step: Step) -> Done {
    match step {
        Step::SignedIn(done) => done,
        other => panic!("not signed in: {other:?}"),
    }
}

fn partial(step: Step) -> Partial {
    match step {
        Step::SecondFactor(partial) => partial,
        other => panic!("no second factor asked: {other:?}"),
    }
}

fn refused(step: Step) -> Refusal {
    match step {
        Step::Refused(why) => why,
        other => panic!("not refused: {other:?}"),
    }
}

async fn live_sessions(app: &TestApp, user_id: &str) -> usize {
    sessions::live_sessions(&app.state, user_id)
        .await
        .unwrap()
        .len()
}

async fn events(app: &TestApp, user_id: &str) -> Vec<(String, String)> {
    let mut events: Vec<_> = app
        .store
        .list_audit_events(Some(user_id), 50)
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.event, e.outcome))
        .collect();
    events.reverse();
    events
}

/// An authenticator app for `user_id`, set up as the account page does; its secret.
async fn with_app(app: &TestApp, user_id: &str) -> String {
    app.authenticators.set_up(app, user_id).await;
    app.store
        .find_totp(user_id)
        .await
        .unwrap()
        .expect("an app")
        .secret
}

/// Maren, with an authenticator app, past the password step: her id, the app's secret, and
/// the partial sign-in.
async fn at_second_step(app: &TestApp) -> (String, String, Partial) {
    let id = app.person("maren", Role::Consumer).await;
    let secret = with_app(app, &id).await;
    let origin = origin();
    let first = password::password(&app.state, browser(&origin, None, None), "maren", PASSWORD);
    (id, secret, partial(first.await.unwrap()))
}

#[tokio::test]
async fn a_password_alone_signs_in_once_with_pwd_and_the_browser_is_remembered() {
    let app = TestApp::spawn().await;
    let id = app.person("maren", Role::Consumer).await;
    let origin = origin();
    let step = password::password(&app.state, browser(&origin, None, None), "Maren", PASSWORD);
    let done = signed_in(step.await.unwrap());
    assert_eq!(done.person.user_id, id);
    assert_eq!(done.person.amr, ["pwd"]);
    assert_eq!(done.person.auth_time, app.clock.now());
    let token = done.device_token.expect("a new device token");
    assert_eq!(live_sessions(&app, &id).await, 1);
    assert!(
        events(&app, &id)
            .await
            .contains(&("login.password".into(), "success".into()))
    );

    // The same browser again: known, so no new token, and a second session.
    let again = password::password(
        &app.state,
        browser(&origin, Some(&token), None),
        "maren",
        PASSWORD,
    );
    let done = signed_in(again.await.unwrap());
    assert!(
        done.device_token.is_none(),
        "a known device keeps its token"
    );
    assert_eq!(live_sessions(&app, &id).await, 2);
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_name_are_the_same_refusal_and_write_no_session() {
    let app = TestApp::spawn().await;
    let id = app.person("maren", Role::Consumer).await;
    let origin = origin();
    let wrong = password::password(&app.state, browser(&origin, None, None), "maren", "nope");
    assert_eq!(refused(wrong.await.unwrap()), Refusal::WrongCredentials);
    let nobody = password::password(&app.state, browser(&origin, None, None), "nobody", "x");
    assert_eq!(refused(nobody.await.unwrap()), Refusal::WrongCredentials);
    assert_eq!(live_sessions(&app, &id).await, 0);
    assert_eq!(
        events(&app, &id).await,
        [("login.password".to_string(), "failure".to_string())]
    );
}

#[tokio::test]
async fn a_password_of_an_account_with_an_app_asks_for_the_code_within_five_minutes() {
    let app = TestApp::spawn().await;
    let (id, secret, partial) = at_second_step(&app).await;
    let origin = origin();
    assert_eq!(partial.user_id, id);
    assert_eq!(partial.amr, ["pwd"]);
    assert_eq!(
        partial.expires_at,
        app.clock.now() + SECOND_FACTOR_WINDOW_SECS
    );
    assert_eq!(
        live_sessions(&app, &id).await,
        0,
        "no session before the code"
    );

    let code = code_at(&secret, app.clock.now()).unwrap();
    let second = second_factor::totp(&app.state, browser(&origin, None, None), &partial, &code);
    let done = signed_in(second.await.unwrap());
    assert_eq!(done.person.amr, ["pwd", "otp", "mfa"]);
    assert_eq!(live_sessions(&app, &id).await, 1);

    // RFC 6238 §5.2: the same code does not sign in a second time, and writes nothing.
    let replay = second_factor::totp(&app.state, browser(&origin, None, None), &partial, &code);
    assert_eq!(refused(replay.await.unwrap()), Refusal::WrongCode);
    assert_eq!(live_sessions(&app, &id).await, 1);
}

#[tokio::test]
async fn the_same_code_sent_twice_at_once_signs_in_once() {
    let app = TestApp::spawn().await;
    let (id, secret, partial) = at_second_step(&app).await;
    let origin = origin();
    let code = code_at(&secret, app.clock.now()).unwrap();
    let (a, b) = tokio::join!(
        second_factor::totp(&app.state, browser(&origin, None, None), &partial, &code),
        second_factor::totp(&app.state, browser(&origin, None, None), &partial, &code),
    );
    let signed = [a.unwrap(), b.unwrap()]
        .into_iter()
        .filter(|step| matches!(step, Step::SignedIn(_)))
        .count();
    assert_eq!(signed, 1);
    assert_eq!(live_sessions(&app, &id).await, 1);
}

#[tokio::test]
async fn a_recovery_code_signs_in_once() {
    let app = TestApp::spawn().await;
    let id = app.person("maren", Role::Consumer).await;
    with_app(&app, &id).await;
    let codes = farm_auth::accounts::second_factor::regenerate_recovery_codes(
        &app.state,
        &origin(),
        &app.store.find_user_by_id(&id).await.unwrap().unwrap(),
        PASSWORD,
    )
    .await
    .unwrap();
    let origin = origin();
    let first = password::password(&app.state, browser(&origin, None, None), "maren", PASSWORD);
    let partial = partial(first.await.unwrap());
    let step = second_factor::recovery_code(
        &app.state,
        browser(&origin, None, None),
        &partial,
        &codes[0],
    );
    assert_eq!(
        signed_in(step.await.unwrap()).person.amr,
        ["pwd", "otp", "mfa"]
    );
    let again = second_factor::recovery_code(
        &app.state,
        browser(&origin, None, None),
        &partial,
        &codes[0],
    );
    assert_eq!(refused(again.await.unwrap()), Refusal::WrongCode);
    assert_eq!(live_sessions(&app, &id).await, 1);
}

#[tokio::test]
async fn wrong_codes_earn_a_lock_that_refuses_even_the_right_one() {
    let app = TestApp::spawn().await;
    let (id, secret, partial) = at_second_step(&app).await;
    let origin = origin();
    for _ in 0..5 {
        let step = second_factor::totp(&app.state, browser(&origin, None, None), &partial, "000");
        assert_eq!(refused(step.await.unwrap()), Refusal::WrongCode);
    }
    let code = code_at(&secret, app.clock.now()).unwrap();
    let locked = second_factor::totp(&app.state, browser(&origin, None, None), &partial, &code);
    assert!(matches!(
        refused(locked.await.unwrap()),
        Refusal::Throttled(_)
    ));
    assert_eq!(live_sessions(&app, &id).await, 0);
}

#[tokio::test]
async fn an_administrators_lock_or_required_reset_stops_the_step_that_completes() {
    let app = TestApp::spawn().await;
    let (id, secret, partial) = at_second_step(&app).await;
    let origin = origin();

    // Locked between the two steps: the code is right, and still no session.
    let now = app.clock.now();
    app.store
        .set_user_lock(&id, Some((now, "fraud review")), now)
        .await
        .unwrap();
    let code = code_at(&secret, app.clock.now()).unwrap();
    let step = second_factor::totp(&app.state, browser(&origin, None, None), &partial, &code);
    assert_eq!(refused(step.await.unwrap()), Refusal::AccountLocked);
    assert_eq!(live_sessions(&app, &id).await, 0);

    // A required reset stops a password sign-in at its first step.
    app.store.set_user_lock(&id, None, now).await.unwrap();
    app.store.require_password_reset(&id, now).await.unwrap();
    let step = password::password(&app.state, browser(&origin, None, None), "maren", PASSWORD);
    assert_eq!(refused(step.await.unwrap()), Refusal::PasswordResetRequired);
    assert_eq!(live_sessions(&app, &id).await, 0);
}

#[tokio::test]
async fn a_partial_sign_in_of_an_account_gone_starts_again() {
    let app = TestApp::spawn().await;
    let (id, secret, partial) = at_second_step(&app).await;
    let origin = origin();
    app.store.delete_user(&id).await.unwrap();
    let code = code_at(&secret, app.clock.now()).unwrap();
    let step = second_factor::totp(&app.state, browser(&origin, None, None), &partial, &code);
    assert_eq!(refused(step.await.unwrap()), Refusal::StartAgain);
}

#[tokio::test]
async fn a_sign_in_over_another_ends_the_session_it_replaces() {
    let app = TestApp::spawn().await;
    let maren = app.person("maren", Role::Consumer).await;
    let tomas = app.person("tomas", Role::Consumer).await;
    let origin = origin();
    let first = password::password(&app.state, browser(&origin, None, None), "maren", PASSWORD);
    let previous = signed_in(first.await.unwrap()).person;
    let over = password::password(
        &app.state,
        browser(&origin, None, Some(&previous)),
        "tomas",
        PASSWORD,
    );
    signed_in(over.await.unwrap());
    assert_eq!(live_sessions(&app, &maren).await, 0, "replaced");
    assert_eq!(live_sessions(&app, &tomas).await, 1);
    assert!(
        events(&app, &maren)
            .await
            .contains(&("session.ended".into(), "success".into()))
    );
}

#[tokio::test]
async fn the_closing_transaction_writes_nothing_for_an_account_locked_meanwhile() {
    use farm_auth::store::sessions::LoginSessionRecord;
    use farm_auth::store::sign_ins::{Proof, SignInWrite, Written};
    let app = TestApp::spawn().await;
    let id = app.person("maren", Role::Consumer).await;
    let now = app.clock.now();
    // The step read the row before the lock; the transaction reads it again.
    app.store
        .set_user_lock(&id, Some((now, "fraud review")), now)
        .await
        .unwrap();
    let session = LoginSessionRecord {
        sid: "sid-after-lock".into(),
        user_id: id.clone(),
        auth_time: now,
        amr: vec!["pwd".into()],
        created_at: now,
        expires_at: now + 3_600,
        ip: None,
        user_agent: None,
        last_seen_at: Some(now),
    };
    let write = SignInWrite {
        user_id: &id,
        guard: Some(true),
        proof: Proof::Nothing,
        clear: &[],
        undo: &[],
        events: &[],
        replaces: None,
        session: Some(&session),
        device: None,
    };
    let written = app.store.write_sign_in(&write, now).await.unwrap();
    assert_eq!(written, Written::AccountStopped);
    assert_eq!(live_sessions(&app, &id).await, 0);

    // A required new password stops a step that used the password, not one that did not.
    app.store.set_user_lock(&id, None, now).await.unwrap();
    app.store.require_password_reset(&id, now).await.unwrap();
    let written = app.store.write_sign_in(&write, now).await.unwrap();
    assert_eq!(written, Written::AccountStopped);
    let passkey = SignInWrite {
        guard: Some(false),
        ..write
    };
    let written = app.store.write_sign_in(&passkey, now).await.unwrap();
    assert_eq!(written, Written::Done);
    assert_eq!(live_sessions(&app, &id).await, 1);
}
