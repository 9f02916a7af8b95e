//! Faults: a disk that fills, a database that goes away or stays locked. Each is answered
//! 503 with `Retry-After` within a bounded time, logged once per outage, seen by `/readyz`,
//! and nothing answered 200 is lost.
//!
//! The tests here run one at a time ([`one_at_a_time`]): they count log lines of the whole
//! test binary, and they hold locks and fill disks that make timings matter.

mod disk_full;
mod locked;
mod unreachable_postgres;

use std::time::{Duration, Instant};

use reqwest::{Response, StatusCode};
use serde_json::Value;

use crate::support::{TestApp, TestClient, captured_logs};

/// Held for a whole fault test.
async fn one_at_a_time() -> tokio::sync::MutexGuard<'static, ()> {
    static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    SERIAL.lock().await
}

fn on_postgres() -> bool {
    std::env::var("FARM_AUTH_TEST_DATABASE_URL").is_ok()
}

/// How many times the log says an outage began and ended so far.
fn outage_lines() -> (usize, usize) {
    let logs = captured_logs();
    (
        logs.matches("the database is unavailable; answering 503")
            .count(),
        logs.matches("the database is available again").count(),
    )
}

/// A token to revoke: a write that the revocation endpoint answers 200 once stored.
async fn token(app: &TestApp, client: &TestClient) -> String {
    app.access_token(client, None).await
}

/// Asserts the RFC 6749 answer of an unavailable database: 503, `Retry-After`, JSON
/// `temporarily_unavailable`.
async fn assert_temporarily_unavailable(response: Response) {
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        response.headers().contains_key("retry-after"),
        "503 without Retry-After"
    );
    let body: Value = response.json().await.expect("a JSON error");
    assert_eq!(body["error"], "temporarily_unavailable", "{body}");
}

/// `/readyz`'s status, and how long it took to say it.
async fn readyz(app: &TestApp) -> (StatusCode, Duration) {
    let started = Instant::now();
    let response = app.http.get(app.url("/readyz")).send().await.unwrap();
    (response.status(), started.elapsed())
}
