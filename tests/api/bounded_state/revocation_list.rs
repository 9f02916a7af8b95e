//! The in-memory revocation list is bounded, loads by pages of what is new, and when full
//! asks the database about the tokens it cannot vouch for instead of forgetting a revocation
//! or refusing them all (docs/DECISIONS.md §83, §106); revoking counts against the client's
//! request rate (§102).

use std::collections::BTreeSet;

use farm_auth::oauth2::revocation_list::RevocationList;
use reqwest::StatusCode;

use crate::support::{Options, TestApp, assert_oauth_error};

#[tokio::test]
async fn a_full_revocation_list_asks_the_database_and_forgets_nothing() {
    let app = TestApp::spawn().await;
    let now = app.clock.now();
    let (store, clock) = (app.store.clone(), app.clock.clone());
    let here = RevocationList::load_with_capacity(store.clone(), clock.clone(), 2)
        .await
        .unwrap();
    here.revoke("jti-1", now + 600).await.unwrap();
    here.revoke("jti-2", now + 600).await.unwrap();
    here.revoke("jti-3", now + 900).await.unwrap();

    for (jti, exp) in [("jti-1", 600), ("jti-2", 600), ("jti-3", 900)] {
        assert!(
            here.is_revoked(jti, now + exp).await.unwrap(),
            "{jti} is refused"
        );
    }
    // A token that was never revoked, expiring when the one not held does: the database
    // vouches for it, so a flood of revocations locks nobody out.
    assert!(!here.is_revoked("never-revoked", now + 900).await.unwrap());
    // Nor one expiring at another time.
    assert!(!here.is_revoked("never-revoked", now + 300).await.unwrap());
    // What the list could not hold is still known: the database answers for it, and a
    // revocation written there later (another replica's) too.
    store
        .insert_revoked_token("jti-4", now + 900)
        .await
        .unwrap();
    assert!(here.is_revoked("jti-4", now + 900).await.unwrap());

    // A replica starting now, as full, learns the same from the database.
    let replica = RevocationList::load_with_capacity(store.clone(), clock.clone(), 2)
        .await
        .unwrap();
    for (jti, exp) in [("jti-1", 600), ("jti-2", 600), ("jti-3", 900)] {
        assert!(
            replica.is_revoked(jti, now + exp).await.unwrap(),
            "{jti} is refused there"
        );
    }

    // When every revocation it could not hold has expired, it vouches for all itself again.
    clock.advance(900);
    here.sync().await.unwrap();
    assert!(!here.is_revoked("never-revoked", now + 1_800).await.unwrap());
}

#[tokio::test]
async fn revocations_are_read_in_pages_each_row_once() {
    let app = TestApp::spawn().await;
    let now = app.clock.now();
    for n in 0..5 {
        app.store
            .insert_revoked_token(&format!("jti-{n}"), now + 600)
            .await
            .unwrap();
    }
    let mut seen = BTreeSet::new();
    let mut after = (i64::MIN, String::new());
    loop {
        let page = app
            .store
            .list_revocations_after(after.0, &after.1, now, 2)
            .await
            .unwrap();
        assert!(page.len() <= 2);
        let Some((jti, _, at)) = page.last() else {
            break;
        };
        after = (*at, jti.clone());
        for (jti, _, _) in page {
            assert!(seen.insert(jti.clone()), "{jti} read twice");
        }
    }
    assert_eq!(seen.len(), 5);
}

// ---- The request rate (docs/DECISIONS.md §102)

#[tokio::test]
async fn revocation_counts_against_the_clients_request_rate() {
    let t = crate::support::now();
    let app = TestApp::spawn_with(Options {
        token_rate_limit: Some(4),
        clock: Some(farm_auth::Clock::manual(t - t % 60)),
        ..Default::default()
    })
    .await;
    let bot = app.machine_client("orders:read").await;
    let token = app.access_token(&bot, None).await;
    for _ in 0..3 {
        assert_eq!(app.revoke(&bot, &token).await.status(), StatusCode::OK);
    }
    let refused = app.revoke(&bot, &token).await;
    assert_eq!(refused.headers()["retry-after"], "60");
    assert_oauth_error(
        refused,
        StatusCode::TOO_MANY_REQUESTS,
        "temporarily_unavailable",
    )
    .await;
}
