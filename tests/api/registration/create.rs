//! Dynamic client registration (RFC 7591): it is advertised, a vendor registers confidential
//! and public clients and gets their client information, omitted metadata takes the RFC
//! defaults, unknown metadata is ignored.

use farm_auth::accounts::users::Role;
use farm_auth::secrets::hash_secret;
use reqwest::StatusCode;
use serde_json::{Value, json};

use super::*;
use crate::support::{
    REDIRECT_URI, TestApp, TestClient, UserAgent, VERIFIER, assert_oauth_error, captured_logs,
    code_from, token_json,
};

#[tokio::test]
async fn the_registration_endpoint_is_advertised_in_discovery() {
    let app = TestApp::spawn().await;
    let metadata = app.discovery().await;
    assert_eq!(
        metadata["registration_endpoint"],
        format!("{}/oauth2/register", app.issuer)
    );
}

#[tokio::test]
async fn a_vendor_registers_a_confidential_client_and_gets_its_client_information() {
    let app = TestApp::spawn().await;
    let token = initial_token(&app, 1, Some("Acme Produce")).await;
    assert_eq!(uses_left(&app, &token).await, Some(1));
    let body = json!({
        "client_name": "Acme Orders",
        "redirect_uris": [REDIRECT_URI, "http://127.0.0.1:8123/cb"],
        "post_logout_redirect_uris": ["https://rp.example/signed-out"],
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "token_endpoint_auth_method": "client_secret_post",
        "scope": "openid email offline_access",
    });
    let info = registered(&app, &token, &body).await;

    let id = info["client_id"].as_str().expect("client_id").to_string();
    let secret = info["client_secret"]
        .as_str()
        .expect("a secret")
        .to_string();
    let registration_token = info["registration_access_token"]
        .as_str()
        .expect("registration_access_token")
        .to_string();
    assert!(secret.len() >= 43, "256-bit secret: {secret}");
    assert!(registration_token.len() >= 43);
    assert_ne!(registration_token, token);
    assert_eq!(info["client_secret_expires_at"], 0);
    let issued_at = info["client_id_issued_at"].as_i64().expect("issued at");
    assert_eq!(issued_at, app.clock.now());
    assert_eq!(
        info["registration_client_uri"],
        format!("{}/oauth2/register/{id}", app.issuer)
    );
    assert_eq!(info["client_name"], "Acme Orders");
    assert_eq!(
        info["redirect_uris"],
        json!([REDIRECT_URI, "http://127.0.0.1:8123/cb"])
    );
    assert_eq!(
        info["post_logout_redirect_uris"],
        json!(["https://rp.example/signed-out"])
    );
    assert_eq!(
        info["grant_types"],
        json!(["authorization_code", "refresh_token"])
    );
    assert_eq!(info["response_types"], json!(["code"]));
    assert_eq!(info["token_endpoint_auth_method"], "client_secret_post");
    assert_eq!(info["scope"], "openid email offline_access");

    // Stored as sent, with hashes only, marked as the vendor's.
    let stored = app.store.find_client(&id).await.unwrap().expect("stored");
    assert_eq!(stored.name, "Acme Orders");
    assert_eq!(
        stored.secret_hash.as_deref(),
        Some(hash_secret(&secret).as_str())
    );
    assert_eq!(
        stored.registration_token_hash.as_deref(),
        Some(hash_secret(&registration_token).as_str())
    );
    assert_eq!(stored.vendor.as_deref(), Some("Acme Produce"));
    assert_eq!(stored.token_endpoint_auth_method, "client_secret_post");
    assert_eq!(stored.created_at, issued_at);
    assert_eq!(app.store.list_clients().await.unwrap().len(), 1);

    // The one use is spent: the token registers nothing more.
    assert_eq!(uses_left(&app, &token).await, Some(0));
    let before = snapshot(&app).await;
    assert_invalid_token(register(&app, Some(&token), &web_app("Again")).await).await;
    assert_eq!(snapshot(&app).await, before);

    // The secret works at the token endpoint the way it was registered (client_secret_post):
    // client_credentials is not its grant, so a known client is told so.
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", id.as_str()),
        ("client_secret", secret.as_str()),
    ];
    let response = app.post_form("token_endpoint", None, &form).await;
    assert_oauth_error(response, StatusCode::BAD_REQUEST, "unauthorized_client").await;

    // The trail says who registered what, and never holds a secret.
    let events = app.store.list_audit_events(None, 100).await.unwrap();
    let event = events
        .iter()
        .find(|e| e.event == "client.registered")
        .expect("client.registered in the trail");
    assert_eq!(event.outcome, "success");
    assert_eq!(event.client_id.as_deref(), Some(id.as_str()));
    assert!(
        event
            .detail
            .as_deref()
            .unwrap_or_default()
            .contains("Acme Produce"),
        "{event:?}"
    );
    for e in &events {
        let text = format!("{e:?}");
        for secret in [&token, &secret, &registration_token] {
            assert!(
                !text.contains(secret.as_str()),
                "a secret in the trail: {text}"
            );
        }
    }
    let logs = captured_logs();
    for secret in [&token, &secret, &registration_token] {
        assert!(!logs.contains(secret.as_str()), "a secret reached the logs");
    }
}

