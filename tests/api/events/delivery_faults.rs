//! Receivers that fail: an answer that is not 2xx, a redirect, a huge body or no answer in
//! time is a failed attempt, retried after a growing wait; after the last, the delivery is
//! a dead letter, shown in the endpoint's history and replayed on request. The change that
//! made the event never waits for a receiver.

use std::time::{Duration, Instant};

use farm_auth::accounts::users::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::*;
use crate::support::{Behaviour, Receiver};

/// The waits between attempts: 5 s, 30 s, 2 min, 10 min, 30 min, 1 h, 2 h, 4 h, 8 h, 8 h.
const BACKOFF: [i64; 10] = [5, 30, 120, 600, 1_800, 3_600, 7_200, 14_400, 28_800, 28_800];

#[tokio::test]
async fn a_failing_receiver_is_retried_with_backoff_then_dead_lettered_and_replayed() {
    // The administrator's token outlives the day of retries.
    let app = TestApp::spawn_with(crate::support::Options {
        access_token_ttl: Some(86_400),
        admin_max_auth_age: Some(86_400),
        ..Default::default()
    })
    .await;
    let root = admin(&app).await;
    let receiver = Receiver::start().await;
    receiver.behave(Behaviour::Status(500));
    let (id, secret) = subscribe(&app, &root, &receiver.url("/hooks"), &["person.created"]).await;
    app.person("ada", Role::Consumer).await;
    for (attempt, wait) in BACKOFF.iter().enumerate() {
        wait_for_requests(&receiver, attempt + 1).await;
        // The failure is recorded at the server's time, then time moves: not before it.
        tokio::time::sleep(Duration::from_millis(300)).await;
        app.clock.advance(wait - 1);
        tokio::time::sleep(Duration::from_millis(700)).await;
        assert_eq!(
            receiver.received().len(),
            attempt + 1,
            "attempt {} came early",
            attempt + 2
        );
        app.clock.advance(1);
    }
    let received = wait_for_requests(&receiver, 11).await;
    assert!(received.iter().all(|r| r.answered == 500));
    let pending = deliveries(&app, &root, &id, "pending").await;
    let dead = deliveries(&app, &root, &id, "dead").await;
    assert!(pending.is_empty(), "{pending:?}");
    assert_eq!(dead.len(), 1, "{dead:?}");
    assert_eq!(dead[0]["attempts"], 11);
    assert_eq!(dead[0]["last_status"], 500);
    assert_eq!(dead[0]["event_type"], "person.created");
    // Nothing more is tried.
    app.clock.advance(900);
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(receiver.received().len(), 11);

    // Replayed once the receiver is back: the same message id, from its first attempt.
    receiver.behave(Behaviour::Accept);
    let delivery = dead[0]["id"].as_str().unwrap();
    let replay = format!("{WEBHOOKS}/{id}/deliveries/{delivery}/replay");
    let response = admin_call(&app, &root, Method::POST, &replay, json!({})).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let received = receiver.wait_for(1).await;
    let last = received.last().unwrap();
    assert_eq!(last.header("webhook-id"), received[0].header("webhook-id"));
    assert_eq!(verify_webhook(&secret, last)["type"], "person.created");
    let mut all = deliveries(&app, &root, &id, "").await;
    for _ in 0..50 {
        if all[0]["state"] == "delivered" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        all = deliveries(&app, &root, &id, "").await;
    }
    assert_eq!(all[0]["state"], "delivered", "{all:?}");
    assert_eq!(all[0]["attempts"], 1);
    // A delivery being tried cannot be replayed; a delivered one can, again.
    let response = admin_call(&app, &root, Method::POST, &replay, json!({})).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    receiver.wait_for(2).await;
    assert!(!app.trail("webhook.replayed").await.is_empty());
}

