//! The in-memory revocation list is bounded, loads by pages of what is new, and when full
//! refuses the tokens it cannot vouch for instead of forgetting a revocation
//! (docs/DECISIONS.md §83); one client's revocations fill only its own share of it, and
//! revoking counts against the client's request rate (§102).

use std::collections::BTreeSet;

use farm_auth::oauth2::revocation_list::RevocationList;
use farm_auth::oauth2::revoke::CLIENT_SHARE;
use reqwest::StatusCode;

use super::{count, execute};
use crate::support::{Options, TestApp, assert_oauth_error};

#[tokio::test]
async fn a_full_revocation_list_refuses_tokens_it_cannot_vouch_for_and_forgets_nothing() {
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
        assert!(here.is_revoked(jti, now + exp), "{jti} is refused");
    }
    // A token that was never revoked, expiring when the one not held does: refused.
    assert!(here.is_revoked("never-revoked", now + 900));
    // One expiring at another time is vouched for.
    assert!(!here.is_revoked("never-revoked", now + 300));

    // A replica starting now, as full, learns the same from the database.
    let replica = RevocationList::load_with_capacity(store.clone(), clock.clone(), 2)
        .await
        .unwrap();
    for (jti, exp) in [("jti-1", 600), ("jti-2", 600), ("jti-3", 900)] {
        assert!(replica.is_revoked(jti, now + exp), "{jti} is refused there");
    }

    // When every revocation it could not hold has expired, it vouches for all again.
    clock.advance(900);
    here.sync().await.unwrap();
    assert!(!here.is_revoked("never-revoked", now + 1_800));
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

// ---- Each client's share (docs/DECISIONS.md §102)

#[tokio::test]
async fn a_client_that_fills_its_share_is_refused_with_503_and_other_clients_are_not() {
    let app = TestApp::spawn().await;
    let flooder = app.machine_client("orders:read").await;
    let other = app.machine_client("orders:read").await;
    let flooders_token = app.access_token(&flooder, None).await;
    let others_token = app.access_token(&other, None).await;
    // The flooder's share, already used by revocations of tokens expiring in five minutes.
    let expires_at = app.clock.now() + 300;
    let sql = format!(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {CLIENT_SHARE}) \
         INSERT INTO revoked_tokens (jti, expires_at, requested_by) \
         SELECT 'seeded-' || i, {expires_at}, '{}' FROM n",
        flooder.id
    );
    execute(&app, &sql).await;

    let refused = app.revoke(&flooder, &flooders_token).await;
    assert_eq!(refused.headers()["retry-after"], "60");
    assert_oauth_error(
        refused,
        StatusCode::SERVICE_UNAVAILABLE,
        "temporarily_unavailable",
    )
    .await;
    // RFC 7009 §2.2.1: after a 503 the client must assume the token still exists; it does.
    assert_eq!(
        app.introspect(&flooder, &flooders_token).await["active"],
        true
    );
    // Another client revokes as ever.
    assert_eq!(
        app.revoke(&other, &others_token).await.status(),
        StatusCode::OK
    );
    assert_eq!(app.introspect(&other, &others_token).await["active"], false);

    // Once the revoked tokens have expired, the share is free again.
    app.clock.advance(301);
    assert_eq!(
        app.revoke(&flooder, &flooders_token).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        app.introspect(&flooder, &flooders_token).await["active"],
        false
    );
}

#[tokio::test]
async fn revocations_a_person_makes_count_against_no_clients_share() {
    let app = TestApp::spawn().await;
    let bot = app.machine_client("orders:read").await;
    let token = app.access_token(&bot, None).await;
    assert_eq!(app.revoke(&bot, &token).await.status(), StatusCode::OK);
    app.state
        .revocations
        .revoke("a-persons-sign-out", app.clock.now() + 600)
        .await
        .unwrap();
    let counted = "SELECT COUNT(*) FROM revoked_tokens WHERE requested_by IS NOT NULL";
    assert_eq!(count(&app, counted).await, 1);
    let by_bot = app
        .store
        .count_client_revocations(&bot.id, app.clock.now(), CLIENT_SHARE)
        .await
        .unwrap();
    assert_eq!(by_bot, 1);
}

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
