//! Vendor apps: Dynamic Client Registration (RFC 7591) with initial access tokens, and its
//! management protocol (RFC 7592) with the registration access token. Registered clients
//! are then used for real: the code flow through the pages, the consent page's vendor note,
//! the token endpoint and introspection. Tokens are issued from the command line (here
//! through the library, as `farm-auth initial-access-token create` does), by administrators
//! through the admin API, and by farmers for their own company.
//!
//! Every refusal is checked against the database as well: no client stored, and the
//! initial access token's remaining uses unchanged.

use farm_auth::accounts::admin::{self, Actor};
use farm_auth::accounts::users::Role;
use farm_auth::oauth2::initial_access::{self, Request};
use farm_auth::secrets::hash_secret;
use farm_auth::store::clients::ClientRecord;
use farm_auth::store::initial_access_tokens::InitialAccessTokenRecord;
use reqwest::header::{CACHE_CONTROL, CONTENT_TYPE, WWW_AUTHENTICATE};
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{
    TestApp, TestClient, assert_oauth_error, captured_logs, initial_access_token_rows,
};
use crate::user_agent::{
    Landing, PASSWORD, REDIRECT_URI, UserAgent, VERIFIER, code_from, token_json,
};

/// Every scope a vendor may register (discovery's `scopes_supported`).
const VENDOR_SCOPES: &str = "openid profile email roles offline_access";

// ---------------------------------------------------------------------------------------
// Helpers

/// An initial access token issued as the command line issues it.
async fn initial_token(app: &TestApp, uses: i64, vendor: Option<&str>) -> String {
    initial_token_with(
        app,
        Request {
            ttl_secs: None,
            uses: Some(uses),
            vendor: vendor.map(str::to_string),
            own_company: false,
        },
    )
    .await
}

async fn initial_token_with(app: &TestApp, request: Request) -> String {
    initial_access::issue(&app.state, Actor::CommandLine, request)
        .await
        .expect("token issued")
        .token
}

