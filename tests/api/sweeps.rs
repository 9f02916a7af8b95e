//! Sweeps of expired rows: each deletes in short batches found through an index, with a
//! pause between batches in which other writers go first (on SQLite a writer waits for the
//! one before it), and keeps every row that is still needed.

use std::time::{Duration, Instant};

use farm_auth::store::SweepPace;
use farm_auth::store::audit::{AuditFilter, AuditRecord};

use crate::support::TestApp;

#[tokio::test]
async fn a_sweep_deletes_in_batches_with_a_pause_between_them_and_keeps_what_is_valid() {
    let app = TestApp::spawn().await;
    let pace = SweepPace {
        batch: 10,
        pause: Duration::from_millis(150),
    };
    let store = app.store.clone().with_sweep_pace(pace);
    for n in 0..25 {
        store
            .insert_revoked_token(&format!("spent-{n}"), 1_000)
            .await
            .unwrap();
    }
    for n in 0..3 {
        store
            .insert_revoked_token(&format!("live-{n}"), 5_000)
            .await
            .unwrap();
    }
    let started = Instant::now();
    assert_eq!(store.delete_expired_revocations(2_000).await.unwrap(), 25);
    // Ten, ten and five: three statements, two pauses.
    let took = started.elapsed();
    assert!(took >= Duration::from_millis(300), "{took:?}");
    assert!(took < Duration::from_secs(5), "{took:?}");
    // What had not expired is still there.
    assert_eq!(store.delete_expired_revocations(i64::MAX).await.unwrap(), 3);

    // A writer that arrives during a sweep is not held for the sweep's whole length.
    for n in 0..40 {
        store
            .insert_revoked_token(&format!("spent-again-{n}"), 1_000)
            .await
            .unwrap();
    }
    let sweeping = tokio::spawn({
        let store = store.clone();
        async move { store.delete_expired_revocations(2_000).await.unwrap() }
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    let writing = Instant::now();
    app.store
        .insert_revoked_token("meanwhile", 9_000)
        .await
        .unwrap();
    let waited = writing.elapsed();
    assert!(waited < Duration::from_millis(300), "{waited:?}");
    assert_eq!(sweeping.await.unwrap(), 40);
}

#[tokio::test]
async fn every_sweep_deletes_what_is_past_its_time_and_nothing_else() {
    let app = TestApp::spawn().await;
    let store = app.store.clone().with_sweep_pace(SweepPace {
        batch: 2,
        pause: Duration::from_millis(1),
    });
    // A table keyed by two columns.
    for start in [100, 160, 220, 280, 340] {
        store
            .add_to_rate_window("client-a", start, 1)
            .await
            .unwrap();
        store
            .add_to_rate_window("client-b", start, 1)
            .await
            .unwrap();
    }
    assert_eq!(store.delete_old_rate_windows(250).await.unwrap(), 6);
    assert_eq!(store.delete_old_rate_windows(i64::MAX).await.unwrap(), 4);

    // The trail, by time.
    for at in [10, 20, 30, 40, 50] {
        let event = AuditRecord {
            at,
            event: "login.password".into(),
            outcome: "success".into(),
            ..AuditRecord::default()
        };
        store.insert_audit_event(&event).await.unwrap();
    }
    assert_eq!(store.delete_audit_events_before(35).await.unwrap(), 3);
    let left = store
        .search_audit_events(&AuditFilter::default(), 10)
        .await
        .unwrap();
    let times: Vec<i64> = left.iter().map(|e| e.at).collect();
    assert_eq!(times, [50, 40]);

    // The other sweeps run their statements on this engine (nothing of theirs is old yet;
    // the rows the test server made at start stay).
    let now = app.clock.now();
    assert_eq!(store.delete_expired_sessions(0).await.unwrap(), 0);
    assert_eq!(store.delete_expired_grants(0).await.unwrap(), 0);
    assert_eq!(
        store.delete_expired_device_authorizations(0).await.unwrap(),
        0
    );
    assert_eq!(store.delete_expired_email_tokens(0).await.unwrap(), 0);
    assert_eq!(store.delete_stale_throttles(0, now).await.unwrap(), 0);
    assert_eq!(
        store.delete_spent_initial_access_tokens(0).await.unwrap(),
        0
    );
    assert_eq!(store.delete_expired_invitations(0).await.unwrap(), 0);
    assert_eq!(store.delete_finished_mail(now).await.unwrap(), 0);
    assert_eq!(store.delete_unused_known_devices(0).await.unwrap(), 0);
    assert_eq!(store.delete_expired_signing_keys(now).await.unwrap(), 0);
}
