//! RFC 7009 token revocation.

use crate::support::{TestApp, assert_oauth_error, now};
use reqwest::StatusCode;

#[tokio::test]
async fn a_revoked_token_is_inactive_at_introspection() {
    let app = TestApp::spawn().await;
    let bot = app.machine_client("orders:read").await;
    let token = app.access_token(&bot, None).await;
    let other_token = app.access_token(&bot, None).await;

    let response = app.revoke(&bot, &token).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(app.introspect(&bot, &token).await["active"], false);
    assert_eq!(
        app.introspect(&bot, &other_token).await["active"],
        true,
        "only that token"
    );

    // Revoking again is still a success (RFC 7009 §2.2).
    assert_eq!(app.revoke(&bot, &token).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn invalid_tokens_are_answered_with_success_and_store_nothing() {
    let app = TestApp::spawn().await;
    let bot = app.machine_client("orders:read").await;
    for token in ["garbage", "a.b.c", &"x".repeat(9000)] {
        let response = app.revoke(&bot, token).await;
        assert_eq!(response.status(), StatusCode::OK);
    }
    assert_eq!(
        app.store
            .delete_expired_revocations(i64::MAX)
            .await
            .unwrap(),
        0,
        "nothing was stored"
    );
}

#[tokio::test]
async fn a_client_cannot_revoke_another_clients_token() {
    let app = TestApp::spawn().await;
    let owner = app.machine_client("orders:read").await;
    let intruder = app.machine_client("orders:read").await;
    let token = app.access_token(&owner, None).await;

    let response = app.revoke(&intruder, &token).await;
    assert_oauth_error(response, StatusCode::BAD_REQUEST, "unauthorized_client").await;
    assert_eq!(app.introspect(&owner, &token).await["active"], true);
}

#[tokio::test]
async fn revocation_requires_client_authentication() {
    let app = TestApp::spawn().await;
    let bot = app.machine_client("orders:read").await;
    let token = app.access_token(&bot, None).await;
    let response = app
        .post_form("revocation_endpoint", None, &[("token", &token)])
        .await;
    assert_oauth_error(response, StatusCode::UNAUTHORIZED, "invalid_client").await;
    let response = app.post_form("revocation_endpoint", Some(&bot), &[]).await;
    assert_oauth_error(response, StatusCode::BAD_REQUEST, "invalid_request").await;
    assert_eq!(app.introspect(&bot, &token).await["active"], true);
}

#[tokio::test]
async fn a_revocation_survives_a_restart() {
    let first = TestApp::spawn().await;
    let bot = first.machine_client("orders:read").await;
    let token = first.access_token(&bot, None).await;
    assert_eq!(first.revoke(&bot, &token).await.status(), StatusCode::OK);
    let database = first.database.clone();
    let clock = first.clock.clone();
    drop(first);
    let options = crate::support::Options {
        database: Some(database),
        clock: Some(clock),
        ..Default::default()
    };
    let second = TestApp::spawn_with(options).await;
    assert_eq!(second.introspect(&bot, &token).await["active"], false);
}

#[tokio::test]
async fn a_revocation_is_forgotten_once_the_token_has_expired_anyway() {
    let app = TestApp::spawn().await;
    let bot = app.machine_client("orders:read").await;
    let token = app.access_token(&bot, None).await;
    assert_eq!(app.revoke(&bot, &token).await.status(), StatusCode::OK);
    assert_eq!(
        app.store.delete_expired_revocations(now()).await.unwrap(),
        0
    );
    assert_eq!(
        app.store
            .delete_expired_revocations(now() + 901)
            .await
            .unwrap(),
        1
    );
}
