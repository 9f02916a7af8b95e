//! Vendor apps: Dynamic Client Registration (RFC 7591) with initial access tokens, and its
//! management protocol (RFC 7592) with the registration access token. Registered clients
//! are then used for real: the code flow through the pages, the consent page's vendor note,
//! the token endpoint and introspection. Tokens are issued from the command line (here
//! through the library, as `farm-auth initial-access-token create` does), by administrators
//! through the admin API, and by owners and managers for their own farm.
//!
//! Every refusal is checked against the database as well: no client stored, and the
//! initial access token's remaining uses unchanged.

mod bad_metadata;
mod command_line;
mod create;
mod farm_tokens;
mod initial_access_tokens;
mod issuing_tokens;
mod management_tokens;
mod updates;
mod vendor_walls;

use farm_auth::accounts::admin::Actor;
use farm_auth::accounts::users::Role;
use farm_auth::oauth2::client_metadata::NewClient;
use farm_auth::oauth2::initial_access::{self, Request};
use farm_auth::oauth2::operator;
use farm_auth::secrets::hash_secret;
use farm_auth::store::clients::ClientRecord;
use farm_auth::store::initial_access_tokens::InitialAccessTokenRecord;
use reqwest::header::{CONTENT_TYPE, WWW_AUTHENTICATE};
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

use crate::support::{
    Landing, PASSWORD, REDIRECT_URI, TestApp, TestClient, UserAgent, api_person,
    assert_oauth_error, initial_access_token_rows, json_answer,
};

/// Every scope a vendor may register: discovery's `scopes_supported` but for `roles`.
const VENDOR_SCOPES: &str = "openid profile email farms offline_access";

/// An initial access token issued as the command line issues it.
async fn initial_token(app: &TestApp, uses: i64, vendor: Option<&str>) -> String {
    initial_token_with(
        app,
        Request {
            ttl_secs: None,
            uses: Some(uses),
            vendor: vendor.map(str::to_string),
            farm: None,
            as_member: false,
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

/// A vendor's machine client: registered for the code flow (a vendor cannot register
/// `client_credentials` itself), then given `client_credentials` alone and `scope` by an
/// administrator. The registration's answer, secrets included.
async fn machine_vendor_app(app: &TestApp, token: &str, name: &str, scope: &str) -> Value {
    let info = registered(app, token, &web_app(name)).await;
    let id = info["client_id"].as_str().expect("client_id");
    let allowed = NewClient {
        name: name.into(),
        grant_types: vec!["client_credentials".into()],
        scope: Some(scope.into()),
        ..NewClient::default()
    };
    operator::update_client(&app.state, Actor::CommandLine, id, allowed)
        .await
        .expect("an administrator allows client_credentials");
    info
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
    let person = api_person(app, username, role, "openid account admin", scope).await;
    (person.id, person.token)
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
