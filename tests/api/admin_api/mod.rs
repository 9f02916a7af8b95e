//! The admin API under `/api/v1/admin/` (and `POST /api/v1/me/initial-access-tokens`), one
//! module per resource. Shared here: calls with an administrator's token, people written
//! straight to the store, the audit records an administrator's change leaves, and a snapshot of
//! everything the API could change, to show that a refused request changed nothing.

mod access;
mod clients;
mod hostile_input;
mod keys_and_audit;
mod openapi;
mod suspension;
mod users;

use farm_auth::accounts::users::Role;
use farm_auth::store::audit::{AuditFilter, AuditRecord};
use farm_auth::store::users::UserRecord;
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

use crate::support::{ApiPerson, TestApp, TestClient, api_person, call_api, json_answer};

/// What the admin tools ask for when an administrator signs in (`account` too, for
/// `POST /api/v1/me/initial-access-tokens`).
const ADMIN_SCOPE: &str = "openid account admin";

const NEW_PASSWORD: &str = "beetroot in the cold frame";

async fn get(app: &TestApp, path: &str, token: &str) -> Response {
    call_api(app, Method::GET, path, Some(token), None).await
}

async fn send(app: &TestApp, method: Method, path: &str, token: &str, body: &Value) -> Response {
    let body = body.to_string().into_bytes();
    call_api(app, method, path, Some(token), Some(body)).await
}

async fn post(app: &TestApp, path: &str, token: &str, body: &Value) -> Response {
    send(app, Method::POST, path, token, body).await
}

async fn put(app: &TestApp, path: &str, token: &str, body: &Value) -> Response {
    send(app, Method::PUT, path, token, body).await
}

async fn delete(app: &TestApp, path: &str, token: &str) -> Response {
    call_api(app, Method::DELETE, path, Some(token), None).await
}

async fn ok(response: Response) -> Value {
    json_answer(response, StatusCode::OK).await
}

/// A new administrator with a token for the admin API.
async fn admin(app: &TestApp, username: &str) -> ApiPerson {
    api_person(app, username, Role::Admin, ADMIN_SCOPE, ADMIN_SCOPE).await
}

async fn stored_user(app: &TestApp, id: &str) -> UserRecord {
    app.store
        .find_user_by_id(id)
        .await
        .unwrap()
        .expect("the user is stored")
}

fn user_path(id: &str) -> String {
    format!("/api/v1/admin/users/{id}")
}

/// Whether introspection (asked by `caller`) calls `token` active, waiting up to 5 s for it
/// to become inactive (running servers read revocations every second).
async fn active_after_revocation(app: &TestApp, caller: &TestClient, token: &str) -> bool {
    for _ in 0..50 {
        if app.introspect(caller, token).await["active"] == false {
            return false;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    true
}

async fn trail(app: &TestApp, filter: AuditFilter<'_>) -> Vec<AuditRecord> {
    app.store.search_audit_events(&filter, 500).await.unwrap()
}

/// The newest `event` in the trail: it names `admin` as the one who did it.
async fn assert_by_admin(
    app: &TestApp,
    event: &str,
    user_id: Option<&str>,
    admin: &ApiPerson,
) -> AuditRecord {
    let events = trail(
        app,
        AuditFilter {
            event: Some(event),
            ..Default::default()
        },
    )
    .await;
    let record = events
        .first()
        .unwrap_or_else(|| panic!("no {event} in the trail"))
        .clone();
    assert_eq!(record.event, event);
    assert_eq!(record.outcome, "success", "{record:?}");
    assert_eq!(
        record.actor_id.as_deref(),
        Some(admin.id.as_str()),
        "{record:?}"
    );
    let by = format!("by administrator {}", admin.username);
    assert!(
        record
            .detail
            .as_deref()
            .unwrap_or_default()
            .starts_with(&by),
        "{record:?}"
    );
    if user_id.is_some() {
        assert_eq!(record.user_id.as_deref(), user_id, "{record:?}");
    }
    record
}

/// Everything the admin API could change, to compare before and after refused requests.
#[derive(Debug, PartialEq)]
struct Snapshot {
    users: Vec<UserRecord>,
    clients: Vec<farm_auth::store::clients::ClientRecord>,
    audit: Vec<AuditRecord>,
    tokens: Vec<farm_auth::store::initial_access_tokens::InitialAccessTokenRecord>,
    keys: usize,
}

async fn snapshot(app: &TestApp) -> Snapshot {
    let users = app.store.search_users("", None, 1000).await.unwrap().users;
    let mut clients = app.store.list_clients().await.unwrap();
    clients.sort_by(|a, b| a.client_id.cmp(&b.client_id));
    let now = app.clock.now();
    Snapshot {
        users,
        clients,
        audit: trail(app, AuditFilter::default()).await,
        tokens: app
            .store
            .list_usable_initial_access_tokens(now)
            .await
            .unwrap(),
        keys: app
            .store
            .list_published_signing_keys(now, 86_400 * 365)
            .await
            .unwrap()
            .len(),
    }
}

/// A machine client's token request with `client_id` and `secret`: the status.
async fn client_credentials_status(app: &TestApp, client_id: &str, secret: &str) -> StatusCode {
    let client = TestClient {
        id: client_id.into(),
        secret: secret.into(),
    };
    app.client_credentials(&client, None).await.status()
}

/// The routes that read a JSON body, at a user, a client or nowhere in particular.
fn body_routes(user: &str, client: &str) -> Vec<(Method, String)> {
    vec![
        (Method::POST, format!("{}/lock", user_path(user))),
        (Method::POST, format!("{}/unlock", user_path(user))),
        (Method::PUT, format!("{}/roles", user_path(user))),
        (Method::POST, "/api/v1/admin/clients".into()),
        (Method::PUT, format!("/api/v1/admin/clients/{client}")),
        (Method::POST, "/api/v1/admin/initial-access-tokens".into()),
        (Method::POST, "/api/v1/me/initial-access-tokens".into()),
        (Method::POST, "/api/v1/admin/apis".into()),
        (Method::PUT, format!("/api/v1/admin/apis/{client}/scopes")),
        (Method::POST, "/api/v1/admin/upstreams".into()),
        (Method::POST, "/api/v1/admin/webhooks".into()),
        (Method::PUT, format!("/api/v1/admin/webhooks/{client}")),
    ]
}

fn client_body() -> Value {
    json!({
        "client_name": "Market Stall",
        "redirect_uris": ["https://stall.example/cb"],
        "post_logout_redirect_uris": ["https://stall.example/bye"],
        "grant_types": ["authorization_code", "refresh_token", "client_credentials"],
        "scope": "openid account",
        "token_endpoint_auth_method": "client_secret_basic",
    })
}

/// A fresh user id, as the server makes them.
fn random_id() -> String {
    farm_auth::secrets::hex(&farm_auth::secrets::random_bytes::<8>())
}
