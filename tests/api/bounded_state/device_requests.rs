//! Device authorization requests are capped per client address (an IPv6 /56) and per client
//! while they wait, and answered 429 with `Retry-After` and an RFC 6749 §5.2 body beyond
//! (docs/DECISIONS.md §82, §103).

use farm_auth::domain::DeviceStatus;
use farm_auth::oauth2::client_metadata::NewClient;
use farm_auth::oauth2::device::PENDING_PER_ADDRESS;
use farm_auth::oauth2::scope::Scope;
use farm_auth::store::device_authorizations::DeviceAuthorizationRecord;
use reqwest::{Response, StatusCode};

use super::count;
use crate::support::{Options, TestApp, TestClient, assert_oauth_error};

const ROWS: &str = "SELECT COUNT(*) FROM device_authorizations";

async fn tv(app: &TestApp) -> TestClient {
    app.register(NewClient {
        name: "Living Room TV".into(),
        grant_types: vec!["urn:ietf:params:oauth:grant-type:device_code".into()],
        scope: Some("openid profile".into()),
        public: true,
        ..Default::default()
    })
    .await
}

/// A device authorization request of the public `client`, as if from `address`.
async fn start(app: &TestApp, client: &TestClient, address: &str) -> Response {
    app.http
        .post(app.endpoint("device_authorization_endpoint").await)
        .header("x-forwarded-for", address)
        .form(&[("client_id", client.id.as_str())])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_flood_from_one_address_is_refused_with_429_beyond_its_pending_requests() {
    let app = TestApp::spawn_with(Options {
        trusted_proxies: Some("127.0.0.1".into()),
        ..Options::default()
    })
    .await;
    let client = tv(&app).await;
    for _ in 0..PENDING_PER_ADDRESS {
        let answer = start(&app, &client, "203.0.113.7").await;
        assert_eq!(answer.status(), StatusCode::OK);
    }
    for _ in 0..10 {
        let answer = start(&app, &client, "203.0.113.7").await;
        assert_eq!(answer.status(), StatusCode::TOO_MANY_REQUESTS);
        assert!(answer.headers().contains_key("retry-after"));
        assert_oauth_error(
            answer,
            StatusCode::TOO_MANY_REQUESTS,
            "temporarily_unavailable",
        )
        .await;
    }
    assert_eq!(count(&app, ROWS).await, PENDING_PER_ADDRESS);

    // Another address is not held back by the flood.
    let answer = start(&app, &client, "198.51.100.2").await;
    assert_eq!(answer.status(), StatusCode::OK);
    // Once the requests expire, the address may start again.
    app.clock
        .advance(farm_auth::oauth2::device::DEVICE_CODE_TTL_SECS);
    let answer = start(&app, &client, "203.0.113.7").await;
    assert_eq!(answer.status(), StatusCode::OK);
}

#[tokio::test]
async fn an_ipv6_site_counts_as_one_address_whichever_of_its_64s_a_request_comes_from() {
    let app = TestApp::spawn_with(Options {
        trusted_proxies: Some("127.0.0.1".into()),
        ..Options::default()
    })
    .await;
    let client = tv(&app).await;
    // One customer's /56 holds 256 /64s: each request from another one.
    for n in 0..PENDING_PER_ADDRESS {
        let answer = start(&app, &client, &format!("2001:db8:7:{n:x}::1")).await;
        assert_eq!(answer.status(), StatusCode::OK, "request {n}");
    }
    let answer = start(&app, &client, "2001:db8:7:ff::1").await;
    assert_eq!(answer.status(), StatusCode::TOO_MANY_REQUESTS);
    // The next /56 is another customer.
    let answer = start(&app, &client, "2001:db8:7:100::1").await;
    assert_eq!(answer.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_client_may_have_only_so_many_requests_waiting_whatever_the_addresses() {
    let app = TestApp::spawn().await;
    let client = tv(&app).await;
    let now = app.clock.now();
    let record = |n: usize| DeviceAuthorizationRecord {
        device_code_hash: format!("hash-{n}"),
        user_code: format!("BCDFGHJ{}", ["K", "L", "M"][n]),
        client_id: client.id.clone(),
        scope: Scope::parse("openid").unwrap(),
        created_at: now,
        expires_at: now + 600,
        interval_secs: 5,
        last_polled_at: None,
        slowed_at: None,
        status: DeviceStatus::Pending,
        user_id: None,
        decided_at: None,
    };
    let store = &app.store;
    let address = |n: usize| format!("192.0.2.{n}");
    for n in 0..2 {
        let stored = store
            .insert_device_authorization(&record(n), Some(&address(n)), 10, 2)
            .await
            .unwrap();
        assert!(stored, "request {n}");
    }
    let third = store
        .insert_device_authorization(&record(2), Some(&address(2)), 10, 2)
        .await
        .unwrap();
    assert!(!third, "the client's cap holds across addresses");
    assert_eq!(count(&app, ROWS).await, 2);
}

#[tokio::test]
async fn expired_requests_are_swept_minutes_after_they_expire_not_an_hour() {
    let app = TestApp::spawn().await;
    let client = tv(&app).await;
    let answer = start(&app, &client, "203.0.113.7").await;
    assert_eq!(answer.status(), StatusCode::OK);
    let expired_kept = farm_auth::oauth2::device::EXPIRED_KEPT_SECS;
    let ttl = farm_auth::oauth2::device::DEVICE_CODE_TTL_SECS;
    assert!(expired_kept <= 600);
    let now = app.clock.now() + ttl + expired_kept;
    let swept = app
        .store
        .delete_expired_device_authorizations(now - expired_kept)
        .await
        .unwrap();
    assert_eq!(swept, 1);
}