/// `POST /oauth2/register` (found through discovery) with raw bytes as the JSON body.
async fn register_bytes(app: &TestApp, token: Option<&str>, body: Vec<u8>) -> Response {
    let mut request = app
        .http
        .post(app.endpoint("registration_endpoint").await)
        .header(CONTENT_TYPE, "application/json")
        .body(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap()
}

async fn register(app: &TestApp, token: Option<&str>, body: &Value) -> Response {
    register_bytes(app, token, body.to_string().into_bytes()).await
}

/// A JSON answer with `status`, `no-store` and `application/json`: its body.
async fn json_answer(response: Response, status: StatusCode) -> Value {
    let got = response.status();
    let cache = response.headers().get(CACHE_CONTROL).cloned();
    let kind = response.headers().get(CONTENT_TYPE).cloned();
    let text = response.text().await.unwrap();
    assert_eq!(got, status, "{text}");
    assert_eq!(cache.expect("Cache-Control"), "no-store", "{text}");
    assert_eq!(kind.expect("Content-Type"), "application/json", "{text}");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// A successful registration: the client information response.
async fn registered(app: &TestApp, token: &str, body: &Value) -> Value {
    json_answer(register(app, Some(token), body).await, StatusCode::CREATED).await
}

/// A confidential client for the code flow at [`REDIRECT_URI`].
fn web_app(name: &str) -> Value {
    json!({
        "client_name": name,
        "redirect_uris": [REDIRECT_URI],
        "grant_types": ["authorization_code", "refresh_token"],
        "scope": "openid profile offline_access",
    })
}

/// A confidential machine client (client credentials only) allowed `scope`.
fn machine_app(name: &str, scope: &str) -> Value {
    json!({
        "client_name": name,
        "grant_types": ["client_credentials"],
        "response_types": [],
        "scope": scope,
    })
}

/// The client as the tests' helpers use it.
fn test_client(information: &Value) -> TestClient {
    TestClient {
        id: information["client_id"].as_str().expect("client_id").into(),
        secret: information["client_secret"]
            .as_str()
            .unwrap_or_default()
            .into(),
    }
}

/// What the database holds about clients and initial access tokens.
#[derive(Debug, PartialEq)]
struct Snapshot {
    clients: Vec<ClientRecord>,
    tokens: Vec<InitialAccessTokenRecord>,
}

async fn snapshot(app: &TestApp) -> Snapshot {
    Snapshot {
        clients: app.store.list_clients().await.unwrap(),
        tokens: initial_access_token_rows(&app.database.url).await,
    }
}

/// The remaining uses of the initial access token `token` (`None`: no such row).
async fn uses_left(app: &TestApp, token: &str) -> Option<i64> {
    initial_access_token_rows(&app.database.url)
        .await
        .into_iter()
        .find(|row| row.token_hash == hash_secret(token))
        .map(|row| row.uses_left)
}

/// Where the registration client URI is, at this server.
fn at_server(app: &TestApp, uri: &str) -> String {
    let path = uri
        .strip_prefix(&app.issuer)
        .unwrap_or_else(|| panic!("{uri} is not under the issuer {}", app.issuer));
    app.url(path)
}

/// An RFC 7592 request to the registration client URI of `client_id`.
async fn manage(
    app: &TestApp,
    method: Method,
    client_id: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> Response {
    let uri = format!("{}/oauth2/register/{client_id}", app.issuer);
    let mut request = app.http.request(method, at_server(app, &uri));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request
            .header(CONTENT_TYPE, "application/json")
            .body(body.to_string());
    }
    request.send().await.unwrap()
}

/// The registration access token in a client information response from GET or PUT: a new
/// one (RFC 7592 §3), not the one `presented`.
fn new_registration_token(answer: &Value, presented: &str) -> String {
    let token = answer["registration_access_token"]
        .as_str()
        .unwrap_or_else(|| panic!("no registration_access_token: {answer}"))
        .to_string();
    assert!(token.len() >= 43, "256-bit token: {token}");
    assert_ne!(token, presented, "the registration token was not rotated");
    token
}

/// The hash of the client's registration access token, as stored.
async fn stored_registration_token_hash(app: &TestApp, client_id: &str) -> Option<String> {
    app.store
        .find_client(client_id)
        .await
        .unwrap()
        .expect("the client is stored")
        .registration_token_hash
}

/// A 401 without an error code: RFC 6750 §3.1, the request carried no token.
async fn assert_challenged_without_error(response: Response) {
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let challenge = response.headers()[WWW_AUTHENTICATE]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        challenge.starts_with("Bearer realm="),
        "challenge: {challenge}"
    );
    assert!(!challenge.contains("error"), "challenge: {challenge}");
    let body = response.text().await.unwrap();
    assert!(!body.contains("error"), "body: {body}");
}

/// A 401 `invalid_token`, with the error in the challenge too: the body.
async fn assert_invalid_token(response: Response) -> Value {
    let challenge = response
        .headers()
        .get(WWW_AUTHENTICATE)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let body = assert_oauth_error(response, StatusCode::UNAUTHORIZED, "invalid_token").await;
    assert!(
        challenge.starts_with("Bearer realm=") && challenge.contains("error=\"invalid_token\""),
        "challenge: {challenge}"
    );
    body
}

/// A person `username` with `role`, signed in to a platform app that asked for `scope`:
/// their id and the app's access token for them.
async fn person_token(app: &TestApp, username: &str, role: Role, scope: &str) -> (String, String) {
    let id = app.person(username, role).await;
    let client = app.web_client("openid account admin").await;
    let agent = UserAgent::new(app);
    let tokens = app
        .sign_in_for_tokens(&agent, &client, username, scope)
        .await;
    let token = tokens["access_token"].as_str().unwrap().to_string();
    (id, token)
}

async fn api_post(app: &TestApp, path: &str, token: Option<&str>, body: &Value) -> Response {
    let mut request = app
        .http
        .post(app.url(path))
        .header(CONTENT_TYPE, "application/json")
        .body(body.to_string());
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap()
}

async fn api_put(app: &TestApp, path: &str, token: &str, body: &Value) -> Response {
    app.http
        .put(app.url(path))
        .bearer_auth(token)
        .header(CONTENT_TYPE, "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap()
}

const ADMIN_TOKENS: &str = "/api/v1/admin/initial-access-tokens";
const MY_TOKENS: &str = "/api/v1/me/initial-access-tokens";

/// The code flow for `client` up to the consent page, as `username`: the browser and the
/// page's HTML.
async fn consent_page(
    app: &TestApp,
    client: &TestClient,
    username: &str,
    scope: &str,
) -> (UserAgent, String) {
    let agent = UserAgent::new(app);
    let landing = agent.navigate(&app.authorize_url(client, scope, &[])).await;
    let landing = agent.log_in(landing, username, PASSWORD).await;
    let (path, status, body) = landing.page();
    assert!(path.starts_with("/consent"), "not the consent page: {path}");
    assert_eq!(status, StatusCode::OK);
    (agent, body)
}

/// Allows on `page` (a consent page) and returns where the browser was sent.
async fn allow(agent: &UserAgent, page: String) -> url::Url {
    let landing = Landing::Page {
        path: "/consent".into(),
        status: StatusCode::OK,
        body: page,
    };
    agent.consent(landing, "allow").await.client()
}

// ---------------------------------------------------------------------------------------
// RFC 7591: registering

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

    // Without PKCE the request is refused; with it, and no secret, the code gives tokens.
    let agent = UserAgent::new(&app);
    let no_pkce = app.authorize_url(
        &client,
        "openid profile",
        &[("code_challenge", ""), ("code_challenge_method", "")],
    );
    let back = agent.navigate(&no_pkce).await.client();
    assert_eq!(
        Landing::param(&back, "error").as_deref(),
        Some("invalid_request")
    );
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

// ---------------------------------------------------------------------------------------
// RFC 7591: the initial access token

#[tokio::test]
async fn a_registration_without_a_token_is_challenged_without_an_error_code() {
    let app = TestApp::spawn().await;
    let token = initial_token(&app, 1, None).await;
    let before = snapshot(&app).await;
    assert_challenged_without_error(register(&app, None, &web_app("No token")).await).await;
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
            own_company: false,
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

// ---------------------------------------------------------------------------------------
// RFC 7591 §3.2.2: refused metadata spends nothing

/// Sends each body with a token of 1 use and asserts the refusal, and that nothing was
/// stored or spent.
async fn assert_all_refused(app: &TestApp, status: StatusCode, error: &str, bodies: &[Value]) {
    let token = initial_token(app, 1, None).await;
    let before = snapshot(app).await;
    for body in bodies {
        let response = register(app, Some(&token), body).await;
        let got = response.status();
        let text = response.text().await.unwrap();
        assert_eq!(got, status, "{body} answered {text}");
        let answer: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(answer["error"], error, "{body} answered {text}");
        assert!(answer["error_description"].is_string(), "{text}");
    }
    assert_eq!(snapshot(app).await, before, "something was stored or spent");
    assert_eq!(uses_left(app, &token).await, Some(1));
    // And the token still works for a good registration.
    registered(app, &token, &web_app("Good after all")).await;
    assert_eq!(uses_left(app, &token).await, Some(0));
}

#[tokio::test]
async fn bad_redirect_uris_are_invalid_redirect_uri() {
    let app = TestApp::spawn().await;
    let with = |uri: &str| json!({"client_name": "x", "redirect_uris": [uri]});
    let mut bodies: Vec<Value> = [
        "com.vegbox.app:/callback",  // private-use scheme: any app may claim it
        "com.vegbox.app://callback", //
        "http://shop.example/cb",    // plain http off loopback
        "http://192.168.1.10/cb",    //
        "http://localhost.shop.example/cb",
        "https://shop.example/cb#frag",
        "https://shop.example/cb#",
        "/callback",
        "callback",
        "",
        " https://shop.example/cb",
        "https://shop.example/cb ",
        "https://shop.example/c b",
        "https://shop.example/cb\n",
        "javascript:alert(1)",
        "data:text/html,hi",
        "file:///etc/passwd",
        "ftp://shop.example/cb",
    ]
    .iter()
    .map(|uri| with(uri))
    .collect();
    // A good one beside a bad one, and a bad post-logout URI.
    bodies.push(
        json!({"client_name": "x", "redirect_uris": [REDIRECT_URI, "http://shop.example/cb"]}),
    );
    bodies.push(json!({"client_name": "x", "redirect_uris": [REDIRECT_URI],
                       "post_logout_redirect_uris": ["com.vegbox.app:/bye"]}));
    bodies.push(json!({"client_name": "x", "redirect_uris": [REDIRECT_URI],
                       "post_logout_redirect_uris": ["http://shop.example/bye"]}));
    assert_all_refused(
        &app,
        StatusCode::BAD_REQUEST,
        "invalid_redirect_uri",
        &bodies,
    )
    .await;
}

#[tokio::test]
async fn bad_metadata_is_invalid_client_metadata() {
    let app = TestApp::spawn().await;
    let uris = json!([REDIRECT_URI]);
    let many: Vec<String> = (0..21)
        .map(|n| format!("https://rp.example/cb{n}"))
        .collect();
    let bodies = [
        // client_name is required, and a string.
        json!({"redirect_uris": uris}),
        json!({"client_name": null, "redirect_uris": uris}),
        json!({"client_name": "", "redirect_uris": uris}),
        json!({"client_name": "   ", "redirect_uris": uris}),
        json!({"client_name": 5, "redirect_uris": uris}),
        json!({"client_name": ["Shop"], "redirect_uris": uris}),
        json!({"client_name": "x".repeat(101), "redirect_uris": uris}),
        // Wrong JSON types.
        json!({"client_name": "x", "redirect_uris": REDIRECT_URI}),
        json!({"client_name": "x", "redirect_uris": [1]}),
        json!({"client_name": "x", "redirect_uris": uris, "grant_types": "authorization_code"}),
        json!({"client_name": "x", "redirect_uris": uris, "scope": ["openid"]}),
        json!({"client_name": "x", "redirect_uris": uris, "token_endpoint_auth_method": 1}),
        json!({"client_name": "x", "redirect_uris": uris, "post_logout_redirect_uris": {}}),
        // Unknown grant types, or ones vendors cannot have.
        json!({"client_name": "x", "redirect_uris": uris, "grant_types": ["password"]}),
        json!({"client_name": "x", "redirect_uris": uris, "grant_types": ["implicit"]}),
        json!({"client_name": "x", "redirect_uris": uris, "grant_types": ["refresh_token"]}),
        // Response types that do not fit the grant types (RFC 7591 §2.1).
        json!({"client_name": "x", "redirect_uris": uris, "response_types": ["token"]}),
        json!({"client_name": "x", "redirect_uris": uris, "response_types": ["code", "token"]}),
        json!({"client_name": "x", "redirect_uris": uris, "response_types": []}),
        json!({"client_name": "x", "grant_types": ["client_credentials"], "response_types": ["code"]}),
        // authorization_code (the default) needs a redirect URI.
        json!({"client_name": "x"}),
        // Methods the server does not support; a public client cannot use client_credentials.
        json!({"client_name": "x", "redirect_uris": uris, "token_endpoint_auth_method": "private_key_jwt"}),
        json!({"client_name": "x", "redirect_uris": uris, "token_endpoint_auth_method": "tls_client_auth"}),
        json!({"client_name": "x", "grant_types": ["client_credentials"], "response_types": [],
               "token_endpoint_auth_method": "none"}),
        // More than 20 entries.
        json!({"client_name": "x", "redirect_uris": many}),
        json!({"client_name": "x", "redirect_uris": uris, "post_logout_redirect_uris": many}),
        json!({"client_name": "x", "redirect_uris": uris,
               "grant_types": vec!["authorization_code"; 21]}),
        // Scopes beyond the OpenID Connect ones.
        json!({"client_name": "x", "redirect_uris": uris, "scope": "account"}),
        json!({"client_name": "x", "redirect_uris": uris, "scope": "openid account"}),
        json!({"client_name": "x", "redirect_uris": uris, "scope": "admin"}),
        json!({"client_name": "x", "redirect_uris": uris, "scope": "openid admin profile"}),
        json!({"client_name": "x", "redirect_uris": uris, "scope": "orders:write"}),
        json!({"client_name": "x", "redirect_uris": uris, "scope": "openid bad\"scope"}),
        json!({"client_name": "x", "grant_types": ["client_credentials"], "response_types": [],
               "scope": "account"}),
        json!({"client_name": "x", "grant_types": ["client_credentials"], "response_types": [],
               "scope": "admin"}),
        // Not an object.
        json!([]),
        json!([{"client_name": "x", "redirect_uris": uris}]),
        json!("client_name"),
        json!(null),
    ];
    assert_all_refused(
        &app,
        StatusCode::BAD_REQUEST,
        "invalid_client_metadata",
        &bodies,
    )
    .await;
}

#[tokio::test]
async fn a_body_that_is_not_json_is_invalid_client_metadata() {
    let app = TestApp::spawn().await;
    let token = initial_token(&app, 1, None).await;
    let before = snapshot(&app).await;
    for body in [
        &b"client_name=Shop&redirect_uris=https://rp.example/callback"[..],
        b"{\"client_name\": \"Shop\",",
        b"",
        b"\xff\xfe{}",
    ] {
        let response = register_bytes(&app, Some(&token), body.to_vec()).await;
        assert_oauth_error(response, StatusCode::BAD_REQUEST, "invalid_client_metadata").await;
    }
    assert_eq!(snapshot(&app).await, before);
    assert_eq!(uses_left(&app, &token).await, Some(1));
}

#[tokio::test]
async fn a_body_over_16_kib_is_refused_with_413_and_one_at_the_limit_is_read() {
    let app = TestApp::spawn().await;
    let token = initial_token(&app, 1, None).await;
    let sized = |size: usize| {
        let mut body = web_app("Padded");
        let base = body.to_string().len() + r#","padding":"""#.len();
        body["padding"] = json!("p".repeat(size - base));
        let bytes = body.to_string().into_bytes();
        assert_eq!(bytes.len(), size);
        bytes
    };
    let before = snapshot(&app).await;
    let response = register_bytes(&app, Some(&token), sized(16 * 1024 + 1)).await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(response.headers()[CACHE_CONTROL], "no-store");
    let response = register_bytes(&app, Some(&token), vec![b' '; 1024 * 1024]).await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(snapshot(&app).await, before);

    let response = register_bytes(&app, Some(&token), sized(16 * 1024)).await;
    json_answer(response, StatusCode::CREATED).await;
}

// ---------------------------------------------------------------------------------------
// RFC 7592: reading, changing and deleting a registration

#[tokio::test]
async fn the_registration_access_token_reads_the_current_registration() {
    let app = TestApp::spawn().await;
    let token = initial_token(&app, 1, None).await;
    let info = registered(&app, &token, &web_app("Reader")).await;
    let id = info["client_id"].as_str().unwrap();
    let registration_token = info["registration_access_token"].as_str().unwrap();

    // The registration client URI as given, reached at this server.
    let response = app
        .http
        .get(at_server(
            &app,
            info["registration_client_uri"].as_str().unwrap(),
        ))
        .bearer_auth(registration_token)
        .send()
        .await
        .unwrap();
    let read = json_answer(response, StatusCode::OK).await;
    assert!(read.get("client_secret").is_none(), "{read}");
    for field in [
        "client_id",
        "client_id_issued_at",
        "client_name",
        "redirect_uris",
        "post_logout_redirect_uris",
        "grant_types",
        "response_types",
        "token_endpoint_auth_method",
        "scope",
        "registration_client_uri",
    ] {
        assert_eq!(read[field], info[field], "{field}");
    }
    // RFC 7592 §3: the answer carries a new registration access token, and the one
    // presented stops working (§2.1: the client discards it); only the new one's hash is
    // kept.
    let rotated = new_registration_token(&read, registration_token);
    assert_eq!(
        stored_registration_token_hash(&app, id).await,
        Some(hash_secret(&rotated))
    );
    assert_invalid_token(manage(&app, Method::GET, id, Some(registration_token), None).await).await;
    let again = json_answer(
        manage(&app, Method::GET, id, Some(&rotated), None).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(again["client_name"], "Reader");
    let newest = new_registration_token(&again, &rotated);
    assert_invalid_token(manage(&app, Method::GET, id, Some(&rotated), None).await).await;
    // The initial access token does not manage the client.
    assert_invalid_token(manage(&app, Method::GET, id, Some(&token), None).await).await;
    assert_eq!(
        stored_registration_token_hash(&app, id).await,
        Some(hash_secret(&newest))
    );
}

#[tokio::test]
async fn every_read_and_update_rotates_the_registration_token_and_old_ones_manage_nothing() {
    let app = TestApp::spawn().await;
    let token = initial_token(&app, 1, Some("Acme")).await;
    let info = registered(&app, &token, &web_app("Rotating")).await;
    let id = info["client_id"].as_str().unwrap().to_string();
    let first = info["registration_access_token"]
        .as_str()
        .unwrap()
        .to_string();

    // GET: a new token.
    let read = json_answer(
        manage(&app, Method::GET, &id, Some(&first), None).await,
        StatusCode::OK,
    )
    .await;
    let second = new_registration_token(&read, &first);

    // PUT: a new token again, with the change.
    let mut body = web_app("Rotated");
    body["client_id"] = json!(id);
    let updated = json_answer(
        manage(&app, Method::PUT, &id, Some(&second), Some(&body)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(updated["client_name"], "Rotated");
    let third = new_registration_token(&updated, &second);
    assert_ne!(third, first);
    assert_eq!(
        stored_registration_token_hash(&app, &id).await,
        Some(hash_secret(&third))
    );

    // Every token given out before is spent, for every method, and changes nothing.
    let before = snapshot(&app).await;
    for old in [&first, &second] {
        for method in [Method::GET, Method::PUT, Method::DELETE] {
            let mut hijack = web_app("Hijacked");
            hijack["client_id"] = json!(id);
            let body = (method == Method::PUT).then_some(&hijack);
            let response = manage(&app, method, &id, Some(old), body).await;
            assert_invalid_token(response).await;
        }
    }
    assert_eq!(snapshot(&app).await, before);

    // DELETE with the newest: no token back, and the client is gone.
    let response = manage(&app, Method::DELETE, &id, Some(&third), None).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(response.text().await.unwrap(), "");
    assert_eq!(app.store.find_client(&id).await.unwrap(), None);
    assert_invalid_token(manage(&app, Method::GET, &id, Some(&third), None).await).await;

    // No registration token, old or new, reaches the trail or the logs.
    let events = format!(
        "{:?}",
        app.store.list_audit_events(None, 100).await.unwrap()
    );
    let logs = captured_logs();
    for secret in [&first, &second, &third] {
        assert!(!events.contains(secret.as_str()), "a token in the trail");
        assert!(!logs.contains(secret.as_str()), "a token reached the logs");
    }
}

#[tokio::test]
async fn two_requests_racing_with_one_registration_token_get_one_answer_and_one_401() {
    let app = TestApp::spawn().await;
    let token = initial_token(&app, 1, None).await;
    let info = registered(&app, &token, &web_app("Racer")).await;
    let id = info["client_id"].as_str().unwrap().to_string();
    let mut presented = info["registration_access_token"]
        .as_str()
        .unwrap()
        .to_string();
    for _ in 0..5 {
        let (a, b) = tokio::join!(
            manage(&app, Method::GET, &id, Some(&presented), None),
            manage(&app, Method::GET, &id, Some(&presented), None),
        );
        let mut answers = Vec::new();
        let mut refused = 0;
        for response in [a, b] {
            match response.status() {
                StatusCode::OK => answers.push(json_answer(response, StatusCode::OK).await),
                _ => {
                    assert_invalid_token(response).await;
                    refused += 1;
                }
            }
        }
        assert_eq!((answers.len(), refused), (1, 1), "{answers:?}");
        // The winner's token is the client's; the presented one is spent.
        let winner = new_registration_token(&answers[0], &presented);
        assert_eq!(
            stored_registration_token_hash(&app, &id).await,
            Some(hash_secret(&winner))
        );
        assert_invalid_token(manage(&app, Method::GET, &id, Some(&presented), None).await).await;
        presented = winner;
    }
}

#[tokio::test]
async fn two_updates_racing_with_one_registration_token_store_only_the_winners_change() {
    let app = TestApp::spawn().await;
    let token = initial_token(&app, 1, None).await;
    let info = registered(&app, &token, &web_app("Racer")).await;
    let id = info["client_id"].as_str().unwrap().to_string();
    let mut presented = info["registration_access_token"]
        .as_str()
        .unwrap()
        .to_string();
    for round in 0..10 {
        let body = |name: &str| {
            json!({"client_id": id, "client_name": name,
                   "redirect_uris": ["https://racer.example/cb"]})
        };
        let (left, right) = (
            body(&format!("Left {round}")),
            body(&format!("Right {round}")),
        );
        let (a, b) = tokio::join!(
            manage(&app, Method::PUT, &id, Some(&presented), Some(&left)),
            manage(&app, Method::PUT, &id, Some(&presented), Some(&right)),
        );
        let mut winners = Vec::new();
        for response in [a, b] {
            match response.status() {
                StatusCode::OK => winners.push(json_answer(response, StatusCode::OK).await),
                _ => {
                    assert_invalid_token(response).await;
                }
            }
        }
        assert_eq!(winners.len(), 1, "{winners:?}");
        let winner = &winners[0];
        // What is stored is the winner's change, never the refused one's.
        let stored = app.store.find_client(&id).await.unwrap().unwrap();
        assert_eq!(stored.name, winner["client_name"].as_str().unwrap());
        presented = new_registration_token(winner, &presented);
    }
}

#[tokio::test]
async fn put_replaces_the_metadata_and_omitted_fields_go_back_to_their_defaults() {
    let app = TestApp::spawn().await;
    let token = initial_token(&app, 1, Some("Acme")).await;
    let info = registered(
        &app,
        &token,
        &json!({
            "client_name": "Before",
            "redirect_uris": [REDIRECT_URI],
            "post_logout_redirect_uris": ["https://rp.example/signed-out"],
            "grant_types": ["authorization_code", "refresh_token"],
            "token_endpoint_auth_method": "client_secret_post",
            "scope": "openid email offline_access",
        }),
    )
    .await;
    let client = test_client(&info);
    let registration_token = info["registration_access_token"].as_str().unwrap();
    let before = app.store.find_client(&client.id).await.unwrap().unwrap();

    app.clock.advance(10);
    let new_uri = "https://rp.example/other-callback";
    let body = json!({
        "client_id": client.id,
        "client_name": "After",
        "redirect_uris": [new_uri],
    });
    let response = manage(
        &app,
        Method::PUT,
        &client.id,
        Some(registration_token),
        Some(&body),
    )
    .await;
    let updated = json_answer(response, StatusCode::OK).await;
    assert_eq!(updated["client_id"], client.id.as_str());
    assert_eq!(updated["client_name"], "After");
    assert_eq!(updated["redirect_uris"], json!([new_uri]));
    assert_eq!(updated["post_logout_redirect_uris"], json!([]));
    assert_eq!(updated["grant_types"], json!(["authorization_code"]));
    assert_eq!(updated["response_types"], json!(["code"]));
    assert_eq!(updated["token_endpoint_auth_method"], "client_secret_basic");
    assert_eq!(updated["scope"], "openid");
    assert_eq!(updated["client_id_issued_at"], info["client_id_issued_at"]);
    assert!(updated.get("client_secret").is_none(), "{updated}");
    // RFC 7592 §3: a new registration token, which replaces the one presented.
    let rotated = new_registration_token(&updated, registration_token);

    // Stored: id, secret, creation and vendor stay; the registration token is the new one.
    let after = app.store.find_client(&client.id).await.unwrap().unwrap();
    assert_eq!(after.name, "After");
    assert_eq!(after.redirect_uris, vec![new_uri]);
    assert_eq!(after.grant_types, vec!["authorization_code"]);
    assert_eq!(after.token_endpoint_auth_method, "client_secret_basic");
    assert_eq!(after.scope, "openid");
    assert_eq!(after.secret_hash, before.secret_hash);
    assert_eq!(after.created_at, before.created_at);
    assert_eq!(after.vendor.as_deref(), Some("Acme"));
    assert_eq!(
        before.registration_token_hash.as_deref(),
        Some(hash_secret(registration_token).as_str())
    );
    assert_eq!(
        after.registration_token_hash.as_deref(),
        Some(hash_secret(&rotated).as_str())
    );
    assert_eq!(after.updated_at, before.updated_at + 10);
    assert_invalid_token(
        manage(
            &app,
            Method::GET,
            &client.id,
            Some(registration_token),
            None,
        )
        .await,
    )
    .await;

    // The same secret now authenticates with Basic, and no longer in the form.
    let response = app.client_credentials(&client, None).await;
    assert_oauth_error(response, StatusCode::BAD_REQUEST, "unauthorized_client").await;
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", client.id.as_str()),
        ("client_secret", client.secret.as_str()),
    ];
    let response = app.post_form("token_endpoint", None, &form).await;
    assert_oauth_error(response, StatusCode::UNAUTHORIZED, "invalid_client").await;

    // GET (with the new token) shows the change, and the old redirect URI is no longer the
    // client's.
    let read = json_answer(
        manage(&app, Method::GET, &client.id, Some(&rotated), None).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(read["client_name"], "After");
    new_registration_token(&read, &rotated);
    let agent = UserAgent::new(&app);
    let (_, status, _) = agent
        .navigate(&app.authorize_url(&client, "openid", &[]))
        .await
        .page();
    assert_eq!(status, StatusCode::BAD_REQUEST, "old redirect URI accepted");
}

#[tokio::test]
async fn what_get_returns_can_be_put_back_unchanged() {
    // What a vendor's tooling does: read the registration, change a field, send it all back
    // (read-only fields included, which the server ignores).
    let app = TestApp::spawn().await;
    let token = initial_token(&app, 2, None).await;
    for body in [
        json!({"client_name": "Round trip", "redirect_uris": [REDIRECT_URI],
               "post_logout_redirect_uris": ["https://rp.example/signed-out"],
               "grant_types": ["authorization_code", "refresh_token"],
               "token_endpoint_auth_method": "client_secret_post",
               "scope": "openid email offline_access"}),
        machine_app("Round trip bot", ""),
    ] {
        let info = registered(&app, &token, &body).await;
        let id = info["client_id"].as_str().unwrap();
        let registration_token = info["registration_access_token"].as_str().unwrap();
        let before = app.store.find_client(id).await.unwrap().unwrap();
        let mut read = json_answer(
            manage(&app, Method::GET, id, Some(registration_token), None).await,
            StatusCode::OK,
        )
        .await;
        // The token to use next comes with the answer, and goes back with the rest of it
        // (a read-only field the server ignores).
        let read_token = new_registration_token(&read, registration_token);
        read["client_name"] = json!("Renamed");
        let response = manage(&app, Method::PUT, id, Some(&read_token), Some(&read)).await;
        let mut updated = json_answer(response, StatusCode::OK).await;
        let updated_token = new_registration_token(&updated, &read_token);
        // The same metadata back, with another new token.
        for answer in [&mut updated, &mut read] {
            answer
                .as_object_mut()
                .unwrap()
                .remove("registration_access_token");
        }
        assert_eq!(updated, read);
        let after = app.store.find_client(id).await.unwrap().unwrap();
        assert_eq!(
            after,
            ClientRecord {
                name: "Renamed".into(),
                updated_at: after.updated_at,
                registration_token_hash: Some(hash_secret(&updated_token)),
                ..before
            }
        );
    }
}

#[tokio::test]
async fn put_needs_the_clients_own_id_and_a_secret_it_carries_must_be_the_clients() {
    let app = TestApp::spawn().await;
    let token = initial_token(&app, 2, None).await;
    let info = registered(&app, &token, &web_app("Mine")).await;
    let other = registered(&app, &token, &web_app("Other")).await;
    let client = test_client(&info);
    let registration_token = info["registration_access_token"].as_str().unwrap();
    let with = |extra: Value| {
        let mut body = web_app("Changed");
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        body
    };
    let before = snapshot(&app).await;
    for body in [
        with(json!({})),
        with(json!({"client_id": null})),
        with(json!({"client_id": other["client_id"]})),
        with(json!({"client_id": "no-such-client"})),
        with(json!({"client_id": client.id, "client_secret": other["client_secret"]})),
        with(json!({"client_id": client.id, "client_secret": "wrong"})),
        with(json!({"client_id": client.id, "client_secret": 5})),
    ] {
        let response = manage(
            &app,
            Method::PUT,
            &client.id,
            Some(registration_token),
            Some(&body),
        )
        .await;
        let status = response.status();
        let answer: Value = response.json().await.unwrap();
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {answer}");
        // RFC 7592 §2.2 names no code for this; either of RFC 6749's and RFC 7591's fits.
        assert!(
            answer["error"] == "invalid_request" || answer["error"] == "invalid_client_metadata",
            "{body}: {answer}"
        );
    }
    // Refused, so nothing was rotated either: the token presented still works.
    assert_eq!(snapshot(&app).await, before);

    let body = with(json!({"client_id": client.id, "client_secret": client.secret}));
    let response = manage(
        &app,
        Method::PUT,
        &client.id,
        Some(registration_token),
        Some(&body),
    )
    .await;
    let updated = json_answer(response, StatusCode::OK).await;
    assert_eq!(updated["client_name"], "Changed");
    new_registration_token(&updated, registration_token);
}

#[tokio::test]
async fn put_cannot_raise_scopes_beyond_the_vendor_limits_nor_loosen_redirects() {
    let app = TestApp::spawn().await;
    let token = initial_token(&app, 1, None).await;
    let info = registered(&app, &token, &web_app("Climber")).await;
    let id = info["client_id"].as_str().unwrap();
    let registration_token = info["registration_access_token"].as_str().unwrap();
    let before = snapshot(&app).await;
    let body = |scope: &str, uri: &str| {
        json!({"client_id": id, "client_name": "Climber", "redirect_uris": [uri],
               "grant_types": ["authorization_code", "refresh_token"], "scope": scope})
    };
    for scope in ["openid account", "admin", "openid profile orders:write"] {
        let response = manage(
            &app,
            Method::PUT,
            id,
            Some(registration_token),
            Some(&body(scope, REDIRECT_URI)),
        )
        .await;
        assert_oauth_error(response, StatusCode::BAD_REQUEST, "invalid_client_metadata").await;
    }
    for uri in ["com.climber.app:/cb", "http://rp.example/cb"] {
        let response = manage(
            &app,
            Method::PUT,
            id,
            Some(registration_token),
            Some(&body("openid", uri)),
        )
        .await;
        assert_oauth_error(response, StatusCode::BAD_REQUEST, "invalid_redirect_uri").await;
    }
    let client_credentials = json!({"client_id": id, "client_name": "Climber",
        "grant_types": ["client_credentials"], "response_types": [], "scope": "account"});
    let response = manage(
        &app,
        Method::PUT,
        id,
        Some(registration_token),
        Some(&client_credentials),
    )
    .await;
    assert_oauth_error(response, StatusCode::BAD_REQUEST, "invalid_client_metadata").await;
    // A refused PUT rotates nothing: the stored hash is the presented token's, which still
    // reads the registration.
    assert_eq!(snapshot(&app).await, before);
    assert_eq!(
        stored_registration_token_hash(&app, id).await,
        Some(hash_secret(registration_token))
    );
    let read = json_answer(
        manage(&app, Method::GET, id, Some(registration_token), None).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(read["scope"], "openid profile offline_access");
}

#[tokio::test]
async fn a_client_stays_public_or_confidential_across_updates() {
    let app = TestApp::spawn().await;
    let token = initial_token(&app, 2, None).await;
    let public = registered(
        &app,
        &token,
        &json!({"client_name": "Phone", "redirect_uris": [REDIRECT_URI],
                "token_endpoint_auth_method": "none"}),
    )
    .await;
    let public_id = public["client_id"].as_str().unwrap();
    let public_token = public["registration_access_token"].as_str().unwrap();

    // Leaving the method out keeps it public (no secret appears).
    let body =
        json!({"client_id": public_id, "client_name": "Phone 2", "redirect_uris": [REDIRECT_URI]});
    let response = manage(
        &app,
        Method::PUT,
        public_id,
        Some(public_token),
        Some(&body),
    )
    .await;
    let updated = json_answer(response, StatusCode::OK).await;
    assert_eq!(updated["token_endpoint_auth_method"], "none");
    assert!(updated.get("client_secret").is_none());
    let stored = app.store.find_client(public_id).await.unwrap().unwrap();
    assert_eq!(stored.secret_hash, None);
    assert_eq!(stored.token_endpoint_auth_method, "none");
    // From here on, the token that answer carried (RFC 7592 §3).
    let public_token = new_registration_token(&updated, public_token);
    assert_eq!(
        stored.registration_token_hash,
        Some(hash_secret(&public_token))
    );

    // Asking to become confidential is refused, with the current token (and it stays
    // current: a refused PUT rotates nothing).
    let before = snapshot(&app).await;
    for method in ["client_secret_basic", "client_secret_post"] {
        let body = json!({"client_id": public_id, "client_name": "Phone", "redirect_uris": [REDIRECT_URI],
                          "token_endpoint_auth_method": method});
        let response = manage(
            &app,
            Method::PUT,
            public_id,
            Some(&public_token),
            Some(&body),
        )
        .await;
        assert_oauth_error(response, StatusCode::BAD_REQUEST, "invalid_client_metadata").await;
    }

    // And a confidential client cannot become public.
    let confidential = registered(&app, &token, &web_app("Server")).await;
    let id = confidential["client_id"].as_str().unwrap();
    let registration_token = confidential["registration_access_token"].as_str().unwrap();
    let before_confidential = app.store.find_client(id).await.unwrap();
    let body = json!({"client_id": id, "client_name": "Server", "redirect_uris": [REDIRECT_URI],
                      "token_endpoint_auth_method": "none"});
    let response = manage(&app, Method::PUT, id, Some(registration_token), Some(&body)).await;
    assert_oauth_error(response, StatusCode::BAD_REQUEST, "invalid_client_metadata").await;
    assert_eq!(
        app.store.find_client(id).await.unwrap(),
        before_confidential
    );
    assert_eq!(
        app.store.find_client(public_id).await.unwrap().as_ref(),
        before.clients.iter().find(|c| c.client_id == public_id)
    );
    // Both tokens presented to the refused PUTs still work.
    for (id, token) in [(public_id, public_token.as_str()), (id, registration_token)] {
        let response = manage(&app, Method::GET, id, Some(token), None).await;
        let read = json_answer(response, StatusCode::OK).await;
        new_registration_token(&read, token);
    }
}

#[tokio::test]
async fn delete_removes_the_client_and_its_tokens_stop_working() {
    let app = TestApp::spawn().await;
    let token = initial_token(&app, 1, None).await;
    let info = registered(&app, &token, &machine_app("Bot", "profile email")).await;
    let client = test_client(&info);
    let registration_token = info["registration_access_token"].as_str().unwrap();
    let access = app.access_token(&client, None).await;
    let resource_server = app.machine_client("").await;
    assert_eq!(
        app.introspect(&resource_server, &access).await["active"],
        true
    );

    let response = manage(
        &app,
        Method::DELETE,
        &client.id,
        Some(registration_token),
        None,
    )
    .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(response.text().await.unwrap(), "");

    assert_eq!(app.store.find_client(&client.id).await.unwrap(), None);
    assert_eq!(
        app.store.list_clients().await.unwrap().len(),
        1,
        "only the resource server"
    );
    let response = app.client_credentials(&client, None).await;
    assert_oauth_error(response, StatusCode::UNAUTHORIZED, "invalid_client").await;
    assert_eq!(
        app.introspect(&resource_server, &access).await,
        json!({"active": false})
    );
    // The registration token went with the client.
    for method in [Method::GET, Method::DELETE] {
        let response = manage(&app, method, &client.id, Some(registration_token), None).await;
        assert_invalid_token(response).await;
    }
    let events = app.store.list_audit_events(None, 50).await.unwrap();
    assert!(
        events
            .iter()
            .any(|e| e.event == "client.deleted" && e.client_id.as_deref() == Some(&client.id)),
        "{events:?}"
    );
}

#[tokio::test]
async fn wrong_tokens_and_unknown_clients_all_get_the_same_401() {
    let app = TestApp::spawn().await;
    let token = initial_token(&app, 2, None).await;
    let mine = registered(&app, &token, &web_app("Mine")).await;
    let theirs = registered(&app, &token, &web_app("Theirs")).await;
    let platform = app.web_client("openid").await;
    let id = mine["client_id"].as_str().unwrap();
    let my_token = mine["registration_access_token"].as_str().unwrap();
    let their_id = theirs["client_id"].as_str().unwrap();
    let their_token = theirs["registration_access_token"].as_str().unwrap();
    let my_secret = mine["client_secret"].as_str().unwrap();
    let before = snapshot(&app).await;

    let long_id = "a".repeat(300);
    let cases: Vec<(&str, &str)> = vec![
        // Another client's registration token, a made-up one, the client secret, the
        // initial access token; an unknown client; the platform's own client, which has
        // no registration token; an id too long to be one.
        (id, their_token),
        (their_id, my_token),
        (id, "wrong"),
        (id, my_secret),
        (id, token.as_str()),
        ("no-such-client", my_token),
        (platform.id.as_str(), my_token),
        (platform.id.as_str(), platform.secret.as_str()),
        (long_id.as_str(), my_token),
    ];
    let mut answers = Vec::new();
    for (client_id, bearer) in cases {
        for method in [Method::GET, Method::PUT, Method::DELETE] {
            let body = json!({"client_id": client_id, "client_name": "Hijacked",
                              "redirect_uris": [REDIRECT_URI]});
            let body = (method == Method::PUT).then_some(&body);
            let response = manage(&app, method.clone(), client_id, Some(bearer), body).await;
            answers.push(assert_invalid_token(response).await);
        }
    }
    assert!(
        answers.windows(2).all(|w| w[0] == w[1]),
        "answers differ: {answers:?}"
    );
    for method in [Method::GET, Method::PUT, Method::DELETE] {
        assert_challenged_without_error(manage(&app, method, id, None, None).await).await;
    }
    assert_eq!(snapshot(&app).await, before);
}

// ---------------------------------------------------------------------------------------
// Vendor clients for real

#[tokio::test]
async fn a_vendor_client_signs_a_person_in_and_the_consent_page_names_the_vendor() {
    let app = TestApp::spawn().await;
    app.person("marigold", Role::Consumer).await;
    let token = initial_token(&app, 1, Some("Acme Produce Ltd")).await;
    let info = registered(&app, &token, &web_app("Acme Orders")).await;
    let client = test_client(&info);
    let scope = "openid profile offline_access";

    let (agent, page) = consent_page(&app, &client, "marigold", scope).await;
    assert!(page.contains("Acme Orders"), "{page}");
    assert!(page.contains("is made by"), "no vendor note: {page}");
    assert!(page.contains("<strong>Acme Produce Ltd</strong>"), "{page}");
    assert!(!page.contains("an outside developer"), "{page}");
    let back = allow(&agent, page).await;
    let code = code_from(&app, &back);
    let tokens = token_json(app.exchange_code(&client, &code).await).await;
    assert_eq!(tokens["scope"], scope);
    let claims = app
        .verify_id_token(&client, tokens["id_token"].as_str().unwrap())
        .await;
    assert_eq!(claims["preferred_username"], "marigold");
    let access = app
        .verify_like_a_resource_server(tokens["access_token"].as_str().unwrap())
        .await
        .unwrap();
    assert_eq!(access["client_id"], client.id.as_str());
    // The refresh token works for it too.
    let refreshed = app
        .refresh(&client, tokens["refresh_token"].as_str().unwrap(), None)
        .await;
    token_json(refreshed).await;
}

#[tokio::test]
async fn an_unnamed_vendor_is_an_outside_developer_on_the_consent_page() {
    let app = TestApp::spawn().await;
    app.person("marigold", Role::Consumer).await;
    let token = initial_token(&app, 1, None).await;
    let client = test_client(&registered(&app, &token, &web_app("Mystery App")).await);
    let (_, page) = consent_page(&app, &client, "marigold", "openid").await;
    assert!(page.contains("is made by"), "no vendor note: {page}");
    assert!(page.contains("an outside developer"), "{page}");
}

#[tokio::test]
async fn a_vendor_name_is_shown_escaped() {
    let app = TestApp::spawn().await;
    app.person("marigold", Role::Consumer).await;
    let token = initial_token(&app, 1, Some("Fields & Sons <b>x</b>")).await;
    let client = test_client(&registered(&app, &token, &web_app("Fields")).await);
    let (_, page) = consent_page(&app, &client, "marigold", "openid").await;
    assert!(page.contains("is made by"), "{page}");
    assert!(!page.contains("<b>x</b>"), "unescaped: {page}");
    assert!(
        page.contains("Fields &#38; Sons &#60;b&#62;")
            || page.contains("Fields &amp; Sons &lt;b&gt;"),
        "{page}"
    );
}

#[tokio::test]
async fn the_platforms_own_clients_show_no_vendor_note() {
    let app = TestApp::spawn().await;
    app.person("marigold", Role::Consumer).await;
    let client = app.web_client("openid profile").await;
    let (_, page) = consent_page(&app, &client, "marigold", "openid profile").await;
    assert!(!page.contains("is made by"), "{page}");
    assert!(!page.contains("vendor-note"), "{page}");
    assert!(!page.contains("outside"), "{page}");
}

#[tokio::test]
async fn a_vendor_machine_client_cannot_obtain_the_account_or_admin_scope() {
    let app = TestApp::spawn().await;
    let token = initial_token(&app, 1, None).await;
    let info = registered(&app, &token, &machine_app("Bot", "profile")).await;
    let bot = test_client(&info);
    for scope in [
        "account",
        "admin",
        "profile account",
        "admin profile",
        "orders:read",
    ] {
        let response = app.client_credentials(&bot, Some(scope)).await;
        assert_oauth_error(response, StatusCode::BAD_REQUEST, "invalid_scope").await;
    }
    // What it gets opens neither API.
    let access = app.access_token(&bot, None).await;
    let claims = app.verify_like_a_resource_server(&access).await.unwrap();
    // `profile` needs a person: a client's own token carries no scope at all.
    assert_eq!(claims["scope"].as_str().unwrap_or_default(), "", "{claims}");
    let signup = json!({"username": "vendor_made", "email": "v@farm.example",
                        "password": "potatoes grow underground"});
    for path in ["/api/v1/users", MY_TOKENS, ADMIN_TOKENS] {
        let response = api_post(&app, path, Some(&access), &signup).await;
        assert_oauth_error(response, StatusCode::FORBIDDEN, "insufficient_scope").await;
    }
    assert!(
        app.store
            .find_user_by_username("vendor_made")
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn a_vendor_web_client_cannot_get_the_account_or_admin_scope_for_a_person() {
    let app = TestApp::spawn().await;
    app.person("root", Role::Admin).await;
    let token = initial_token(&app, 1, None).await;
    let client = test_client(&registered(&app, &token, &web_app("Shop")).await);

    // Only scopes it may not have: refused at the client.
    let agent = UserAgent::new(&app);
    let back = agent
        .navigate(&app.authorize_url(&client, "admin account", &[]))
        .await
        .client();
    crate::user_agent::assert_redirect_error(&app, &back, "invalid_scope");

    // Beside one it may have (RFC 6749 §3.3): left out, and the token opens neither API.
    let scope = "openid account admin";
    let (agent, page) = consent_page(&app, &client, "root", scope).await;
    assert!(!page.contains("Manage how you sign in"), "{page}");
    assert!(!page.contains("Administer the platform"), "{page}");
    let back = allow(&agent, page).await;
    let code = code_from(&app, &back);
    let tokens = token_json(app.exchange_code(&client, &code).await).await;
    assert_eq!(tokens["scope"], "openid");
    let access = tokens["access_token"].as_str().unwrap();
    let claims = app.verify_like_a_resource_server(access).await.unwrap();
    assert_eq!(claims["scope"], "openid");
    let response = app
        .http
        .get(app.url("/api/v1/me"))
        .bearer_auth(access)
        .send()
        .await
        .unwrap();
    assert_oauth_error(response, StatusCode::FORBIDDEN, "insufficient_scope").await;
    let response = api_post(&app, ADMIN_TOKENS, Some(access), &json!({})).await;
    assert_oauth_error(response, StatusCode::FORBIDDEN, "insufficient_scope").await;
    assert!(initial_access_token_rows(&app.database.url).await.len() == 1);
}

// ---------------------------------------------------------------------------------------
// Who vouches for a token

#[tokio::test]
async fn a_farmers_token_stops_working_when_they_lose_the_role_or_are_locked() {
    let app = TestApp::spawn().await;
    let (farmer_id, person_token) =
        person_token(&app, "marigold", Role::Farmer, "openid account").await;
    let issued = json_answer(
        api_post(&app, MY_TOKENS, Some(&person_token), &json!({"uses": 5})).await,
        StatusCode::CREATED,
    )
    .await;
    let token = issued["token"].as_str().unwrap().to_string();
    registered(&app, &token, &web_app("First")).await;

    let farmer = || async {
        app.store
            .find_user_by_id(&farmer_id)
            .await
            .unwrap()
            .unwrap()
    };
    admin::set_roles(
        &app.state,
        &farmer().await,
        &["consumer"],
        Actor::CommandLine,
    )
    .await
    .unwrap();
    let before = snapshot(&app).await;
    assert_invalid_token(register(&app, Some(&token), &web_app("Demoted")).await).await;
    assert_eq!(snapshot(&app).await, before, "nothing stored, no use spent");
    assert_eq!(uses_left(&app, &token).await, Some(4));

    // The role back, the token works again: it was the role.
    admin::set_roles(&app.state, &farmer().await, &["farmer"], Actor::CommandLine)
        .await
        .unwrap();
    registered(&app, &token, &web_app("Restored")).await;

    admin::lock(&app.state, &farmer().await, "fraud", Actor::CommandLine)
        .await
        .unwrap();
    let before = snapshot(&app).await;
    assert_invalid_token(register(&app, Some(&token), &web_app("Locked")).await).await;
    assert_eq!(snapshot(&app).await, before);
    assert_eq!(uses_left(&app, &token).await, Some(3));
}

// ---------------------------------------------------------------------------------------
// Issuing tokens through the API

#[tokio::test]
async fn an_administrator_issues_tokens_through_the_admin_api() {
    let app = TestApp::spawn().await;
    let (admin_id, admin_token) = person_token(&app, "root", Role::Admin, "openid admin").await;

    let response = api_post(
        &app,
        ADMIN_TOKENS,
        Some(&admin_token),
        &json!({"ttl": 3600, "uses": 2, "vendor": "Acme Produce"}),
    )
    .await;
    let issued = json_answer(response, StatusCode::CREATED).await;
    let token = issued["token"].as_str().expect("token").to_string();
    assert!(token.len() >= 43, "256 bits: {token}");
    assert_eq!(issued["expires_at"], app.clock.now() + 3600);
    assert_eq!(issued["uses"], 2);
    assert_eq!(issued["vendor"], "Acme Produce");

    let defaults = json_answer(
        api_post(&app, ADMIN_TOKENS, Some(&admin_token), &json!({})).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(defaults["uses"], 1);
    assert_eq!(defaults["expires_at"], app.clock.now() + 86_400);
    assert_eq!(defaults["vendor"], Value::Null);

    // Stored hashed, with who issued it and for whom.
    let rows = initial_access_token_rows(&app.database.url).await;
    assert_eq!(rows.len(), 2);
    let row = rows
        .iter()
        .find(|r| r.token_hash == hash_secret(&token))
        .expect("stored by hash");
    assert_eq!(row.issued_by.as_deref(), Some(admin_id.as_str()));
    assert_eq!(row.vendor.as_deref(), Some("Acme Produce"));
    assert_eq!(row.uses_left, 2);
    assert_eq!(row.expires_at, app.clock.now() + 3600);
    for row in &rows {
        let text = format!("{row:?}");
        assert!(!text.contains(&token), "plaintext stored: {text}");
        assert!(
            !text.contains(defaults["token"].as_str().unwrap()),
            "{text}"
        );
    }

    // The token registers a client carrying the vendor.
    let info = registered(&app, &token, &web_app("Acme Orders")).await;
    let stored = app
        .store
        .find_client(info["client_id"].as_str().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.vendor.as_deref(), Some("Acme Produce"));

    let events = app.store.list_audit_events(None, 100).await.unwrap();
    let created: Vec<_> = events
        .iter()
        .filter(|e| e.event == "initial_access_token.created")
        .collect();
    assert_eq!(created.len(), 2, "{events:?}");
    assert!(
        created
            .iter()
            .all(|e| e.actor_id.as_deref() == Some(admin_id.as_str()))
    );
    assert!(
        created.iter().any(|e| e
            .detail
            .as_deref()
            .unwrap_or_default()
            .contains("Acme Produce")),
        "{created:?}"
    );
    let registered_event = events
        .iter()
        .find(|e| e.event == "client.registered")
        .expect("client.registered");
    assert_eq!(registered_event.user_id.as_deref(), Some(admin_id.as_str()));
    for event in &events {
        let text = format!("{event:?}");
        assert!(!text.contains(&token), "a token in the trail: {text}");
    }
}

#[tokio::test]
async fn bad_token_requests_to_the_admin_api_are_refused_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let (_, admin_token) = person_token(&app, "root", Role::Admin, "openid admin").await;
    for body in [
        json!({"ttl": 10}),
        json!({"ttl": 59}),
        json!({"ttl": 30 * 86_400 + 1}),
        json!({"ttl": -1}),
        json!({"uses": 0}),
        json!({"uses": -3}),
        json!({"uses": 101}),
        json!({"vendor": "v".repeat(101)}),
    ] {
        let response = api_post(&app, ADMIN_TOKENS, Some(&admin_token), &body).await;
        assert_oauth_error(response, StatusCode::BAD_REQUEST, "invalid_request").await;
    }
    for body in [json!({"ttl": "an hour"}), json!({"uses": 1.5}), json!([])] {
        let response = api_post(&app, ADMIN_TOKENS, Some(&admin_token), &body).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{body}");
    }
    assert!(
        initial_access_token_rows(&app.database.url)
            .await
            .is_empty()
    );

    // The limits themselves are fine.
    for body in [
        json!({"ttl": 60, "uses": 100}),
        json!({"ttl": 30 * 86_400, "uses": 1}),
    ] {
        let response = api_post(&app, ADMIN_TOKENS, Some(&admin_token), &body).await;
        json_answer(response, StatusCode::CREATED).await;
    }
}

#[tokio::test]
async fn only_administrators_with_the_admin_scope_issue_tokens_through_the_admin_api() {
    let app = TestApp::spawn().await;
    let (_, farmer) = person_token(&app, "marigold", Role::Farmer, "openid admin account").await;
    let (_, consumer) = person_token(&app, "consumer1", Role::Consumer, "openid admin").await;
    let (_, admin_without) = person_token(&app, "root", Role::Admin, "openid account").await;
    let body = json!({"vendor": "Sneaky"});

    for token in [&farmer, &consumer] {
        let response = api_post(&app, ADMIN_TOKENS, Some(token), &body).await;
        assert_oauth_error(response, StatusCode::FORBIDDEN, "forbidden").await;
    }
    let response = api_post(&app, ADMIN_TOKENS, Some(&admin_without), &body).await;
    assert_oauth_error(response, StatusCode::FORBIDDEN, "insufficient_scope").await;
    let response = api_post(&app, ADMIN_TOKENS, Some("garbage"), &body).await;
    assert_invalid_token(response).await;
    assert_challenged_without_error(api_post(&app, ADMIN_TOKENS, None, &body).await).await;
    // A machine client's own token, even one allowed the admin scope, is no administrator.
    let machine = app.machine_client("admin").await;
    let machine_token = app.access_token(&machine, Some("admin")).await;
    let response = api_post(&app, ADMIN_TOKENS, Some(&machine_token), &body).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);

    assert!(
        initial_access_token_rows(&app.database.url)
            .await
            .is_empty()
    );
    let events = app.store.list_audit_events(None, 100).await.unwrap();
    assert!(
        !events
            .iter()
            .any(|e| e.event == "initial_access_token.created")
    );
}

#[tokio::test]
async fn a_farmer_issues_tokens_for_their_company_and_a_consumer_cannot() {
    let app = TestApp::spawn().await;
    let (farmer_id, farmer) = person_token(&app, "marigold", Role::Farmer, "openid account").await;
    let (_, admin_token) = person_token(&app, "root", Role::Admin, "openid admin").await;

    // No company on record: their username. A vendor they name is not taken.
    let issued = json_answer(
        api_post(
            &app,
            MY_TOKENS,
            Some(&farmer),
            &json!({"vendor": "Somebody Else"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(issued["vendor"], "marigold");
    assert_eq!(issued["uses"], 1);
    let first = issued["token"].as_str().unwrap().to_string();

    let set = json_answer(
        api_put(
            &app,
            &format!("/api/v1/admin/users/{farmer_id}/company"),
            &admin_token,
            &json!({"company": "Marigold Farm Co"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(set["company"], "Marigold Farm Co");
    let issued = json_answer(
        api_post(
            &app,
            MY_TOKENS,
            Some(&farmer),
            &json!({"uses": 2, "ttl": 600}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(issued["vendor"], "Marigold Farm Co");
    assert_eq!(issued["uses"], 2);
    assert_eq!(issued["expires_at"], app.clock.now() + 600);
    let second = issued["token"].as_str().unwrap().to_string();

    let rows = initial_access_token_rows(&app.database.url).await;
    for (token, vendor) in [(&first, "marigold"), (&second, "Marigold Farm Co")] {
        let row = rows
            .iter()
            .find(|r| r.token_hash == hash_secret(token))
            .expect("stored hashed");
        assert_eq!(row.vendor.as_deref(), Some(vendor));
        assert_eq!(row.issued_by.as_deref(), Some(farmer_id.as_str()));
        assert!(
            rows.iter()
                .all(|r| !format!("{r:?}").contains(token.as_str()))
        );
    }

    // The apps it registers carry the company, on the consent page too.
    let info = registered(&app, &second, &web_app("Marigold Box")).await;
    let client = test_client(&info);
    let stored = app.store.find_client(&client.id).await.unwrap().unwrap();
    assert_eq!(stored.vendor.as_deref(), Some("Marigold Farm Co"));
    app.person("shopper", Role::Consumer).await;
    let (_, page) = consent_page(&app, &client, "shopper", "openid").await;
    assert!(page.contains("<strong>Marigold Farm Co</strong>"), "{page}");

    let events = app.store.list_audit_events(None, 100).await.unwrap();
    let registered_event = events
        .iter()
        .find(|e| e.event == "client.registered")
        .expect("client.registered");
    assert_eq!(
        registered_event.user_id.as_deref(),
        Some(farmer_id.as_str())
    );
    assert_eq!(
        registered_event.client_id.as_deref(),
        Some(client.id.as_str())
    );
    let created = events
        .iter()
        .filter(|e| e.event == "initial_access_token.created")
        .count();
    assert_eq!(created, 2);

    // A consumer may not; a farmer's token without the account scope may not either.
    let before = initial_access_token_rows(&app.database.url).await;
    let (_, consumer) = person_token(&app, "consumer1", Role::Consumer, "openid account").await;
    let response = api_post(&app, MY_TOKENS, Some(&consumer), &json!({})).await;
    assert_oauth_error(response, StatusCode::FORBIDDEN, "forbidden").await;
    let (_, no_account) = person_token(&app, "farmer2", Role::Farmer, "openid").await;
    let response = api_post(&app, MY_TOKENS, Some(&no_account), &json!({})).await;
    assert_oauth_error(response, StatusCode::FORBIDDEN, "insufficient_scope").await;
    assert_challenged_without_error(api_post(&app, MY_TOKENS, None, &json!({})).await).await;
    assert_eq!(initial_access_token_rows(&app.database.url).await, before);
}

/// The token on the page "Get a registration token" on the account page leads to, and
/// who it says the apps are for.
fn registration_token_on(page: &str) -> (String, String) {
    let between = |open: &str, close: &str| {
        let start = page
            .find(open)
            .unwrap_or_else(|| panic!("no {open} on:\n{page}"))
            + open.len();
        let end = start + page[start..].find(close).expect(close);
        page[start..end].to_string()
    };
    (
        between("<code class=\"secret\">", "</code>"),
        between("<h1>Registration token for ", "</h1>"),
    )
}

/// `username` signs in, and presses "Get a registration token" on the account page.
async fn account_page_token(app: &TestApp, username: &str) -> (String, String) {
    let agent = UserAgent::new(app);
    let landing = agent.navigate("/login").await;
    let (path, _, account) = agent.log_in(landing, username, PASSWORD).await.page();
    assert_eq!(path, "/account", "{account}");
    assert!(account.contains("Get a registration token"), "{account}");
    let (path, status, page) = agent
        .submit(&account, "/account/registration-token", &[])
        .await
        .page();
    assert_eq!(
        (path.as_str(), status),
        ("/account/registration-token", StatusCode::OK),
        "{page}"
    );
    registration_token_on(&page)
}

#[tokio::test]
async fn the_account_page_gives_farmers_and_administrators_tokens_for_their_own_company() {
    let app = TestApp::spawn().await;
    let farmer_id = app.person("marigold", Role::Farmer).await;
    let admin_id = app.person("root", Role::Admin).await;
    app.person("shopper", Role::Consumer).await;

    // No company on record: their usernames, the administrator's as well.
    for (username, id) in [("marigold", &farmer_id), ("root", &admin_id)] {
        let (token, shown) = account_page_token(&app, username).await;
        assert_eq!(shown, username);
        let row = initial_access_token_rows(&app.database.url)
            .await
            .into_iter()
            .find(|r| r.token_hash == hash_secret(&token))
            .expect("stored hashed");
        assert_eq!(row.vendor.as_deref(), Some(username));
        assert_eq!(row.issued_by.as_deref(), Some(id.as_str()));
    }

    // With a company, the company: an administrator's apps are their company's too, and
    // the consent page says so.
    let root = app.store.find_user_by_id(&admin_id).await.unwrap().unwrap();
    admin::set_company(&app.state, &root, "Platform Ops", Actor::CommandLine)
        .await
        .expect("company set");
    let (token, shown) = account_page_token(&app, "root").await;
    assert_eq!(shown, "Platform Ops");
    let client = test_client(&registered(&app, &token, &web_app("Ops Dashboard")).await);
    let stored = app.store.find_client(&client.id).await.unwrap().unwrap();
    assert_eq!(stored.vendor.as_deref(), Some("Platform Ops"));
    let (_, page) = consent_page(&app, &client, "shopper", "openid").await;
    assert!(page.contains("<strong>Platform Ops</strong>"), "{page}");
    assert!(!page.contains("an outside developer"), "{page}");

    // An administrator's token under /api/v1/me is for their company too, whatever they
    // name; the admin API names another vendor.
    let (_, admin_token) = person_token(&app, "root2", Role::Admin, "openid account admin").await;
    let issued = json_answer(
        api_post(
            &app,
            MY_TOKENS,
            Some(&admin_token),
            &json!({"vendor": "Orchard Apps"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(issued["vendor"], "root2");
    let issued = json_answer(
        api_post(
            &app,
            ADMIN_TOKENS,
            Some(&admin_token),
            &json!({"vendor": "Orchard Apps"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(issued["vendor"], "Orchard Apps");
}

#[tokio::test]
async fn an_apps_own_token_cannot_issue_a_farmers_registration_token() {
    let app = TestApp::spawn().await;
    let machine = app.machine_client("account").await;
    let token = app.access_token(&machine, Some("account")).await;
    let response = api_post(&app, MY_TOKENS, Some(&token), &json!({})).await;
    assert_oauth_error(response, StatusCode::FORBIDDEN, "insufficient_scope").await;
    assert!(
        initial_access_token_rows(&app.database.url)
            .await
            .is_empty()
    );
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
