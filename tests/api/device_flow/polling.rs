//! What the device's polls get: tokens once the person allows it (an ID token and a refresh
//! token only with `openid` and `offline_access`), `slow_down` with a growing interval,
//! `access_denied`, `expired_token`, and `invalid_grant` for another client's code or an
//! approved code used twice or at the authorization code grant.

use farm_auth::accounts::users::Role;
use farm_auth::oauth2::client_metadata::NewClient;
use reqwest::StatusCode;

use super::*;
use crate::support::{Landing, TestApp, assert_oauth_error, token_json};

#[tokio::test]
async fn a_tv_gets_tokens_once_the_person_allows_it_on_the_device_page() {
    let app = TestApp::spawn().await;
    let sub = app.person("ada", Role::Consumer).await;
    let tv = app.device_client(false).await;

    let started = app.start_device(&tv, Some(SCOPE)).await;
    let code = user_code(&started);
    let device_code = device_code(&started);
    assert_eq!(code.len(), 9, "{code}");
    assert!(
        code.char_indices().all(|(i, c)| match i {
            4 => c == '-',
            _ => "BCDFGHJKLMNPQRSTVWXZ".contains(c),
        }),
        "{code}"
    );
    assert_eq!(device_code.len(), 43);
    let page = format!("{}/device", app.issuer);
    assert_eq!(started["verification_uri"], page.as_str());
    assert_eq!(
        started["verification_uri_complete"],
        format!("{page}?user_code={code}").as_str()
    );
    assert_eq!(started["expires_in"], 600);
    assert_eq!(started["interval"], 5);

    // §3.5: nobody has decided yet.
    let pending = app.poll(&tv, &device_code).await;
    assert_oauth_error(pending, StatusCode::BAD_REQUEST, "authorization_pending").await;

    let agent = signed_in_at_device(&app, "ada").await;
    let confirm = enter_code(&agent, &code).await;
    let (_, _, body) = confirm.page_at("/device/confirm");
    // §5.4: the application, what it may do, and the code to compare with the device's.
    assert!(body.contains(TV), "{body}");
    assert!(body.contains(&code), "{body}");
    assert!(body.contains("Know who you are when you sign in"), "{body}");
    assert!(
        body.contains("Keep access when you are not using it"),
        "{body}"
    );
    let confirm = Landing::Page {
        path: "/device/confirm".into(),
        status: StatusCode::OK,
        body,
    };
    let (_, _, done) = decide(&agent, confirm, "allow").await.page();
    assert!(done.contains("You can go back to your device."), "{done}");
    let (status, user_id, _, _) = app.device_row(&device_code).await;
    assert_eq!(
        (status.as_str(), user_id.as_deref()),
        ("approved", Some(sub.as_str()))
    );

    app.clock.advance(5);
    let tokens = token_json(app.poll(&tv, &device_code).await).await;
    let access = tokens["access_token"].as_str().unwrap();
    let claims = app.verify_like_a_resource_server(access).await.unwrap();
    assert_eq!(claims["sub"], sub.as_str());
    assert_eq!(claims["client_id"], tv.id.as_str());
    let id_token = tokens["id_token"]
        .as_str()
        .expect("an ID token with openid");
    let id_claims = app.verify_id_token(&tv, id_token).await;
    assert_eq!(id_claims["sub"], sub.as_str());
    assert_eq!(id_claims["amr"], serde_json::json!(["pwd"]));
    let refresh = tokens["refresh_token"].as_str().expect("a refresh token");

    // The device code is spent: invalid_grant, and the grant stands (the refresh token works).
    app.clock.advance(5);
    let again = app.poll(&tv, &device_code).await;
    assert_oauth_error(again, StatusCode::BAD_REQUEST, "invalid_grant").await;
    let refreshed = token_json(app.refresh(&tv, refresh, None).await).await;
    assert!(refreshed["access_token"].is_string());

    let approved = app.events(&sub, "device.approved").await;
    assert_eq!(approved, [("success".to_string(), Some(tv.id.clone()))]);
    let consent = app.store.find_consent(&sub, &tv.id).await.unwrap();
    assert_eq!(consent.map(|s| s.to_string()).as_deref(), Some(SCOPE));
}

#[tokio::test]
async fn without_openid_or_offline_access_there_is_no_id_token_or_refresh_token() {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    let tv = app.device_client(false).await;
    let started = app.start_device(&tv, Some("profile")).await;
    let agent = signed_in_at_device(&app, "ada").await;
    let confirm = enter_code(&agent, &user_code(&started)).await;
    decide(&agent, confirm, "allow").await.page();

    let tokens = token_json(app.poll(&tv, &device_code(&started)).await).await;
    assert_eq!(tokens["scope"], "profile");
    assert!(tokens.get("id_token").is_none(), "{tokens}");
    assert!(tokens.get("refresh_token").is_none(), "{tokens}");
}

#[tokio::test]
async fn polling_too_fast_is_told_to_slow_down_and_the_interval_grows_by_five_seconds() {
    let app = TestApp::spawn().await;
    let tv = app.device_client(false).await;
    let started = app.start_device(&tv, None).await;
    let code = device_code(&started);

    let first = app.poll(&tv, &code).await;
    assert_oauth_error(first, StatusCode::BAD_REQUEST, "authorization_pending").await;
    app.clock.advance(4);
    let hasty = app.poll(&tv, &code).await;
    assert_oauth_error(hasty, StatusCode::BAD_REQUEST, "slow_down").await;
    assert_eq!(app.device_row(&code).await.2, 10);

    // Five seconds is no longer enough; ten is.
    app.clock.advance(5);
    let hasty = app.poll(&tv, &code).await;
    assert_oauth_error(hasty, StatusCode::BAD_REQUEST, "slow_down").await;
    assert_eq!(app.device_row(&code).await.2, 15);
    app.clock.advance(15);
    let patient = app.poll(&tv, &code).await;
    assert_oauth_error(patient, StatusCode::BAD_REQUEST, "authorization_pending").await;
    let (status, _, interval, last_polled) = app.device_row(&code).await;
    assert_eq!((status.as_str(), interval), ("pending", 15));
    assert_eq!(last_polled, Some(app.clock.now()));
}

