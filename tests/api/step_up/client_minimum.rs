//! The minimum level an administrator gives a client (decision 126): every authorization
//! of the client must reach it, whatever the request asks, at the authorization endpoint
//! and on the device page (RFC 8628); set from the command line, the
//! admin API and the console, never by a vendor, who may only state the app's own
//! `default_acr_values` (OpenID Connect Registration §2), a wish.

use farm_auth::accounts::admin::Actor;
use farm_auth::oauth2::client_metadata::NewClient;
use farm_auth::oauth2::initial_access::{self, Request};
use reqwest::{Method, StatusCode};
use serde_json::json;

use super::*;
use crate::support::{
    Cli, REDIRECT_URI, api_person, assert_one_line_error, assert_redirect_error, json_answer,
    send_json, signed_in, stdout_json,
};

/// A platform client for the code flow that needs `min_acr` for every authorization.
async fn strict_client(app: &TestApp, min_acr: &str) -> TestClient {
    app.register(NewClient {
        name: "Farm Bank".into(),
        redirect_uris: vec![REDIRECT_URI.into()],
        scope: Some(SCOPE.into()),
        min_acr: Some(min_acr.into()),
        ..Default::default()
    })
    .await
}

#[tokio::test]
async fn a_sign_in_below_the_minimum_is_asked_for_the_second_factor() {
    let app = TestApp::spawn().await;
    let (agent, _) = password_session(&app, true).await;
    let bank = strict_client(&app, TWO_FACTOR_ACR).await;
    // Nothing asked in the request: the client's minimum is enough.
    let landing = agent.navigate(&app.authorize_url(&bank, SCOPE, &[])).await;
    let landing = sign_in_again(&agent, landing).await;
    let back = agent.consent(landing, "allow").await.client();
    let claims = id_token_for(&app, &bank, &back).await;
    assert_eq!(claims["acr"], TWO_FACTOR_ACR);
    // The two-factor session now meets it at once, even when the request wishes for less.
    let url = app.authorize_url(&bank, SCOPE, &[("acr_values", PASSWORD_ACR)]);
    let back = agent.navigate(&url).await.client();
    assert_eq!(id_token_for(&app, &bank, &back).await["acr"], PASSWORD_ACR);
}

#[tokio::test]
async fn a_person_without_a_second_factor_cannot_use_a_client_that_needs_two() {
    let app = TestApp::spawn().await;
    let (agent, _) = password_session(&app, false).await;
    let bank = strict_client(&app, TWO_FACTOR_ACR).await;
    let back = agent
        .navigate(&app.authorize_url(&bank, SCOPE, &[]))
        .await
        .client();
    assert_redirect_error(&app, &back, "unmet_authentication_requirements");
    // Nor does signing in afresh help.
    let fresh = UserAgent::new(&app);
    let landing = fresh.navigate(&app.authorize_url(&bank, SCOPE, &[])).await;
    let back = sign_in_again(&fresh, landing).await.client();
    assert_redirect_error(&app, &back, "unmet_authentication_requirements");
}

#[tokio::test]
async fn the_minimum_is_set_from_the_command_line_and_must_be_a_level() {
    let cli = Cli::new().await;
    let created = stdout_json(&cli.run(
        &[
            "client",
            "create",
            "--name",
            "Farm Bank",
            "--redirect-uri",
            REDIRECT_URI,
            "--min-acr",
            PHISHING_RESISTANT_ACR,
            "--json",
        ],
        None,
    ));
    let id = created["client_id"].as_str().unwrap();
    let store = farm_auth::store::Store::connect(&cli.database.url)
        .await
        .unwrap();
    let stored = store.find_client(id).await.unwrap().unwrap();
    assert_eq!(stored.min_acr.as_deref(), Some(PHISHING_RESISTANT_ACR));
    let listed = stdout_json(&cli.run(&["client", "list", "--json"], None));
    assert_eq!(listed[0]["min_acr"], PHISHING_RESISTANT_ACR, "{listed}");
    for bad in ["gold", "PHR", ""] {
        let refused = cli.run(
            &[
                "client",
                "create",
                "--name",
                "Bad",
                "--min-acr",
                bad,
                "--json",
            ],
            None,
        );
        assert_one_line_error(&refused, "min_acr");
    }
}

