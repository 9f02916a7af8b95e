//! A database held locked by someone else past the timeout: 503 `temporarily_unavailable`
//! with `Retry-After` within the timeout, `/readyz` failing within a second, the outage
//! logged once however many requests meet it, and its end logged once.

use std::time::{Duration, Instant};

use super::{
    assert_temporarily_unavailable, on_postgres, one_at_a_time, outage_lines, readyz, token,
};
use crate::support::{Options, TestApp, eventually};

/// Holds the write lock (SQLite) or the tables revocations and the readiness probe write to
/// (PostgreSQL) until dropped.
async fn hold_lock(url: &str) -> sqlx::AnyConnection {
    sqlx::any::install_default_drivers();
    let mut connection = <sqlx::AnyConnection as sqlx::Connection>::connect(url)
        .await
        .expect("connect");
    let statements: &[&str] = if on_postgres() {
        &[
            "BEGIN",
            "LOCK TABLE revoked_tokens, readiness_probe IN ACCESS EXCLUSIVE MODE",
        ]
    } else {
        &["BEGIN IMMEDIATE"]
    };
    for statement in statements {
        sqlx::query(statement)
            .execute(&mut connection)
            .await
            .expect("lock");
    }
    connection
}

#[tokio::test]
async fn a_locked_database_is_answered_503_in_bounded_time_and_logged_once() {
    let _serial = one_at_a_time().await;
    let app = TestApp::spawn_with(Options {
        database_timeout_secs: Some(1),
        ..Default::default()
    })
    .await;
    let bot = app.machine_client("openid").await;
    let tokens = [
        token(&app, &bot).await,
        token(&app, &bot).await,
        token(&app, &bot).await,
    ];
    let (began_before, ended_before) = outage_lines();

    let lock = hold_lock(&app.database.url).await;
    for token in &tokens {
        let started = Instant::now();
        let response = app.revoke(&bot, token).await;
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "{:?}",
            started.elapsed()
        );
        assert_temporarily_unavailable(response).await;
    }
    let (status, took) = readyz(&app).await;
    assert_eq!(status, 503, "not ready while no write can be made");
    assert!(took < Duration::from_millis(1500), "{took:?}");
    let (began, ended) = outage_lines();
    assert_eq!(began, began_before + 1, "one ERROR line for the outage");
    assert_eq!(ended, ended_before);

    drop(lock);
    assert!(
        eventually(10, || async { outage_lines().1 == ended_before + 1 }).await,
        "the end of the outage is logged"
    );
    // One probe's answer stands for a second (the probe is public, and a write).
    assert!(
        eventually(3, || async { readyz(&app).await.0 == 200 }).await,
        "ready again"
    );
    assert_eq!(app.revoke(&bot, &tokens[0]).await.status(), 200);
    assert_eq!(outage_lines(), (began_before + 1, ended_before + 1));
}

#[tokio::test]
async fn healthz_says_alive_while_the_database_is_locked() {
    let _serial = one_at_a_time().await;
    let app = TestApp::spawn_with(Options {
        database_timeout_secs: Some(1),
        ..Default::default()
    })
    .await;
    let _lock = hold_lock(&app.database.url).await;
    let response = app.http.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(response.status(), 200);
}
