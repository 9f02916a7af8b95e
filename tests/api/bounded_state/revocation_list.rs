//! The in-memory revocation list is bounded, loads by pages of what is new, and when full
//! refuses the tokens it cannot vouch for instead of forgetting a revocation
//! (docs/DECISIONS.md §83).

use std::collections::BTreeSet;

use farm_auth::oauth2::revocation_list::RevocationList;

use crate::support::TestApp;

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