#[tokio::test]
async fn the_admin_api_sets_shows_and_clears_the_minimum() {
    let app = TestApp::spawn().await;
    let scope = "openid account admin";
    let root = api_person(&app, "root", Role::Admin, scope, scope).await;
    let token = Some(root.token.as_str());
    let body = |min_acr: serde_json::Value| {
        json!({
            "client_name": "Farm Bank",
            "redirect_uris": ["https://bank.example/cb"],
            "min_acr": min_acr,
        })
    };
    let path = "/api/v1/admin/clients";
    let asked = body(json!(TWO_FACTOR_ACR));
    let created = send_json(&app, Method::POST, path, token, &asked).await;
    let created = json_answer(created, StatusCode::CREATED).await;
    assert_eq!(created["min_acr"], TWO_FACTOR_ACR);
    let id = created["client_id"].as_str().unwrap();

    let refused = send_json(&app, Method::POST, path, token, &body(json!("gold"))).await;
    let error = json_answer(refused, StatusCode::BAD_REQUEST).await;
    assert_eq!(error["error"], "invalid_client_metadata");

    let one = format!("{path}/{id}");
    let asked = body(json!(null));
    let cleared = send_json(&app, Method::PUT, &one, token, &asked).await;
    let cleared = json_answer(cleared, StatusCode::OK).await;
    assert_eq!(cleared["min_acr"], serde_json::Value::Null);
    let stored = app.store.find_client(id).await.unwrap().unwrap();
    assert_eq!(stored.min_acr, None);
}

