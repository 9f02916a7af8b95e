//! Two replicas on one database behave as one server: tokens, revocations and key rotations
//! made at one are honoured at the other.

use crate::support::{Options, TestApp, eventually, published_kids};
use farm_auth::keys;

async fn two_replicas() -> (TestApp, TestApp) {
    let options = Options {
        issuer: Some("https://auth.farm.test".into()),
        key_refresh_secs: Some(1),
        ..Default::default()
    };
    let a = TestApp::spawn_with(options.clone()).await;
    let b = TestApp::spawn_with(Options {
        database: Some(a.database.clone()),
        ..options
    })
    .await;
    (a, b)
}

#[tokio::test]
async fn a_token_issued_by_one_replica_verifies_with_the_jwks_of_the_other() {
    let (a, b) = two_replicas().await;
    let bot = a.machine_client("orders:read").await;
    let token = a.access_token(&bot, None).await;
    let claims = b
        .verify_like_a_resource_server(&token)
        .await
        .expect("verifies at B");
    assert_eq!(claims["client_id"], bot.id.as_str());
    assert_eq!(b.introspect(&bot, &token).await["active"], true);
}

#[tokio::test]
async fn a_revocation_at_one_replica_shows_at_the_others_introspection() {
    let (a, b) = two_replicas().await;
    let bot = a.machine_client("orders:read").await;
    let token = b.access_token(&bot, None).await;
    assert_eq!(b.introspect(&bot, &token).await["active"], true);
    assert_eq!(
        a.revoke(&bot, &token).await.status(),
        reqwest::StatusCode::OK
    );
    // At A at once; at B by its next revocation sync (every second here and by default).
    assert_eq!(a.introspect(&bot, &token).await["active"], false);
    let inactive_at_b = || async { b.introspect(&bot, &token).await["active"] == false };
    assert!(eventually(3, inactive_at_b).await, "B saw the revocation");
}

#[tokio::test]
async fn a_key_rotated_at_one_replica_appears_in_the_others_jwks() {
    let (a, b) = two_replicas().await;
    let bot = b.machine_client("orders:read").await;
    let old_kid = kid_of(&b.access_token(&bot, None).await);
    let rotation = keys::rotate(&a.state).await.unwrap();
    let new_kid = rotation.kid.clone();
    assert!(
        eventually(5, || publishes(&a, &new_kid)).await,
        "A publishes the new key"
    );
    assert!(
        eventually(5, || publishes(&b, &new_kid)).await,
        "B publishes the new key"
    );
    // Neither signs with it before its stored activation time; both do from then on.
    for app in [&a, &b] {
        assert_eq!(kid_of(&app.access_token(&bot, None).await), old_kid);
        app.clock.advance(rotation.activates_at - app.clock.now());
    }
    let token = b.access_token(&bot, None).await;
    assert_eq!(kid_of(&token), new_kid);
    assert_eq!(kid_of(&a.access_token(&bot, None).await), new_kid);
    a.verify_like_a_resource_server(&token)
        .await
        .expect("verifies at A");
}

fn kid_of(token: &str) -> String {
    jsonwebtoken::decode_header(token).unwrap().kid.unwrap()
}

async fn publishes(app: &TestApp, kid: &str) -> bool {
    app.jwks().await.find(kid).is_some()
}

#[tokio::test]
async fn replicas_starting_on_an_empty_database_agree_on_one_key() {
    let database = crate::support::TestDatabase::new().await;
    let options = |db| Options {
        issuer: Some("https://auth.farm.test".into()),
        database: Some(db),
        ..Default::default()
    };
    let (a, b) = tokio::join!(
        TestApp::spawn_with(options(database.clone())),
        TestApp::spawn_with(options(database.clone()))
    );
    let kids_a = published_kids(&a).await;
    let kids_b = published_kids(&b).await;
    assert_eq!(kids_a.len(), 1);
    assert_eq!(kids_a, kids_b);
}
