//! The token endpoint limits each client's requests per minute, over every replica.

use farm_auth::Clock;
use reqwest::StatusCode;

use crate::helpers::{Options, TestApp, assert_oauth_error, now};

/// A clock at the start of a minute, so a test's requests share one rate window.
fn start_of_minute() -> Clock {
    let t = now();
    Clock::manual(t - t % 60)
}

#[tokio::test]
async fn a_client_over_its_rate_gets_429_and_other_clients_do_not_notice() {
    let app = TestApp::spawn_with(Options {
        token_rate_limit: Some(5),
        clock: Some(start_of_minute()),
        ..Default::default()
    })
    .await;
    let busy = app.machine_client("read").await;
    let quiet = app.machine_client("read").await;
    for _ in 0..5 {
        let response = app.client_credentials(&busy, None).await;
        assert_eq!(response.status(), StatusCode::OK);
    }
    let refused = app.client_credentials(&busy, None).await;
    assert_eq!(refused.headers()["retry-after"], "60");
    assert_oauth_error(
        refused,
        StatusCode::TOO_MANY_REQUESTS,
        "temporarily_unavailable",
    )
    .await;
    assert_eq!(
        app.client_credentials(&quiet, None).await.status(),
        StatusCode::OK
    );

    // The next minute is a new window.
    app.clock.advance(60);
    assert_eq!(
        app.client_credentials(&busy, None).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn replicas_share_one_limit_through_the_database() {
    let clock = start_of_minute();
    let first = TestApp::spawn_with(Options {
        token_rate_limit: Some(5),
        clock: Some(clock.clone()),
        ..Default::default()
    })
    .await;
    let second = TestApp::spawn_with(Options {
        token_rate_limit: Some(5),
        clock: Some(clock.clone()),
        database: Some(first.database.clone()),
        client_cache_secs: Some(0),
        ..Default::default()
    })
    .await;
    let client = first.machine_client("read").await;
    // Each request in its own second, so each is reported to the database at once.
    for _ in 0..3 {
        assert_eq!(
            first.client_credentials(&client, None).await.status(),
            StatusCode::OK
        );
        clock.advance(1);
    }
    // The second replica sees the three and admits two more, not five.
    let mut admitted = 0;
    for _ in 0..5 {
        if second.client_credentials(&client, None).await.status() == StatusCode::OK {
            admitted += 1;
        }
        clock.advance(1);
    }
    assert_eq!(admitted, 2);
}

#[tokio::test]
async fn a_limit_of_zero_means_no_limit() {
    let app = TestApp::spawn_with(Options {
        token_rate_limit: Some(0),
        ..Default::default()
    })
    .await;
    let client = app.machine_client("read").await;
    for _ in 0..20 {
        assert_eq!(
            app.client_credentials(&client, None).await.status(),
            StatusCode::OK
        );
    }
}
