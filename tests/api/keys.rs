//! Signing key rotation: the new key signs at once, old public keys stay published until
//! every token they signed has expired.

use std::time::Duration;

use crate::support::{Options, TestApp, eventually, published_kids};
use farm_auth::keys;

fn kid_of(token: &str) -> String {
    jsonwebtoken::decode_header(token).unwrap().kid.unwrap()
}

#[tokio::test]
async fn after_a_rotation_new_tokens_use_the_new_key_and_old_tokens_still_verify() {
    let app = TestApp::spawn_with(Options {
        key_refresh_secs: Some(1),
        ..Default::default()
    })
    .await;
    let bot = app.machine_client("orders:read").await;
    let old_token = app.access_token(&bot, None).await;
    let old_kid = kid_of(&old_token);

    let new_kid = keys::rotate(&app.state).await.unwrap();
    assert_ne!(new_kid, old_kid);
    assert!(
        eventually(5, || async {
            kid_of(&app.access_token(&bot, None).await) == new_kid
        })
        .await
    );

    let kids = published_kids(&app).await;
    assert_eq!(
        kids,
        vec![new_kid.clone(), old_kid.clone()],
        "active key first, old key kept"
    );
    app.verify_like_a_resource_server(&old_token)
        .await
        .expect("old token still verifies");
    assert_eq!(app.introspect(&bot, &old_token).await["active"], true);

    // Once every token the old key signed has expired (the longer of the access token TTL,
    // 900 s, and the ID token's hour, which id_token_hint relies on; + refresh 1 s + 60 s of
    // clock skew), the old key leaves the JWKS.
    app.clock.advance(3660);
    tokio::time::sleep(Duration::from_millis(1100)).await; // a refresh has run
    assert_eq!(
        published_kids(&app).await.len(),
        2,
        "still published at 3660 s"
    );
    app.clock.advance(1);
    assert!(
        eventually(5, || async {
            published_kids(&app).await == vec![new_kid.clone()]
        })
        .await
    );
    assert_eq!(
        app.store
            .delete_expired_signing_keys(app.clock.now())
            .await
            .unwrap(),
        1
    );
}

#[tokio::test]
async fn a_server_keeps_old_keys_for_its_own_token_lifetime_whoever_rotates() {
    let options = Options {
        key_refresh_secs: Some(1),
        access_token_ttl: Some(3600),
        ..Default::default()
    };
    let app = TestApp::spawn_with(options).await;
    let old_kid = published_kids(&app).await[0].clone();
    // Rotated by the CLI, which knows nothing of the server's one-hour tokens.
    let new_kid = keys::rotate(&app.state).await.unwrap();
    assert!(eventually(5, || async { published_kids(&app).await.len() == 2 }).await);
    app.clock.advance(3600);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(published_kids(&app).await, vec![new_kid.clone(), old_kid]);
    app.clock.advance(61);
    assert!(
        eventually(5, || async {
            published_kids(&app).await == vec![new_kid.clone()]
        })
        .await
    );
}

#[tokio::test]
async fn a_restart_keeps_the_same_signing_key() {
    let first = TestApp::spawn().await;
    let kids = published_kids(&first).await;
    let database = first.database.clone();
    drop(first);
    let second = TestApp::spawn_with(Options {
        database: Some(database),
        ..Default::default()
    })
    .await;
    assert_eq!(published_kids(&second).await, kids);
}

#[tokio::test]
async fn a_server_whose_active_key_was_withdrawn_makes_a_new_one_at_its_next_refresh() {
    let app = TestApp::spawn().await;
    let bot = app.machine_client("orders:read").await;
    let old_kid = kid_of(&app.access_token(&bot, None).await);

    // An operator withdraws every key by hand, say after a compromise.
    let pool = sqlx::AnyPool::connect(&app.database.url).await.unwrap();
    sqlx::query("DELETE FROM signing_keys")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;

    assert!(
        app.state.keys.refresh().await.unwrap(),
        "the key set changed"
    );
    let new_kid = kid_of(&app.access_token(&bot, None).await);
    assert_ne!(new_kid, old_kid, "tokens are signed with a new key");
    assert_eq!(
        published_kids(&app).await,
        vec![new_kid],
        "only the new key is published"
    );
}
