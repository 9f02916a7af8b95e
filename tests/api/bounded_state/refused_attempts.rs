//! Attempts refused during a lock are counted on one row per account, address and hour,
//! not written one row each (docs/DECISIONS.md §81).

use farm_auth::accounts::users::Role;

use super::count;
use crate::support::{PASSWORD, TestApp, UserAgent};

const WRONG_PASSWORD: &str = "not the password";

async fn log_in(agent: &UserAgent, username: &str, password: &str) {
    let landing = agent.navigate("/login").await;
    agent.log_in(landing, username, password).await;
}

#[tokio::test]
async fn a_flood_of_sign_ins_during_a_lock_leaves_one_row_that_counts_them() {
    let app = TestApp::spawn().await;
    let clover = app.person("clover", Role::Consumer).await;
    let attacker = UserAgent::new(&app);
    for _ in 0..5 {
        log_in(&attacker, "clover", WRONG_PASSWORD).await;
    }
    let started = app.clock.now();
    let flood = 100;
    for n in 0..flood {
        // The right password too: refused unchecked while the lock holds.
        let password = if n % 2 == 0 { PASSWORD } else { WRONG_PASSWORD };
        log_in(&attacker, "clover", password).await;
    }

    let rows = count(
        &app,
        "SELECT COUNT(*) FROM audit_events WHERE event = 'login.password'",
    )
    .await;
    assert_eq!(rows, 5 + 1, "five failures, then one row for the refusals");
    let events = app
        .store
        .list_audit_events(Some(&clover), 100)
        .await
        .unwrap();
    let locked: Vec<_> = events.iter().filter(|e| e.outcome == "locked").collect();
    assert_eq!(locked.len(), 1, "{events:#?}");
    assert_eq!(locked[0].repeats, flood);
    assert_eq!(locked[0].username.as_deref(), Some("clover"));
    assert!(locked[0].at >= started);
    assert!(locked[0].last_at.is_some_and(|last| last >= locked[0].at));
    // Failures that were checked keep a row each.
    let failures = events.iter().filter(|e| e.outcome == "failure").count();
    assert_eq!(failures, 5);
    assert!(
        events
            .iter()
            .filter(|e| e.outcome == "failure")
            .all(|e| e.repeats == 1)
    );
}

#[tokio::test]
async fn refusals_of_another_hour_get_a_row_of_their_own() {
    let app = TestApp::spawn().await;
    app.person("clover", Role::Consumer).await;
    let attacker = UserAgent::new(&app);
    for _ in 0..5 {
        log_in(&attacker, "clover", WRONG_PASSWORD).await;
    }
    log_in(&attacker, "clover", PASSWORD).await;
    log_in(&attacker, "clover", PASSWORD).await;
    // An hour on, the attacker tries again (the back-off may refuse every attempt now).
    app.clock
        .advance(farm_auth::accounts::audit::AGGREGATE_WINDOW_SECS);
    for _ in 0..6 {
        log_in(&attacker, "clover", WRONG_PASSWORD).await;
    }

    let repeats = count(
        &app,
        "SELECT COUNT(*) FROM audit_events WHERE outcome = 'locked'",
    )
    .await;
    assert_eq!(repeats, 2);
    let total = count(
        &app,
        "SELECT CAST(SUM(repeats) AS BIGINT) FROM audit_events WHERE outcome = 'locked'",
    )
    .await;
    assert!(total >= 3, "{total}");
}

#[tokio::test]
async fn refusals_of_fresh_unknown_names_from_a_locked_address_share_one_row() {
    let app = TestApp::spawn().await;
    let attacker = UserAgent::new(&app);
    // Enough failures from one address, each with a name nobody has, to lock the address.
    // `throttle::LOGIN_ADDRESS`: its 30th failure locks the address.
    for n in 0..=30 {
        log_in(&attacker, &format!("nobody-{n}"), WRONG_PASSWORD).await;
    }
    // Then cheap requests, each with a new random name: refused unchecked, and counted on
    // one row rather than one row each.
    let flood = 40;
    for n in 0..flood {
        log_in(&attacker, &format!("random-name-{n}"), WRONG_PASSWORD).await;
    }
    let rows = count(
        &app,
        "SELECT COUNT(*) FROM audit_events WHERE outcome = 'locked'",
    )
    .await;
    assert_eq!(rows, 1);
    let repeats = count(
        &app,
        "SELECT CAST(SUM(repeats) AS BIGINT) FROM audit_events WHERE outcome = 'locked'",
    )
    .await;
    assert!(repeats >= flood, "{repeats}");
}