#[tokio::test]
async fn omitted_metadata_takes_the_rfc_7591_defaults() {
    let app = TestApp::spawn().await;
    let token = initial_token(&app, 1, None).await;
    let info = registered(
        &app,
        &token,
        &json!({"client_name": "Minimal", "redirect_uris": [REDIRECT_URI]}),
    )
    .await;
    assert_eq!(info["grant_types"], json!(["authorization_code"]));
    assert_eq!(info["response_types"], json!(["code"]));
    assert_eq!(info["token_endpoint_auth_method"], "client_secret_basic");
    assert_eq!(info["scope"], "openid");
    assert_eq!(info["post_logout_redirect_uris"], json!([]));
    assert!(info["client_secret"].is_string());
    assert_eq!(info["client_secret_expires_at"], 0);

    let client = test_client(&info);
    let stored = app.store.find_client(&client.id).await.unwrap().unwrap();
    assert_eq!(stored.grant_types, vec!["authorization_code"]);
    assert_eq!(stored.token_endpoint_auth_method, "client_secret_basic");
    assert_eq!(stored.vendor, None);

    // Basic authentication is what it was given: the client is known (unauthorized_client),
    // and a wrong secret is not (invalid_client).
    let response = app.client_credentials(&client, None).await;
    assert_oauth_error(response, StatusCode::BAD_REQUEST, "unauthorized_client").await;
    let wrong = TestClient {
        secret: "not-the-secret".into(),
        ..client
    };
    let response = app.client_credentials(&wrong, None).await;
    assert_oauth_error(response, StatusCode::UNAUTHORIZED, "invalid_client").await;
}

#[tokio::test]
async fn a_public_client_has_no_secret_and_signs_people_in_with_pkce() {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    let token = initial_token(&app, 1, Some("Pocket Apps")).await;
    let info = registered(
        &app,
        &token,
        &json!({
            "client_name": "Pocket Farm",
            "redirect_uris": [REDIRECT_URI],
            "token_endpoint_auth_method": "none",
            "scope": "openid profile",
        }),
    )
    .await;
    assert_eq!(info["token_endpoint_auth_method"], "none");
    assert!(info.get("client_secret").is_none(), "{info}");
    assert!(info.get("client_secret_expires_at").is_none(), "{info}");
    assert!(info["registration_access_token"].is_string());
    let client = test_client(&info);
    let stored = app.store.find_client(&client.id).await.unwrap().unwrap();
    assert_eq!(stored.secret_hash, None);
    assert_eq!(stored.token_endpoint_auth_method, "none");

    // Without PKCE the request is refused (at the provider: nobody is signed in yet); with
    // it, and no secret, the code gives tokens.
    let agent = UserAgent::new(&app);
    let no_pkce = app.authorize_url(
        &client,
        "openid profile",
        &[("code_challenge", ""), ("code_challenge_method", "")],
    );
    let (_, status, page) = agent.navigate(&no_pkce).await.page();
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("error=invalid_request"), "{page}");
    let (agent, page) = consent_page(&app, &client, "ada", "openid profile").await;
    assert!(page.contains("<strong>Pocket Apps</strong>"), "{page}");
    let back = allow(&agent, page).await;
    let code = code_from(&app, &back);
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT_URI),
        ("client_id", client.id.as_str()),
        ("code_verifier", VERIFIER),
    ];
    let tokens = token_json(app.post_form("token_endpoint", None, &form).await).await;
    let claims = app
        .verify_id_token(&client, tokens["id_token"].as_str().unwrap())
        .await;
    assert_eq!(claims["preferred_username"], "ada");
    assert_eq!(tokens["scope"], "openid profile");
}

