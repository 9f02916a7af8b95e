//! Brute-force defence: failed sign-ins and wrong codes earn back-off locks, kept in the
//! database, that say nothing about whether an account exists and never last longer than
//! fifteen minutes for an account.

use crate::support::{
    Options, PASSWORD, TestApp, UserAgent, browser_at, enrol, give_code, hidden_fields,
    password_step, wrong_code,
};
use farm_auth::accounts::totp::code_at;
use farm_auth::accounts::users::Role;
use reqwest::StatusCode;

const WRONG: &str = "The username or password is wrong.";
const LOCKED: &str = "Too many failed sign-ins for this account or from this network.";
const CODES_LOCKED: &str = "Too many wrong codes.";
const FIFTEEN_MINUTES: i64 = 15 * 60;

/// One sign-in on a fresh login page of `agent`: where it ended.
async fn attempt(
    agent: &UserAgent,
    username: &str,
    password: &str,
) -> (String, StatusCode, String) {
    let landing = agent.navigate("/login").await;
    agent.log_in(landing, username, password).await.page()
}

/// Asserts a refused sign-in: the login page again, saying `message`.
#[track_caller]
fn assert_refused((path, status, page): (String, StatusCode, String), message: &str) -> String {
    assert_eq!(path, "/login", "{page}");
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(message), "{message:?} not on:\n{page}");
    page
}

/// Asserts a sign-in that went through to the account page.
#[track_caller]
fn assert_signed_in((path, status, page): (String, StatusCode, String)) {
    assert_eq!(path, "/account", "{page}");
    assert_eq!(status, StatusCode::OK);
}

/// `times` wrong passwords for `username` from `agent`, none of them locked out.
async fn fail(agent: &UserAgent, username: &str, times: usize) {
    for n in 1..=times {
        let page = assert_refused(attempt(agent, username, "not the password").await, WRONG);
        assert!(!page.contains(LOCKED), "failure {n} locked:\n{page}");
    }
}

#[tokio::test]
async fn the_fifth_wrong_password_locks_the_username_for_thirty_seconds_even_against_the_right_one()
{
    let app = TestApp::spawn().await;
    app.person("marigold", Role::Farmer).await;
    let agent = UserAgent::new(&app);
    fail(&agent, "marigold", 5).await;

    let page = assert_refused(attempt(&agent, "marigold", PASSWORD).await, LOCKED);
    assert!(page.contains("Try again in 30 seconds."), "{page}");
    // What was typed comes back; the password never does.
    assert!(page.contains("value=\"marigold\""), "{page}");
    assert!(!page.contains(PASSWORD));
    let (path, _, _) = agent.navigate("/account").await.page();
    assert_eq!(path, "/login");
    // Another browser at the same address is held back alike.
    assert_refused(
        attempt(&UserAgent::new(&app), "marigold", PASSWORD).await,
        LOCKED,
    );

    app.clock.advance(29);
    let page = assert_refused(attempt(&agent, "marigold", PASSWORD).await, LOCKED);
    assert!(page.contains("Try again in a second."), "{page}");
    app.clock.advance(2);
    assert_signed_in(attempt(&agent, "marigold", PASSWORD).await);
}

#[tokio::test]
async fn four_wrong_passwords_lock_nothing_and_a_success_forgets_them() {
    let app = TestApp::spawn().await;
    app.person("marigold", Role::Farmer).await;
    fail(&UserAgent::new(&app), "marigold", 4).await;
    assert_signed_in(attempt(&UserAgent::new(&app), "marigold", PASSWORD).await);
    // Counting starts again: four more are still free.
    fail(&UserAgent::new(&app), "marigold", 4).await;
    assert_signed_in(attempt(&UserAgent::new(&app), "marigold", PASSWORD).await);
}

