//! The initial access token a registration must carry: each use registers one client and
//! no more (even concurrently), a missing token is challenged without an error code, unknown,
//! expired and used-up tokens are `invalid_token`, before the metadata is looked at.

use farm_auth::oauth2::initial_access::Request;
use farm_auth::secrets::hash_secret;
use reqwest::StatusCode;
use reqwest::header::WWW_AUTHENTICATE;
use serde_json::json;

use super::*;
use crate::support::{TestApp, assert_challenged_without_error};

#[tokio::test]
async fn a_token_with_several_uses_registers_that_many_clients_and_no_more() {
    let app = TestApp::spawn().await;
    let token = initial_token(&app, 3, None).await;
    let mut ids = Vec::new();
    for n in 0..3 {
        let info = registered(&app, &token, &web_app(&format!("App {n}"))).await;
        ids.push(info["client_id"].as_str().unwrap().to_string());
        assert_eq!(uses_left(&app, &token).await, Some(2 - n));
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 3, "three distinct clients");
    let before = snapshot(&app).await;
    assert_invalid_token(register(&app, Some(&token), &web_app("Fourth")).await).await;
    assert_eq!(snapshot(&app).await, before);
    assert_eq!(before.clients.len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_registrations_never_spend_a_token_more_often_than_it_allows() {
    let app = TestApp::spawn().await;
    let token = initial_token(&app, 2, None).await;
    let endpoint = app.endpoint("registration_endpoint").await;
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..8 {
        let http = app.http.clone();
        let endpoint = endpoint.clone();
        let token = token.clone();
        tasks.spawn(async move {
            http.post(endpoint)
                .bearer_auth(token)
                .json(&web_app(&format!("Racer {n}")))
                .send()
                .await
                .unwrap()
                .status()
        });
    }
    let mut statuses = Vec::new();
    while let Some(status) = tasks.join_next().await {
        statuses.push(status.unwrap());
    }
    let created = statuses
        .iter()
        .filter(|s| **s == StatusCode::CREATED)
        .count();
    let refused = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count();
    assert_eq!((created, refused), (2, 6), "statuses: {statuses:?}");
    assert_eq!(app.store.list_clients().await.unwrap().len(), 2);
    assert_eq!(uses_left(&app, &token).await, Some(0));
}

#[tokio::test]
async fn a_registration_without_a_token_is_challenged_without_an_error_code() {
    let app = TestApp::spawn().await;
    let token = initial_token(&app, 1, None).await;
    let before = snapshot(&app).await;
    assert_challenged_without_error(register(&app, None, &web_app("No token")).await, "register")
        .await;
    // Another scheme is no bearer token either.
    let response = app
        .http
        .post(app.endpoint("registration_endpoint").await)
        .basic_auth("someone", Some(&token))
        .json(&web_app("Basic"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(
        response.headers()[WWW_AUTHENTICATE]
            .to_str()
            .unwrap()
            .starts_with("Bearer realm="),
    );
    assert_eq!(snapshot(&app).await, before);
}

#[tokio::test]
async fn unknown_expired_and_used_up_tokens_are_invalid_token() {
    let app = TestApp::spawn().await;
    let used_up = initial_token(&app, 1, None).await;
    registered(&app, &used_up, &web_app("First")).await;
    let expiring = initial_token_with(
        &app,
        Request {
            ttl_secs: Some(60),
            uses: Some(2),
            vendor: None,
            farm: None,
            as_member: false,
        },
    )
    .await;
    let before = snapshot(&app).await;

    let unknown = farm_auth::secrets::random_token::<32>();
    for token in [
        unknown.as_str(),
        used_up.as_str(),
        "x",
        &hash_secret(&used_up),
    ] {
        assert_invalid_token(register(&app, Some(token), &web_app("Nope")).await).await;
    }
    assert_eq!(snapshot(&app).await, before);

    // Good for its whole lifetime, and not a second longer.
    app.clock.advance(59);
    registered(&app, &expiring, &web_app("Just in time")).await;
    app.clock.advance(1);
    let before = snapshot(&app).await;
    assert_invalid_token(register(&app, Some(&expiring), &web_app("Too late")).await).await;
    assert_eq!(snapshot(&app).await, before);
    assert_eq!(uses_left(&app, &expiring).await, Some(1));
}

#[tokio::test]
async fn a_bad_token_is_refused_before_the_metadata_is_looked_at() {
    let app = TestApp::spawn().await;
    let response = register(&app, Some("garbage"), &json!({"client_name": 5})).await;
    assert_invalid_token(response).await;
    assert!(app.store.list_clients().await.unwrap().is_empty());
}
