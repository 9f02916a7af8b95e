//! Storage rules that hold on both engines.

use crate::support::{TestApp, TestDatabase};
use farm_auth::Clock;
use farm_auth::accounts::users::{self, NewUser, Role, UserError};
use farm_auth::oauth2::client_metadata::{self as clients, NewClient, RegistrationError};
use farm_auth::store::Store;

async fn store() -> (Store, std::sync::Arc<TestDatabase>) {
    let database = TestDatabase::new().await;
    let store = database.store().await;
    store.migrate().await.unwrap();
    (store, database)
}

fn new_user(username: &str, email: &str) -> NewUser {
    NewUser {
        username: username.into(),
        email: email.into(),
        password: Some("a long password".into()),
        roles: vec![Role::Farmer],
    }
}

#[tokio::test]
async fn usernames_and_emails_are_unique_ignoring_case() {
    let app = TestApp::spawn().await;
    let store = &app.store;
    let user = users::create(&app.state, new_user("Farmer_Jo", "jo@farm.example"))
        .await
        .unwrap();
    assert_eq!(user.roles, vec!["farmer"]);
    assert!(user.password_hash.is_none(), "the hash is not handed back");
    let stored = store
        .find_user_by_username("farmer_jo")
        .await
        .unwrap()
        .unwrap();
    assert!(stored.password_hash.unwrap().starts_with("$argon2id$"));

    for (username, email) in [
        ("farmer_JO", "other@farm.example"),
        ("someone", "JO@farm.example"),
    ] {
        let err = users::create(&app.state, new_user(username, email))
            .await
            .unwrap_err();
        assert!(matches!(err, UserError::Taken), "{username} {email}: {err}");
    }
}

#[tokio::test]
async fn a_client_secret_is_stored_only_as_a_hash() {
    let app = TestApp::spawn().await;
    let store = &app.store;
    let registered = clients::register(
        &app.state,
        NewClient {
            name: "bot".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let secret = registered.secret.unwrap();
    assert!(secret.len() >= 43, "at least 256 bits");
    let record = store
        .find_client(&registered.client.id)
        .await
        .unwrap()
        .unwrap();
    let stored = record.secret_hash.unwrap();
    assert_ne!(stored, secret);
    assert_eq!(stored, farm_auth::secrets::hash_secret(&secret));
}

#[tokio::test]
async fn invalid_client_metadata_stores_nothing() {
    let app = TestApp::spawn().await;
    let store = &app.store;
    let bad = NewClient {
        name: "x".into(),
        redirect_uris: vec!["http://evil.example/cb".into()],
        ..Default::default()
    };
    let err = clients::register(&app.state, bad).await.unwrap_err();
    assert!(matches!(err, RegistrationError::RedirectUri(_)));
    assert!(store.list_clients().await.unwrap().is_empty());
}

#[tokio::test]
async fn only_one_signing_key_can_be_active() {
    let (store, _db) = store().await;
    assert!(
        store
            .insert_first_signing_key("k1", b"der", 1)
            .await
            .unwrap()
    );
    assert!(
        !store
            .insert_first_signing_key("k2", b"der", 2)
            .await
            .unwrap(),
        "k1 is already active"
    );
    store.rotate_signing_key("k3", b"der", 3, 3).await.unwrap();
    let keys = store.list_published_signing_keys(50, 100).await.unwrap();
    let kids: Vec<_> = keys.iter().map(|k| (k.kid.as_str(), k.active)).collect();
    assert_eq!(kids, vec![("k3", Some(1)), ("k1", None)]);
    let published_at_103 = store.list_published_signing_keys(103, 100).await.unwrap();
    assert_eq!(
        published_at_103.len(),
        1,
        "k1, retired at 3, is unpublished 100 s later"
    );
    assert_eq!(store.delete_expired_signing_keys(3).await.unwrap(), 0);
    assert_eq!(store.delete_expired_signing_keys(4).await.unwrap(), 1);
}

#[tokio::test]
async fn a_revocation_list_learns_of_revocations_made_elsewhere_and_forgets_expired_ones() {
    use farm_auth::oauth2::revocation_list::RevocationList;
    let (store, _db) = store().await;
    let clock = Clock::manual(1_000_000);
    let here = RevocationList::load(store.clone(), clock.clone())
        .await
        .unwrap();
    let elsewhere = RevocationList::load(store.clone(), clock.clone())
        .await
        .unwrap();

    elsewhere.revoke("jti-1", 1_000_900).await.unwrap();
    assert!(
        elsewhere.is_revoked("jti-1", 1_000_900).await.unwrap(),
        "at once where it was revoked"
    );
    assert!(
        !here.is_revoked("jti-1", 1_000_900).await.unwrap(),
        "not yet here"
    );
    clock.advance(1);
    assert_eq!(here.sync().await.unwrap(), 1);
    assert!(here.is_revoked("jti-1", 1_000_900).await.unwrap());

    // A revocation made by a replica whose clock runs an hour behind is still seen: the
    // database stamps revocations, not the replicas.
    let behind = RevocationList::load(store.clone(), Clock::manual(1_000_001 - 3600))
        .await
        .unwrap();
    behind.revoke("jti-2", 1_000_900).await.unwrap();
    clock.advance(1);
    here.sync().await.unwrap();
    assert!(here.is_revoked("jti-2", 1_000_900).await.unwrap());

    // Once the tokens have expired, the list forgets them.
    clock.advance(900);
    assert_eq!(here.sync().await.unwrap(), 0);
    assert!(!here.is_revoked("jti-1", 1_000_900).await.unwrap());
}
