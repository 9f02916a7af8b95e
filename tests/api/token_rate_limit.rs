//! The token endpoint limits each client's requests per minute, over every replica.

use farm_auth::Clock;
use farm_auth::config::DEFAULT_TOKEN_RATE_LIMIT;
use reqwest::StatusCode;

use crate::support::{Options, TestApp, assert_oauth_error, now};

/// A clock at the start of a minute, so a test's requests share one rate window.
fn start_of_minute() -> Clock {
    let t = now();
    Clock::manual(t - t % 60)
}

#[tokio::test]
async fn a_client_over_its_rate_gets_429_and_other_clients_do_not_notice() {
    let app = TestApp::spawn_with(Options {
        token_rate_limit: Some(5),
        clock: Some(start_of_minute()),
        ..Default::default()
    })
    .await;
    let busy = app.machine_client("read").await;
    let quiet = app.machine_client("read").await;
    for _ in 0..5 {
        let response = app.client_credentials(&busy, None).await;
        assert_eq!(response.status(), StatusCode::OK);
    }
    let refused = app.client_credentials(&busy, None).await;
    assert_eq!(refused.headers()["retry-after"], "60");
    assert_oauth_error(
        refused,
        StatusCode::TOO_MANY_REQUESTS,
        "temporarily_unavailable",
    )
    .await;
    assert_eq!(
        app.client_credentials(&quiet, None).await.status(),
        StatusCode::OK
    );

    // The next minute is a new window.
    app.clock.advance(60);
    assert_eq!(
        app.client_credentials(&busy, None).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn replicas_share_one_limit_through_the_database() {
    let clock = start_of_minute();
    let first = TestApp::spawn_with(Options {
        token_rate_limit: Some(5),
        clock: Some(clock.clone()),
        ..Default::default()
    })
    .await;
    let second = TestApp::spawn_with(Options {
        token_rate_limit: Some(5),
        clock: Some(clock.clone()),
        database: Some(first.database.clone()),
        client_cache_secs: Some(0),
        ..Default::default()
    })
    .await;
    let client = first.machine_client("read").await;
    // Each request in its own second, so each is reported to the database at once.
    for _ in 0..3 {
        assert_eq!(
            first.client_credentials(&client, None).await.status(),
            StatusCode::OK
        );
        clock.advance(1);
    }
    // The second replica sees the three and admits two more, not five.
    let mut admitted = 0;
    for _ in 0..5 {
        if second.client_credentials(&client, None).await.status() == StatusCode::OK {
            admitted += 1;
        }
        clock.advance(1);
    }
    assert_eq!(admitted, 2);
}

#[tokio::test]
async fn a_limit_of_zero_means_no_limit() {
    let app = TestApp::spawn_with(Options {
        token_rate_limit: Some(0),
        clock: Some(start_of_minute()),
        ..Default::default()
    })
    .await;
    let client = app.machine_client("read").await;
    // As many requests in one window as the default limit admits, so that 0 falling back to
    // the default would refuse every request after them. These are counted (the client
    // authenticates) but cheap: without a grant type, they are refused for that.
    let default = usize::try_from(DEFAULT_TOKEN_RATE_LIMIT).unwrap();
    let endpoint = app.endpoint("token_endpoint").await;
    let mut senders = tokio::task::JoinSet::new();
    for sender in 0..8 {
        let (http, endpoint, client) = (app.http.clone(), endpoint.clone(), client.clone());
        senders.spawn(async move {
            for _ in (sender..default).step_by(8) {
                let response = http
                    .post(&endpoint)
                    .basic_auth(&client.id, Some(&client.secret))
                    .form(&[("scope", "read")])
                    .send()
                    .await
                    .unwrap();
                assert_oauth_error(response, StatusCode::BAD_REQUEST, "invalid_request").await;
            }
        });
    }
    while let Some(sent) = senders.join_next().await {
        sent.expect("a sender finished");
    }
    // Past the default limit, still in the same minute: every request gets its token.
    for _ in 0..20 {
        assert_eq!(
            app.client_credentials(&client, None).await.status(),
            StatusCode::OK
        );
    }
}

#[tokio::test]
async fn anyone_can_speak_for_a_public_client_so_its_budget_is_per_address() {
    let app = TestApp::spawn_with(Options {
        token_rate_limit: Some(5),
        clock: Some(start_of_minute()),
        trusted_proxies: Some("127.0.0.1".into()),
        ..Default::default()
    })
    .await;
    let public = app
        .register(farm_auth::oauth2::client_metadata::NewClient {
            name: "phone app".into(),
            redirect_uris: vec!["com.farm.app:/callback".into()],
            grant_types: vec!["authorization_code".into(), "refresh_token".into()],
            scope: Some("openid offline_access".into()),
            public: true,
            ..Default::default()
        })
        .await;
    let from = |address: &str| {
        let form = [
            ("grant_type", "refresh_token"),
            ("refresh_token", "not a token"),
            ("client_id", public.id.as_str()),
        ];
        app.http
            .post(app.url("/oauth2/token"))
            .header("x-forwarded-for", address)
            .form(&form)
            .send()
    };
    // A stranger floods from one address with garbage: only that address runs out.
    for _ in 0..5 {
        let response = from("192.0.2.1").await.unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    }
    let refused = from("192.0.2.1").await.unwrap();
    assert_oauth_error(
        refused,
        StatusCode::TOO_MANY_REQUESTS,
        "temporarily_unavailable",
    )
    .await;
    let elsewhere = from("198.51.100.2").await.unwrap();
    assert_oauth_error(elsewhere, StatusCode::BAD_REQUEST, "invalid_grant").await;
}
