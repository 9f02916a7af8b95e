//! OpenID Connect Back-Channel Logout 1.0: whenever a login session ends (the app asks,
//! the person signs out on their account page or ends their other sessions, an
//! administrator locks them or ends the session, a password reset, the account deleted),
//! every app the session signed in to that registered a `backchannel_logout_uri` is sent a
//! logout token, verified here against the JWKS (§2.4, §2.6). Discovery says so (§2.1).

use farm_auth::accounts::users::Role;
use farm_auth::oauth2::client_metadata::NewClient;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::*;
use crate::support::{
    Behaviour, NEW_PASSWORD, Options, POST_LOGOUT_URI, REDIRECT_URI, Receiver, TestClient,
    UserAgent, ask_for_reset, assert_api_error, code_from, hidden_fields, reset_link, reset_with,
    signed_in, token_json, verify_logout_token,
};

/// `ada` signed in, in one browser, to two apps that take logout tokens at the receiver's
/// `/a` and `/b`.
struct TwoApps {
    receiver: Receiver,
    agent: UserAgent,
    ada: String,
    sid: String,
    a: TestClient,
    b: TestClient,
    id_token: String,
}

async fn app_with_logout_uri(app: &TestApp, name: &str, uri: Option<String>) -> TestClient {
    app.register(NewClient {
        name: name.into(),
        redirect_uris: vec![REDIRECT_URI.into()],
        post_logout_redirect_uris: vec![POST_LOGOUT_URI.into()],
        grant_types: vec!["authorization_code".into(), "refresh_token".into()],
        scope: Some("openid profile".into()),
        backchannel_logout_uri: uri,
        ..Default::default()
    })
    .await
}

async fn signed_in_to_two_apps(app: &TestApp) -> TwoApps {
    let receiver = Receiver::start().await;
    let ada = app.person("ada", Role::Consumer).await;
    let a = app_with_logout_uri(app, "Veggie Box", Some(receiver.url("/a"))).await;
    let b = app_with_logout_uri(app, "Egg Run", Some(receiver.url("/b"))).await;
    // An app without a back-channel logout URI is signed in to as well, and told nothing.
    let c = app_with_logout_uri(app, "Honey Jar", None).await;
    let agent = UserAgent::new(app);
    let tokens = app.sign_in_for_tokens(&agent, &a, "ada", "openid").await;
    let id_token = tokens["id_token"].as_str().unwrap().to_string();
    let sid = app.verify_id_token(&a, &id_token).await["sid"]
        .as_str()
        .unwrap()
        .to_string();
    for other in [&b, &c] {
        let landing = agent
            .navigate(&app.authorize_url(other, "openid", &[]))
            .await;
        let back = agent.consent(landing, "allow").await.client();
        let code = code_from(app, &back);
        token_json(app.exchange_code(other, &code).await).await;
    }
    TwoApps {
        receiver,
        agent,
        ada,
        sid,
        a,
        b,
        id_token,
    }
}

/// Both apps got one logout token each for ada's session, valid by §2.6.
async fn both_told(app: &TestApp, two: &TwoApps) {
    let received = two.receiver.wait_for(2).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let received = two
        .receiver
        .received()
        .into_iter()
        .chain(received)
        .collect::<Vec<_>>();
    for (path, client) in [("/a", &two.a), ("/b", &two.b)] {
        let delivery = received
            .iter()
            .find(|r| r.path == path)
            .unwrap_or_else(|| panic!("nothing at {path}"));
        let claims = verify_logout_token(app, delivery).await;
        assert_eq!(claims["aud"], client.id.as_str());
        assert_eq!(claims["sid"], two.sid.as_str());
        assert_eq!(claims["sub"], two.ada.as_str());
        assert!(claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap() <= 120);
    }
    let paths: Vec<String> = two
        .receiver
        .received()
        .iter()
        .map(|r| r.path.clone())
        .collect();
    assert_eq!(paths.len(), 2, "one token per app, nothing else: {paths:?}");
}

#[tokio::test]
async fn discovery_advertises_back_channel_logout_with_sessions() {
    let app = TestApp::spawn().await;
    let discovery = app.discovery().await;
    assert_eq!(discovery["backchannel_logout_supported"], true);
    assert_eq!(discovery["backchannel_logout_session_supported"], true);
}

#[tokio::test]
async fn the_app_asking_to_log_out_and_every_other_app_of_the_session_are_told() {
    let app = TestApp::spawn().await;
    let two = signed_in_to_two_apps(&app).await;
    let mut url = url::Url::parse(&app.endpoint("end_session_endpoint").await).unwrap();
    url.query_pairs_mut()
        .append_pair("id_token_hint", &two.id_token);
    let response = two.agent.get(url.as_str()).await;
    assert!(response.status().is_success() || response.status().is_redirection());
    both_told(&app, &two).await;
}