#[tokio::test]
async fn a_denied_request_answers_access_denied_and_grants_nothing() {
    let app = TestApp::spawn().await;
    let sub = app.person("ada", Role::Consumer).await;
    let tv = app.device_client(false).await;
    let started = app.start_device(&tv, None).await;
    let agent = signed_in_at_device(&app, "ada").await;
    let confirm = enter_code(&agent, &user_code(&started)).await;
    let (_, _, done) = decide(&agent, confirm, "deny").await.page();
    assert!(done.contains("You can go back to your device."), "{done}");

    let denied = app.poll(&tv, &device_code(&started)).await;
    assert_oauth_error(denied, StatusCode::BAD_REQUEST, "access_denied").await;
    let (status, user_id, _, _) = app.device_row(&device_code(&started)).await;
    assert_eq!(
        (status.as_str(), user_id.as_deref()),
        ("denied", Some(sub.as_str()))
    );
    assert_eq!(app.grants_of(&tv).await, 0);
    assert_eq!(app.store.find_consent(&sub, &tv.id).await.unwrap(), None);
    let events = app.events(&sub, "device.denied").await;
    assert_eq!(events, [("success".to_string(), Some(tv.id.clone()))]);
}

#[tokio::test]
async fn an_expired_device_code_answers_expired_token_and_its_user_code_is_refused() {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    let tv = app.device_client(false).await;
    let started = app.start_device(&tv, None).await;
    let agent = signed_in_at_device(&app, "ada").await;
    app.clock.advance(600);

    let expired = app.poll(&tv, &device_code(&started)).await;
    assert_oauth_error(expired, StatusCode::BAD_REQUEST, "expired_token").await;
    let (_, _, body) = enter_code(&agent, &user_code(&started))
        .await
        .page_at("/device");
    assert!(body.contains(INVALID_CODE), "{body}");
    assert_eq!(app.device_row(&device_code(&started)).await.0, "pending");
}

#[tokio::test]
async fn the_code_expiring_between_entry_and_decision_approves_nothing() {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    let tv = app.device_client(false).await;
    let started = app.start_device(&tv, None).await;
    let agent = signed_in_at_device(&app, "ada").await;
    let (_, _, body) = enter_code(&agent, &user_code(&started))
        .await
        .page_at("/device/confirm");
    app.clock.advance(600);
    let landing = agent
        .submit(&body, "/device/confirm", &[("decision", "allow")])
        .await;
    let (_, _, body) = landing.page_at("/device");
    assert!(body.contains(INVALID_CODE), "{body}");
    assert_eq!(app.device_row(&device_code(&started)).await.0, "pending");
    assert_eq!(app.grants_of(&tv).await, 0);
}

#[tokio::test]
async fn another_clients_device_code_is_invalid_grant_and_not_recorded() {
    let app = TestApp::spawn().await;
    let tv = app.device_client(false).await;
    let other = app.device_client(false).await;
    let started = app.start_device(&tv, None).await;

    let stolen = app.poll(&other, &device_code(&started)).await;
    assert_oauth_error(stolen, StatusCode::BAD_REQUEST, "invalid_grant").await;
    assert_eq!(app.device_row(&device_code(&started)).await.3, None);
    let unknown = app.poll(&tv, "not-a-device-code").await;
    assert_oauth_error(unknown, StatusCode::BAD_REQUEST, "invalid_grant").await;
}

#[tokio::test]
async fn an_approved_code_is_invalid_grant_for_another_client() {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    let tv = app.device_client(false).await;
    let other = app.device_client(false).await;
    let started = app.start_device(&tv, None).await;
    let agent = signed_in_at_device(&app, "ada").await;
    let confirm = enter_code(&agent, &user_code(&started)).await;
    decide(&agent, confirm, "allow").await.page();

    let stolen = app.poll(&other, &device_code(&started)).await;
    assert_oauth_error(stolen, StatusCode::BAD_REQUEST, "invalid_grant").await;
    // The rightful device still gets its tokens.
    token_json(app.poll(&tv, &device_code(&started)).await).await;
}

#[tokio::test]
async fn an_approved_device_code_is_refused_by_the_authorization_code_grant() {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    // A client registered for both grants, with the device grant's URN as a redirect URI
    // would be refused at registration; it cannot send the URN to match either.
    let both = app
        .register(NewClient {
            name: TV.into(),
            redirect_uris: vec!["https://tv.example/cb".into()],
            grant_types: vec![DEVICE_GRANT.into(), "authorization_code".into()],
            scope: Some(SCOPE.into()),
            ..Default::default()
        })
        .await;
    let started = app.start_device(&both, None).await;
    let agent = signed_in_at_device(&app, "ada").await;
    let confirm = enter_code(&agent, &user_code(&started)).await;
    decide(&agent, confirm, "allow").await.page();

    let code = device_code(&started);
    for redirect_uri in [None, Some(DEVICE_GRANT)] {
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
        ];
        if let Some(uri) = redirect_uri {
            form.push(("redirect_uri", uri));
        }
        let response = app.post_as("token_endpoint", &both, &form).await;
        assert_oauth_error(response, StatusCode::BAD_REQUEST, "invalid_grant").await;
    }
}