#[tokio::test]
async fn a_lock_on_an_unknown_username_looks_the_same_as_on_a_real_one() {
    let app = TestApp::spawn().await;
    app.person("marigold", Role::Farmer).await;
    let real = UserAgent::new(&app);
    let made_up = UserAgent::new(&app);
    // The same length, so nothing but the name itself differs.
    let (known, unknown) = ("marigold", "rosebush");

    let mut pages = Vec::new();
    for (agent, username) in [(&real, known), (&made_up, unknown)] {
        fail(agent, username, 4).await;
        let fifth = assert_refused(attempt(agent, username, "not the password").await, WRONG);
        let locked = assert_refused(attempt(agent, username, "not the password").await, LOCKED);
        pages.push((username, fifth, locked));
    }
    let normalised = |page: &str, username: &str| {
        let csrf = hidden_fields(page, "/login")
            .into_iter()
            .find(|(name, _)| name == "csrf_token")
            .expect("a CSRF token")
            .1;
        page.replace(&csrf, "CSRF").replace(username, "USERNAME")
    };
    let (a, b) = (&pages[0], &pages[1]);
    assert_eq!(normalised(&a.1, a.0), normalised(&b.1, b.0));
    assert_eq!(normalised(&a.2, a.0), normalised(&b.2, b.0));
    assert!(a.2.contains("Try again in 30 seconds."), "{}", a.2);
}

#[tokio::test]
async fn failures_of_one_username_do_not_lock_another() {
    let app = TestApp::spawn().await;
    app.person("marigold", Role::Farmer).await;
    app.person("clover", Role::Consumer).await;
    let agent = UserAgent::new(&app);
    fail(&agent, "marigold", 5).await;
    assert_refused(attempt(&agent, "marigold", PASSWORD).await, LOCKED);

    assert_signed_in(attempt(&agent, "clover", PASSWORD).await);
    // And clover's success does not lift marigold's lock.
    assert_refused(
        attempt(&UserAgent::new(&app), "marigold", PASSWORD).await,
        LOCKED,
    );
}

#[tokio::test]
async fn failures_count_against_the_username_however_it_is_typed() {
    let app = TestApp::spawn().await;
    app.person("marigold", Role::Farmer).await;
    let agent = UserAgent::new(&app);
    for typed in ["Marigold", "MARIGOLD", " marigold", "marigold ", "mariGOLD"] {
        assert_refused(attempt(&agent, typed, "not the password").await, WRONG);
    }
    assert_refused(attempt(&agent, "marigold", PASSWORD).await, LOCKED);
}

#[tokio::test]
async fn five_wrong_codes_lock_the_second_step_even_against_the_right_code() {
    let app = TestApp::spawn().await;
    let id = app.person("marigold", Role::Farmer).await;
    let enrolled = enrol(&app, "marigold").await;
    let (agent, mut page) = password_step(&app, "marigold").await;

    let wrong = wrong_code(&enrolled.secret, app.clock.now());
    for n in 1..=5 {
        let (path, _, body) = give_code(&agent, &page, "totp", &wrong).await.page();
        assert_eq!(path, "/login/second-factor");
        assert!(
            body.contains("That code is not right."),
            "failure {n}: {body}"
        );
        page = body;
    }
    let right = code_at(&enrolled.secret, app.clock.now()).unwrap();
    let (path, _, body) = give_code(&agent, &page, "totp", &right).await.page();
    assert_eq!(path, "/login/second-factor");
    assert!(body.contains(CODES_LOCKED), "{body}");
    assert!(body.contains("Try again in 30 seconds."), "{body}");
    // Recovery codes are held back too, and none is spent.
    let (_, _, body) = give_code(&agent, &body, "recovery", &enrolled.recovery_codes[0])
        .await
        .page();
    assert!(body.contains(CODES_LOCKED), "{body}");
    assert_eq!(app.store.count_recovery_codes(&id).await.unwrap(), 10);
    let (path, _, _) = agent.navigate("/account").await.page();
    assert_eq!(path, "/login");
    // Giving the password again does not lift the lock on codes.
    let (other, other_page) = password_step(&app, "marigold").await;
    let (_, _, body) = give_code(&other, &other_page, "totp", &right).await.page();
    assert!(body.contains(CODES_LOCKED), "{body}");

    app.clock.advance(31);
    let right = code_at(&enrolled.secret, app.clock.now()).unwrap();
    let (path, _, _) = give_code(&agent, &page, "totp", &right).await.page();
    assert_eq!(path, "/account");
}