#[tokio::test]
async fn redirects_huge_answers_and_slow_receivers_are_failures_and_the_change_never_waits() {
    let app = TestApp::spawn().await;
    let root = admin(&app).await;
    let receiver = Receiver::start().await;
    let (id, _) = subscribe(&app, &root, &receiver.url("/hooks"), &["person.locked"]).await;
    let ada = app.person("ada", Role::Consumer).await;
    let user = format!("/api/v1/admin/users/{ada}");

    receiver.behave(Behaviour::Redirect(receiver.url("/elsewhere")));
    lock(&app, &root, &ada, "1").await;
    wait_for_requests(&receiver, 1).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let tried = tried(&app, &root, &id).await;
    assert_eq!(tried["last_status"], 302, "{tried}");
    assert!(
        receiver.received().iter().all(|r| r.path == "/hooks"),
        "the redirect is not followed"
    );

    receiver.behave(Behaviour::HugeBody(8 << 20));
    app.clock.advance(5);
    wait_for_requests(&receiver, 2).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let tried = self::tried(&app, &root, &id).await;
    let huge = tried["last_error"].as_str().unwrap_or_default().to_string();
    assert!(huge.contains("larger than"), "{tried}");

    // A receiver that never answers holds its own delivery, not the person's request.
    receiver.behave(Behaviour::Slow(Duration::from_secs(30)));
    app.clock.advance(30);
    for n in 0..3 {
        let started = Instant::now();
        let path = match n % 2 {
            0 => format!("{user}/unlock"),
            _ => format!("{user}/lock"),
        };
        let response =
            admin_call(&app, &root, Method::POST, &path, json!({"reason": "again"})).await;
        assert!(response.status().is_success());
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "the change waited for the receiver"
        );
    }
    // The outbound client gives up after 10 s: a failure, retried later.
    tokio::time::sleep(Duration::from_secs(11)).await;
    let tried = self::tried(&app, &root, &id).await;
    let error = tried["last_error"].as_str().unwrap_or_default();
    assert_eq!(tried["attempts"], 3, "{tried}");
    assert!(!error.is_empty() && error != huge, "{tried}");
    let history = deliveries(&app, &root, &id, "pending").await;
    // The first lock is retried; the second waits behind it (the endpoint takes locks only).
    assert_eq!(history.len(), 2, "{history:?}");
}

/// The one delivery of the endpoint that was tried (the others wait behind it).
async fn tried(app: &TestApp, root: &ApiPerson, id: &str) -> Value {
    let history = deliveries(app, root, id, "pending").await;
    let tried: Vec<&Value> = history.iter().filter(|d| d["attempts"] != 0).collect();
    assert_eq!(tried.len(), 1, "{history:?}");
    tried[0].clone()
}

/// What the sweep keeps: a waiting delivery and its event, whatever their age; a finished
/// delivery for 30 days; an event with nothing left to deliver for a day.
#[tokio::test]
async fn the_sweep_keeps_what_waits_and_drops_spent_events_after_a_day() {
    let app = TestApp::spawn().await;
    let root = admin(&app).await;
    let receiver = Receiver::start().await;
    receiver.behave(Behaviour::Status(500));
    let (id, _) = subscribe(&app, &root, &receiver.url("/hooks"), &["person.created"]).await;
    app.person("ada", Role::Consumer).await;
    wait_for_requests(&receiver, 1).await;
    // Events of nobody's interest (the administrator's sign-in made some).
    let day_ms = 86_400_000;
    let far = app.clock.now() * 1_000 + 2 * day_ms;
    let swept = app.store.delete_finished_events(0, far).await.unwrap();
    assert!(swept > 0, "the spent events go");
    assert_eq!(
        deliveries(&app, &root, &id, "pending").await.len(),
        1,
        "a waiting one stays"
    );
    // Given up, it stays 30 days in the history, then goes with its event.
    let delivery = deliveries(&app, &root, &id, "").await[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.store
        .record_attempt(
            &delivery,
            1,
            Some(500),
            Some("gone"),
            None,
            "dead",
            app.clock.now(),
        )
        .await
        .unwrap();
    assert_eq!(
        app.store
            .delete_finished_events(app.clock.now() - 1, far)
            .await
            .unwrap(),
        0
    );
    let later = app.clock.now() + 1;
    assert_eq!(
        app.store.delete_finished_events(later, far).await.unwrap(),
        2
    );
    assert!(deliveries(&app, &root, &id, "").await.is_empty());
}