#[tokio::test]
async fn a_vendor_states_default_acr_values_but_cannot_set_a_minimum() {
    let app = TestApp::spawn().await;
    let (agent, _) = password_session(&app, true).await;
    let request = Request {
        ttl_secs: None,
        uses: Some(1),
        vendor: Some("Acme".into()),
        farm: None,
        as_member: false,
    };
    let token = initial_access::issue(&app.state, Actor::CommandLine, request)
        .await
        .unwrap()
        .token;
    let body = json!({
        "client_name": "Acme Orders",
        "redirect_uris": [REDIRECT_URI],
        "scope": SCOPE,
        "default_acr_values": [TWO_FACTOR_ACR, "gold"],
        "min_acr": PHISHING_RESISTANT_ACR,
    });
    let response = app
        .http
        .post(app.endpoint("registration_endpoint").await)
        .bearer_auth(&token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let info = json_answer(response, StatusCode::CREATED).await;
    // Only the values this server states are kept (RFC 7591 §3.2.1).
    assert_eq!(info["default_acr_values"], json!([TWO_FACTOR_ACR]));
    let id = info["client_id"].as_str().unwrap().to_string();
    let stored = app.store.find_client(&id).await.unwrap().unwrap();
    assert_eq!(stored.min_acr, None);
    let vendor_app = TestClient {
        id,
        secret: info["client_secret"].as_str().unwrap().into(),
    };

    // The default is asked for when the request names no level.
    let landing = agent
        .navigate(&app.authorize_url(&vendor_app, SCOPE, &[]))
        .await;
    let landing = sign_in_again(&agent, landing).await;
    let back = agent.consent(landing, "allow").await.client();
    assert_eq!(
        id_token_for(&app, &vendor_app, &back).await["acr"],
        TWO_FACTOR_ACR
    );
}

/// A device-grant client (RFC 8628) that needs two factors, and a started device request:
/// the client, the user code the device shows and its device code.
async fn strict_device(app: &TestApp) -> (TestClient, String, String) {
    let tv = app
        .register(NewClient {
            name: "Barn Camera".into(),
            grant_types: vec!["urn:ietf:params:oauth:grant-type:device_code".into()],
            scope: Some(SCOPE.into()),
            min_acr: Some(TWO_FACTOR_ACR.into()),
            ..Default::default()
        })
        .await;
    let started = app
        .http
        .post(app.endpoint("device_authorization_endpoint").await)
        .basic_auth(&tv.id, Some(&tv.secret))
        .form(&[("scope", SCOPE)])
        .send()
        .await
        .unwrap();
    let started: serde_json::Value = started.json().await.unwrap();
    let code = |name: &str| started[name].as_str().unwrap().to_string();
    (tv, code("user_code"), code("device_code"))
}

/// Types `code` on the device page of `agent`'s browser.
async fn enter_device_code(agent: &UserAgent, code: &str) -> Landing {
    let (path, _, page) = agent.navigate("/device").await.page();
    assert_eq!(path, "/device");
    agent.submit(&page, "/device", &[("user_code", code)]).await
}

#[tokio::test]
async fn the_device_page_asks_for_the_second_factor_a_device_clients_minimum_needs() {
    let app = TestApp::spawn().await;
    let (agent, _) = password_session(&app, true).await;
    let (tv, code, device_code) = strict_device(&app).await;
    let landing = enter_device_code(&agent, &code).await;
    // Back to the login page, and from there to the device page with the code kept.
    let (path, _, page) = agent.log_in(landing, "ada", PASSWORD).await.page();
    assert!(path.starts_with("/device?user_code="), "{path}: {page}");
    let landing = agent
        .submit(&page, "/device", &[("user_code", &code)])
        .await;
    let (path, _, page) = landing.page();
    assert_eq!(path, "/device/confirm", "{page}");
    let (path, _, page) = agent
        .submit(&page, "/device/confirm", &[("decision", "allow")])
        .await
        .page();
    assert!(page.contains("Your device is connected"), "{path}: {page}");
    let form = [
        ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
        ("device_code", device_code.as_str()),
    ];
    let tokens = token_json(app.post_form("token_endpoint", Some(&tv), &form).await).await;
    let id_token = tokens["id_token"].as_str().unwrap();
    assert_eq!(
        app.verify_id_token(&tv, id_token).await["acr"],
        TWO_FACTOR_ACR
    );
}

#[tokio::test]
async fn the_device_page_refuses_a_person_who_cannot_reach_a_device_clients_minimum() {
    let app = TestApp::spawn().await;
    let (agent, _) = password_session(&app, false).await;
    let (_, code, _) = strict_device(&app).await;
    let (path, _, page) = enter_device_code(&agent, &code).await.page();
    assert_eq!(path, "/device");
    assert!(page.contains("needs a stronger sign-in"), "{page}");
    // Still waiting for someone who can approve it.
    let pending = app
        .store
        .find_pending_device_authorization(&code.replace('-', ""), app.clock.now())
        .await
        .unwrap();
    assert!(pending.is_some());
}

#[tokio::test]
async fn the_console_sets_the_minimum_and_shows_it_chosen() {
    let app = TestApp::spawn().await;
    app.person("olga", Role::Admin).await;
    let olga = signed_in(&app, "olga").await.agent;
    let client = app.web_client(SCOPE).await;
    let path = format!("/admin/clients/{}", client.id);
    let edit = |min_acr: &'static str| {
        [
            ("name", "Veggie Box"),
            ("redirect_uris", REDIRECT_URI),
            ("grant_authorization_code", "on"),
            ("scope", SCOPE),
            ("min_acr", min_acr),
        ]
    };
    let (_, _, page) = olga.navigate(&path).await.page();
    let (at, _, page) = olga
        .submit(&page, &path, &edit(TWO_FACTOR_ACR))
        .await
        .page();
    assert_eq!(at, path);
    assert!(page.contains("Veggie Box is saved."), "{page}");
    let chosen = format!(r#"<option value="{TWO_FACTOR_ACR}" selected>"#);
    assert!(page.contains(&chosen), "{page}");
    let stored = app.store.find_client(&client.id).await.unwrap().unwrap();
    assert_eq!(stored.min_acr.as_deref(), Some(TWO_FACTOR_ACR));

    // Not a level: nothing changes.
    let (_, _, page) = olga.submit(&page, &path, &edit("gold")).await.page();
    assert!(page.contains("min_acr must be one of"), "{page}");
    let stored = app.store.find_client(&client.id).await.unwrap().unwrap();
    assert_eq!(stored.min_acr.as_deref(), Some(TWO_FACTOR_ACR));
    // "none" clears it.
    let (_, _, page) = olga.submit(&page, &path, &edit("")).await.page();
    assert!(page.contains("Veggie Box is saved."), "{page}");
    let stored = app.store.find_client(&client.id).await.unwrap().unwrap();
    assert_eq!(stored.min_acr, None);
}