#[tokio::test]
async fn loopback_http_redirect_uris_are_accepted() {
    let app = TestApp::spawn().await;
    let token = initial_token(&app, 1, None).await;
    let uris = json!([
        "http://127.0.0.1:8080/callback",
        "http://[::1]:8080/callback",
        "http://localhost:3000/callback",
        "http://127.0.0.1/callback",
    ]);
    let info = registered(
        &app,
        &token,
        &json!({"client_name": "Desktop", "redirect_uris": uris, "token_endpoint_auth_method": "none"}),
    )
    .await;
    assert_eq!(info["redirect_uris"], uris);
}

#[tokio::test]
async fn unknown_metadata_is_ignored() {
    let app = TestApp::spawn().await;
    let token = initial_token(&app, 1, None).await;
    let info = registered(
        &app,
        &token,
        &json!({
            "client_name": "Shop",
            "redirect_uris": [REDIRECT_URI],
            "logo_uri": "https://shop.example/logo.png",
            "software_id": "4NRB1-0XZABZI9E6-5SM3R",
            "software_version": 2,
            "contacts": ["ops@shop.example"],
            "jwks": {"keys": []},
            "client_secret": "chosen by the vendor",
        }),
    )
    .await;
    for ignored in ["logo_uri", "software_id", "contacts", "jwks"] {
        assert!(info.get(ignored).is_none(), "{ignored} echoed: {info}");
    }
    // A secret cannot be chosen by the vendor: the server makes one.
    assert_ne!(info["client_secret"], "chosen by the vendor");
    let stored = app
        .store
        .find_client(info["client_id"].as_str().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_ne!(
        stored.secret_hash.as_deref(),
        Some(hash_secret("chosen by the vendor").as_str())
    );
}

#[tokio::test]
async fn every_openid_scope_may_be_registered() {
    let app = TestApp::spawn().await;
    let token = initial_token(&app, 1, None).await;
    let info = registered(
        &app,
        &token,
        &json!({"client_name": "All", "redirect_uris": [REDIRECT_URI],
                "grant_types": ["authorization_code", "refresh_token"], "scope": VENDOR_SCOPES}),
    )
    .await;
    assert_eq!(info["scope"], VENDOR_SCOPES);
}

#[tokio::test]
async fn an_empty_grant_types_list_is_not_a_grant_the_vendor_never_asked_for() {
    // RFC 7591 §2: only an *omitted* grant_types takes the default (authorization_code),
    // which needs a redirect URI. An empty list asks for no grant at all; it must not be
    // turned into client_credentials, which this vendor never asked for.
    let app = TestApp::spawn().await;
    let token = initial_token(&app, 1, None).await;
    let before = snapshot(&app).await;
    for body in [
        json!({"client_name": "Nothing", "grant_types": []}),
        json!({"client_name": "Nothing", "grant_types": [], "response_types": []}),
    ] {
        let response = register(&app, Some(&token), &body).await;
        let status = response.status();
        let text = response.text().await.unwrap();
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body} answered {text}");
        let answer: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(answer["error"], "invalid_client_metadata", "{text}");
    }
    assert_eq!(snapshot(&app).await, before);
}