#[tokio::test]
async fn a_lock_holds_on_every_server_that_shares_the_database() {
    let app = TestApp::spawn().await;
    app.person("marigold", Role::Farmer).await;
    fail(&UserAgent::new(&app), "marigold", 5).await;

    let replica = TestApp::spawn_with(Options {
        database: Some(app.database.clone()),
        clock: Some(app.clock.clone()),
        ..Default::default()
    })
    .await;
    let elsewhere = UserAgent::new(&replica);
    let page = assert_refused(attempt(&elsewhere, "marigold", PASSWORD).await, LOCKED);
    assert!(page.contains("Try again in 30 seconds."), "{page}");

    app.clock.advance(31);
    assert_signed_in(attempt(&elsewhere, "marigold", PASSWORD).await);
}

#[tokio::test]
async fn the_code_lock_holds_on_every_server_that_shares_the_database() {
    let app = TestApp::spawn().await;
    app.person("marigold", Role::Farmer).await;
    let enrolled = enrol(&app, "marigold").await;
    let (agent, mut page) = password_step(&app, "marigold").await;
    let wrong = wrong_code(&enrolled.secret, app.clock.now());
    for _ in 0..5 {
        page = give_code(&agent, &page, "totp", &wrong).await.page().2;
    }

    let replica = TestApp::spawn_with(Options {
        database: Some(app.database.clone()),
        clock: Some(app.clock.clone()),
        ..Default::default()
    })
    .await;
    let (elsewhere, page) = password_step(&replica, "marigold").await;
    let right = code_at(&enrolled.secret, app.clock.now()).unwrap();
    let (_, _, body) = give_code(&elsewhere, &page, "totp", &right).await.page();
    assert!(body.contains(CODES_LOCKED), "{body}");
    app.clock.advance(31);
    let right = code_at(&enrolled.secret, app.clock.now()).unwrap();
    let (path, _, _) = give_code(&elsewhere, &page, "totp", &right).await.page();
    assert_eq!(path, "/account");
}

#[tokio::test]
async fn the_longest_lock_on_an_account_is_fifteen_minutes() {
    let app = TestApp::spawn().await;
    app.person("marigold", Role::Farmer).await;
    let agent = UserAgent::new(&app);
    // Five failures, then twenty more, each as soon as the lock before it ends: the locks
    // double (30 s, 1 min, 2 min, …) up to their cap.
    fail(&agent, "marigold", 5).await;
    for _ in 0..20 {
        app.clock.advance(FIFTEEN_MINUTES + 1);
        fail(&agent, "marigold", 1).await;
    }
    let page = assert_refused(attempt(&agent, "marigold", PASSWORD).await, LOCKED);
    assert!(page.contains("Try again in 15 minutes."), "{page}");
    app.clock.advance(FIFTEEN_MINUTES - 1);
    assert_refused(attempt(&agent, "marigold", PASSWORD).await, LOCKED);
    app.clock.advance(2);
    assert_signed_in(attempt(&agent, "marigold", PASSWORD).await);
}