#[tokio::test]
async fn signing_out_on_the_account_page_tells_the_apps() {
    let app = TestApp::spawn().await;
    let two = signed_in_to_two_apps(&app).await;
    let (_, _, page) = two.agent.navigate("/account").await.page();
    assert!(!hidden_fields(&page, "/logout").is_empty(), "{page}");
    two.agent.submit(&page, "/logout", &[]).await;
    both_told(&app, &two).await;
}

#[tokio::test]
async fn ending_the_other_sessions_from_another_browser_tells_the_apps() {
    let app = TestApp::spawn().await;
    let two = signed_in_to_two_apps(&app).await;
    let phone = signed_in(&app, "ada").await;
    let (_, _, page) = phone.agent.navigate("/account").await.page();
    phone
        .agent
        .submit(&page, "/account/sessions/end-others", &[])
        .await;
    both_told(&app, &two).await;
}

#[tokio::test]
async fn an_administrator_locking_the_person_or_ending_the_session_tells_the_apps() {
    for way in ["lock", "end session", "delete"] {
        let app = TestApp::spawn().await;
        let two = signed_in_to_two_apps(&app).await;
        let root = admin(&app).await;
        let user = format!("/api/v1/admin/users/{}", two.ada);
        let (method, path, body) = match way {
            "lock" => (
                Method::POST,
                format!("{user}/lock"),
                json!({"reason": "fraud"}),
            ),
            "end session" => (
                Method::DELETE,
                format!("{user}/sessions/{}", two.sid),
                Value::Null,
            ),
            _ => (Method::DELETE, user.clone(), Value::Null),
        };
        let response = admin_call(&app, &root, method, &path, body).await;
        assert!(
            response.status().is_success(),
            "{way}: {}",
            response.status()
        );
        both_told(&app, &two).await;
    }
}

#[tokio::test]
async fn a_password_reset_tells_the_apps() {
    let app = TestApp::spawn().await;
    let two = signed_in_to_two_apps(&app).await;
    ask_for_reset(&app, "ada@farm.example").await;
    let link = reset_link(&app, "ada", 1).await;
    reset_with(&app, &link, NEW_PASSWORD).await;
    both_told(&app, &two).await;
}

#[tokio::test]
async fn an_app_deleted_before_the_token_went_out_is_not_sent_one_and_a_down_app_is_retried() {
    let app = TestApp::spawn().await;
    let two = signed_in_to_two_apps(&app).await;
    two.receiver.behave(Behaviour::Status(503));
    let root = admin(&app).await;
    let path = format!("/api/v1/admin/users/{}/sessions/{}", two.ada, two.sid);
    admin_call(&app, &root, Method::DELETE, &path, Value::Null).await;
    wait_for_requests(&two.receiver, 2).await;
    // App b is deleted; a is back.
    let client = format!("/api/v1/admin/clients/{}", two.b.id);
    let response = admin_call(&app, &root, Method::DELETE, &client, Value::Null).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    two.receiver.behave(Behaviour::Accept);
    app.clock.advance(5);
    two.receiver.wait_for(1).await;
    app.clock.advance(60);
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let received: Vec<_> = two.receiver.received().into_iter().skip(2).collect();
    let paths: Vec<&str> = received.iter().map(|r| r.path.as_str()).collect();
    assert_eq!(paths, ["/a"], "the deleted app was sent nothing");
    let claims = verify_logout_token(&app, &received[0]).await;
    assert_eq!(claims["aud"], two.a.id.as_str());
}

#[tokio::test]
async fn a_logout_uri_must_resolve_to_an_address_farm_auth_may_call() {
    let app = TestApp::spawn_with(Options {
        outbound_strict: true,
        ..Default::default()
    })
    .await;
    let root = admin(&app).await;
    let body = |uri: &str| {
        json!({
            "client_name": "Till",
            "redirect_uris": ["https://till.example/cb"],
            "grant_types": ["authorization_code"],
            "backchannel_logout_uri": uri,
            "backchannel_logout_session_required": true,
        })
    };
    // A name that resolves to loopback is refused, as the outbound client would refuse it.
    let refused = admin_call(
        &app,
        &root,
        Method::POST,
        "/api/v1/admin/clients",
        body("https://localhost/logout"),
    )
    .await;
    let error = assert_api_error(refused, StatusCode::BAD_REQUEST, "invalid_client_metadata").await;
    assert!(
        error.to_string().contains("backchannel_logout_uri"),
        "{error}"
    );
    let created = admin_call(
        &app,
        &root,
        Method::POST,
        "/api/v1/admin/clients",
        body("https://till.example/logout"),
    )
    .await;
    let created = json_answer(created, StatusCode::CREATED).await;
    assert_eq!(
        created["backchannel_logout_uri"],
        "https://till.example/logout"
    );
    assert_eq!(created["backchannel_logout_session_required"], true);
}