#[tokio::test]
async fn failures_spread_over_many_addresses_lock_the_account_for_fifteen_minutes_at_most() {
    let app = TestApp::spawn_with(Options {
        trusted_proxies: Some("127.0.0.1".into()),
        ..Default::default()
    })
    .await;
    app.person("marigold", Role::Farmer).await;
    // Twenty failures from twenty addresses lock the account everywhere, for a minute.
    for n in 1..=20 {
        fail(&browser_at(&app, &format!("192.0.2.{n}")), "marigold", 1).await;
    }
    let person = browser_at(&app, "198.51.100.7");
    let page = assert_refused(attempt(&person, "marigold", PASSWORD).await, LOCKED);
    assert!(page.contains("Try again in a minute."), "{page}");
    // More of them, each once the lock before it ended: the lock doubles up to its cap.
    for n in 21..=30 {
        app.clock.advance(FIFTEEN_MINUTES + 1);
        fail(&browser_at(&app, &format!("192.0.2.{n}")), "marigold", 1).await;
    }
    let page = assert_refused(attempt(&person, "marigold", PASSWORD).await, LOCKED);
    assert!(page.contains("Try again in 15 minutes."), "{page}");
    app.clock.advance(FIFTEEN_MINUTES + 1);
    assert_signed_in(attempt(&person, "marigold", PASSWORD).await);
}

#[tokio::test]
async fn wrong_passwords_sent_all_at_once_are_counted_before_any_is_checked() {
    let app = TestApp::spawn().await;
    app.person("marigold", Role::Farmer).await;
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let agent = UserAgent::new(&app);
        let (_, _, page) = agent.navigate("/login").await.page();
        let mut form = hidden_fields(&page, "/login");
        form.push(("username".into(), "marigold".into()));
        form.push(("password".into(), "not the password".into()));
        let (http, url) = (agent.http.clone(), app.url("/login"));
        tasks.spawn(async move { http.post(url).form(&form).send().await.unwrap() });
    }
    while let Some(response) = tasks.join_next().await {
        let response = response.unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(response.headers()["location"], "/login");
    }
    // However they interleaved, at least five were counted: the account is locked.
    assert_refused(
        attempt(&UserAgent::new(&app), "marigold", PASSWORD).await,
        LOCKED,
    );
    // And no more than five were checked: each attempt is counted before its password is,
    // so the ones that came while the fifth was checked met its lock.
    let events = app.store.list_audit_events(None, 100).await.unwrap();
    let checked = events
        .iter()
        .filter(|e| e.event == "login.password" && e.outcome == "failure")
        .count();
    // Refusals are counted on one row (docs/DECISIONS.md §81).
    let refused: i64 = events
        .iter()
        .filter(|e| e.event == "login.password" && e.outcome == "locked")
        .map(|e| e.repeats)
        .sum();
    assert_eq!(checked, 5, "{events:#?}");
    assert_eq!(refused, 8 - 5 + 1, "{events:#?}");
}

#[tokio::test]
async fn five_wrong_passwords_on_the_account_page_lock_its_password_checks() {
    let app = TestApp::spawn().await;
    let id = app.person("marigold", Role::Farmer).await;
    let enrolled = enrol(&app, "marigold").await;
    let agent = enrolled.agent;
    let (_, _, mut account) = agent.navigate("/account").await.page();
    for n in 1..=5 {
        let (path, _, page) = agent
            .submit(
                &account,
                "/account/totp/disable",
                &[("password", "not the password")],
            )
            .await
            .page();
        assert_eq!(path, "/account");
        assert!(
            page.contains("Your current password is not right."),
            "failure {n}: {page}"
        );
        account = page;
    }
    let (_, _, page) = agent
        .submit(&account, "/account/totp/disable", &[("password", PASSWORD)])
        .await
        .page();
    assert!(page.contains("Too many failed attempts."), "{page}");
    assert!(app.store.find_totp(&id).await.unwrap().is_some());

    app.clock.advance(31);
    let (_, _, page) = agent
        .submit(&page, "/account/totp/disable", &[("password", PASSWORD)])
        .await
        .page();
    assert!(
        page.contains("The authenticator app and its recovery codes are removed."),
        "{page}"
    );
    assert_eq!(app.store.find_totp(&id).await.unwrap(), None);
}

#[tokio::test]
async fn a_forwarded_address_from_an_untrusted_peer_does_not_escape_the_lock() {
    // No trusted proxies: X-Forwarded-For is whatever the client made up.
    let app = TestApp::spawn().await;
    app.person("marigold", Role::Farmer).await;
    for n in 1..=5 {
        fail(&browser_at(&app, &format!("203.0.113.{n}")), "marigold", 1).await;
    }
    let page = assert_refused(
        attempt(&browser_at(&app, "203.0.113.99"), "marigold", PASSWORD).await,
        LOCKED,
    );
    assert!(page.contains("Try again in 30 seconds."), "{page}");
}

#[tokio::test]
async fn failures_from_elsewhere_do_not_lock_the_person_out_of_a_browser_they_signed_in_with() {
    let app = TestApp::spawn_with(Options {
        trusted_proxies: Some("127.0.0.1".into()),
        ..Default::default()
    })
    .await;
    app.person("marigold", Role::Farmer).await;
    // Marigold signs in once on her laptop, which becomes a known device, and signs out.
    let laptop = browser_at(&app, "198.51.100.7");
    assert_signed_in(attempt(&laptop, "marigold", PASSWORD).await);
    let (_, _, account) = laptop.navigate("/account").await.page();
    let (_, status, _) = laptop.submit(&account, "/logout", &[]).await.page();
    assert_eq!(status, StatusCode::OK);

    // Someone fails on purpose from twenty addresses: the account is locked everywhere...
    for n in 1..=20 {
        fail(&browser_at(&app, &format!("192.0.2.{n}")), "marigold", 1).await;
    }
    let stranger = browser_at(&app, "203.0.113.9");
    assert_refused(attempt(&stranger, "marigold", PASSWORD).await, LOCKED);
    // ...except on the laptop, whose device cookie names her account.
    assert_signed_in(attempt(&laptop, "marigold", PASSWORD).await);

    // The cookie counts only for the account it was set for.
    let (_, _, account) = laptop.navigate("/account").await.page();
    laptop.submit(&account, "/logout", &[]).await;
    app.person("clover", Role::Consumer).await;
    for n in 1..=20 {
        fail(&browser_at(&app, &format!("192.0.2.{n}")), "clover", 1).await;
    }
    assert_refused(attempt(&laptop, "clover", PASSWORD).await, LOCKED);
}

#[tokio::test]
async fn a_password_change_makes_the_other_browsers_strangers_again() {
    let app = TestApp::spawn_with(Options {
        trusted_proxies: Some("127.0.0.1".into()),
        ..Default::default()
    })
    .await;
    app.person("marigold", Role::Farmer).await;
    // Known on the laptop, then the password is changed on the phone.
    let laptop = browser_at(&app, "198.51.100.7");
    assert_signed_in(attempt(&laptop, "marigold", PASSWORD).await);
    let phone = browser_at(&app, "198.51.100.8");
    let (_, _, account) = attempt(&phone, "marigold", PASSWORD).await;
    const NEW: &str = "a brand new hedgerow";
    let (_, _, page) = phone
        .submit(
            &account,
            "/account/password",
            &[("current_password", PASSWORD), ("new_password", NEW)],
        )
        .await
        .page();
    assert!(page.contains("Your password is changed."), "{page}");

    // The laptop was signed out and is a stranger now: the account-wide lock holds it back.
    for n in 1..=20 {
        fail(&browser_at(&app, &format!("192.0.2.{n}")), "marigold", 1).await;
    }
    assert_refused(attempt(&laptop, "marigold", NEW).await, LOCKED);
    // The phone, which changed it, is still known.
    let (_, _, account) = phone.navigate("/account").await.page();
    phone.submit(&account, "/logout", &[]).await;
    assert_signed_in(attempt(&phone, "marigold", NEW).await);
}
