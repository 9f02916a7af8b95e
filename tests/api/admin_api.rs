//! The admin API under `/api/v1/admin/`: who may call it (an `admin`-scoped token of a
//! person who is an unlocked administrator now), users, clients, signing keys and the audit
//! trail, what every change leaves in the trail, refusals of bad input that change nothing,
//! `POST /api/v1/me/initial-access-tokens`, and the OpenAPI document that describes it all.

use std::collections::BTreeSet;

use farm_auth::accounts::users::Role;
use farm_auth::secrets::hash_secret;
use farm_auth::store::audit::{AuditFilter, AuditRecord};
use farm_auth::store::users::UserRecord;
use reqwest::header::{CACHE_CONTROL, CONTENT_TYPE, WWW_AUTHENTICATE};
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestClient, assert_oauth_error, link_in};
use crate::user_agent::{PASSWORD, UserAgent};

/// What the admin tools ask for when an administrator signs in (`account` too, for
/// `POST /api/v1/me/initial-access-tokens`).
const ADMIN_SCOPE: &str = "openid account admin";
const NEW_PASSWORD: &str = "beetroot in the cold frame";

/// The operations of the admin API (and the farmer's registration tokens), as routed.
const ADMIN_OPERATIONS: &[(&str, &str)] = &[
    ("get", "/api/v1/admin/users"),
    ("get", "/api/v1/admin/users/{id}"),
    ("delete", "/api/v1/admin/users/{id}"),
    ("post", "/api/v1/admin/users/{id}/lock"),
    ("post", "/api/v1/admin/users/{id}/unlock"),
    ("put", "/api/v1/admin/users/{id}/roles"),
    ("put", "/api/v1/admin/users/{id}/company"),
    ("post", "/api/v1/admin/users/{id}/password-reset"),
    ("get", "/api/v1/admin/users/{id}/sessions"),
    ("delete", "/api/v1/admin/users/{id}/sessions/{sid}"),
    ("get", "/api/v1/admin/clients"),
    ("post", "/api/v1/admin/clients"),
    ("get", "/api/v1/admin/clients/{id}"),
    ("put", "/api/v1/admin/clients/{id}"),
    ("delete", "/api/v1/admin/clients/{id}"),
    ("post", "/api/v1/admin/clients/{id}/secret"),
    ("get", "/api/v1/admin/keys"),
    ("post", "/api/v1/admin/keys/rotate"),
    ("get", "/api/v1/admin/audit"),
    ("post", "/api/v1/admin/initial-access-tokens"),
    ("post", "/api/v1/me/initial-access-tokens"),
];

/// The statuses the tests below see each operation answer.
const ADMIN_OBSERVED: &[(&str, &str, &[u16])] = &[
    ("get", "/api/v1/admin/users", &[200, 400, 401, 403]),
    ("get", "/api/v1/admin/users/{id}", &[200, 401, 403, 404]),
    ("delete", "/api/v1/admin/users/{id}", &[204, 404, 409]),
    (
        "post",
        "/api/v1/admin/users/{id}/lock",
        &[200, 400, 404, 409, 413],
    ),
    (
        "post",
        "/api/v1/admin/users/{id}/unlock",
        &[200, 400, 404, 413],
    ),
    (
        "put",
        "/api/v1/admin/users/{id}/roles",
        &[200, 400, 404, 409, 413],
    ),
    (
        "put",
        "/api/v1/admin/users/{id}/company",
        &[200, 400, 404, 413],
    ),
    (
        "post",
        "/api/v1/admin/users/{id}/password-reset",
        &[202, 404, 409],
    ),
    ("get", "/api/v1/admin/users/{id}/sessions", &[200, 404]),
    (
        "delete",
        "/api/v1/admin/users/{id}/sessions/{sid}",
        &[204, 404],
    ),
    ("get", "/api/v1/admin/clients", &[200, 401, 403]),
    ("post", "/api/v1/admin/clients", &[201, 400, 413]),
    ("get", "/api/v1/admin/clients/{id}", &[200, 404]),
    ("put", "/api/v1/admin/clients/{id}", &[200, 400, 404, 413]),
    ("delete", "/api/v1/admin/clients/{id}", &[204, 404]),
    (
        "post",
        "/api/v1/admin/clients/{id}/secret",
        &[200, 400, 404],
    ),
    ("get", "/api/v1/admin/keys", &[200, 401, 403]),
    ("post", "/api/v1/admin/keys/rotate", &[200]),
    ("get", "/api/v1/admin/audit", &[200, 400]),
    (
        "post",
        "/api/v1/admin/initial-access-tokens",
        &[201, 400, 413],
    ),
    (
        "post",
        "/api/v1/me/initial-access-tokens",
        &[201, 400, 401, 403, 413],
    ),
];

// ---------------------------------------------------------------------------------------
// Helpers

async fn call(
    app: &TestApp,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<Vec<u8>>,
) -> Response {
    let mut request = app.http.request(method, app.url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.header(CONTENT_TYPE, "application/json").body(body);
    }
    request.send().await.unwrap()
}

async fn get(app: &TestApp, path: &str, token: &str) -> Response {
    call(app, Method::GET, path, Some(token), None).await
}

async fn send(app: &TestApp, method: Method, path: &str, token: &str, body: &Value) -> Response {
    let body = body.to_string().into_bytes();
    call(app, method, path, Some(token), Some(body)).await
}

async fn post(app: &TestApp, path: &str, token: &str, body: &Value) -> Response {
    send(app, Method::POST, path, token, body).await
}

async fn put(app: &TestApp, path: &str, token: &str, body: &Value) -> Response {
    send(app, Method::PUT, path, token, body).await
}

async fn delete(app: &TestApp, path: &str, token: &str) -> Response {
    call(app, Method::DELETE, path, Some(token), None).await
}

/// A JSON answer with `status`, not to be cached: its body.
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

async fn ok(response: Response) -> Value {
    json_answer(response, StatusCode::OK).await
}

/// A 204 with nothing in it.
async fn assert_no_content(response: Response) {
    let status = response.status();
    let text = response.text().await.unwrap();
    assert_eq!(status, StatusCode::NO_CONTENT, "{text}");
    assert_eq!(text, "");
}

async fn assert_api_error(response: Response, status: StatusCode, error: &str) -> Value {
    assert_oauth_error(response, status, error).await
}

/// A person signed in to an app in a browser, and the app's token for them.
struct Person {
    id: String,
    username: String,
    agent: UserAgent,
    client: TestClient,
    token: String,
    refresh: Option<String>,
}

/// A new person `username` with `role` (password [`PASSWORD`]), signed in to a platform app
/// that was allowed and asked for `scope`.
async fn signed_in(app: &TestApp, username: &str, role: Role, scope: &str) -> Person {
    let id = app.person(username, role).await;
    let client = app.web_client(scope).await;
    let agent = UserAgent::new(app);
    let tokens = app
        .sign_in_for_tokens(&agent, &client, username, scope)
        .await;
    Person {
        id,
        username: username.to_string(),
        agent,
        client,
        token: tokens["access_token"].as_str().expect("a token").into(),
        refresh: tokens["refresh_token"].as_str().map(str::to_string),
    }
}

/// A new administrator with a token for the admin API.
async fn admin(app: &TestApp, username: &str) -> Person {
    signed_in(app, username, Role::Admin, ADMIN_SCOPE).await
}

/// A user written straight to the store (no password): cheap, for lists and the trail.
async fn plain_user(app: &TestApp, username: &str, email: &str) -> String {
    let id = farm_auth::secrets::hex(&farm_auth::secrets::random_bytes::<8>());
    let now = app.clock.now();
    app.store
        .insert_user(&UserRecord {
            id: id.clone(),
            username: username.into(),
            email: email.into(),
            email_verified: true,
            password_hash: None,
            roles: farm_auth::domain::Role::Consumer.into(),
            created_at: now,
            updated_at: now,
            locked: None,
            company: None,
            password_reset_required: false,
        })
        .await
        .expect("user stored");
    id
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

/// Whether `username` signs in with `password` on the login page, and the page it shows.
async fn sign_in(app: &TestApp, username: &str, password: &str) -> (String, String) {
    let agent = UserAgent::new(app);
    let landing = agent.navigate("/login").await;
    let (path, _, page) = agent.log_in(landing, username, password).await.page();
    (path, page)
}

async fn is_signed_in(agent: &UserAgent) -> bool {
    let response = agent.get("/account").await;
    match response.status() {
        StatusCode::OK => true,
        StatusCode::SEE_OTHER => false,
        other => panic!("GET /account answered {other}"),
    }
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
    admin: &Person,
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
    let (users, _) = app.store.search_users("", 0, 1000).await.unwrap();
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

// ---------------------------------------------------------------------------------------
// Who may call

#[tokio::test]
async fn the_admin_api_wants_an_admin_scoped_token_of_a_current_administrator() {
    let app = TestApp::spawn().await;
    let root = admin(&app, "root").await;
    let ops = admin(&app, "ops").await;
    let path = "/api/v1/admin/users";

    // No token: a challenge without an error code.
    let response = call(&app, Method::GET, path, None, None).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let challenge = response.headers()[WWW_AUTHENTICATE].to_str().unwrap();
    assert!(challenge.starts_with("Bearer"), "{challenge}");
    assert!(!challenge.contains("error="), "{challenge}");

    // A token that is not one of ours.
    let response = get(&app, path, "not-a-token").await;
    let challenge = response.headers()[WWW_AUTHENTICATE].to_str().unwrap();
    assert!(challenge.contains("invalid_token"), "{challenge}");
    assert_api_error(response, StatusCode::UNAUTHORIZED, "invalid_token").await;

    // An administrator's token without the admin scope.
    let account_only = signed_in(&app, "clerk", Role::Admin, "openid account").await;
    let response = get(&app, path, &account_only.token).await;
    assert_api_error(response, StatusCode::FORBIDDEN, "insufficient_scope").await;

    // The admin scope, but not an administrator.
    for (name, role) in [("wren", Role::Farmer), ("robin", Role::Consumer)] {
        let person = signed_in(&app, name, role, ADMIN_SCOPE).await;
        let response = get(&app, path, &person.token).await;
        assert_api_error(response, StatusCode::FORBIDDEN, "forbidden").await;
        let response = put(
            &app,
            &format!("{}/roles", user_path(&person.id)),
            &person.token,
            &json!({"roles": ["admin"]}),
        )
        .await;
        assert_api_error(response, StatusCode::FORBIDDEN, "forbidden").await;
        assert_eq!(
            stored_user(&app, &person.id).await.roles,
            vec![role.as_str()]
        );
    }

    // An app's own token with the admin scope: no person, no administrator.
    let bot = app.machine_client("admin").await;
    let bot_token = app.access_token(&bot, Some("admin")).await;
    let response = get(&app, path, &bot_token).await;
    assert_api_error(response, StatusCode::FORBIDDEN, "forbidden").await;

    // Administrators are in; taking the role away shuts them out at the next call.
    ok(get(&app, path, &ops.token).await).await;
    let demoted = ok(put(
        &app,
        &format!("{}/roles", user_path(&ops.id)),
        &root.token,
        &json!({"roles": ["consumer"]}),
    )
    .await)
    .await;
    assert_eq!(demoted["roles"], json!(["consumer"]));
    let response = get(&app, path, &ops.token).await;
    assert_api_error(response, StatusCode::FORBIDDEN, "forbidden").await;
    let response = post(
        &app,
        &format!("{}/lock", user_path(&root.id)),
        &ops.token,
        &json!({"reason": "coup"}),
    )
    .await;
    assert_api_error(response, StatusCode::FORBIDDEN, "forbidden").await;
    assert!(stored_user(&app, &root.id).await.locked.is_none());

    // Given back, and then locked: a locked administrator is refused too.
    ok(put(
        &app,
        &format!("{}/roles", user_path(&ops.id)),
        &root.token,
        &json!({"roles": ["admin"]}),
    )
    .await)
    .await;
    ok(get(&app, path, &ops.token).await).await;
    ok(post(
        &app,
        &format!("{}/lock", user_path(&ops.id)),
        &root.token,
        &json!({"reason": "left the company"}),
    )
    .await)
    .await;
    let status = get(&app, path, &ops.token).await.status();
    assert!(
        status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN,
        "a locked administrator got {status}"
    );
}

// ---------------------------------------------------------------------------------------
// Users

#[tokio::test]
async fn users_are_searched_by_username_or_email_ignoring_case_with_literal_wildcards() {
    let app = TestApp::spawn().await;
    let root = admin(&app, "root").await;
    plain_user(&app, "Carrot", "carrot@veg.example").await;
    plain_user(&app, "apple", "APPLE@fruit.example").await;
    plain_user(&app, "banana_split", "split@fruit.example").await;
    plain_user(&app, "bananasplit", "bs@fruit.example").await;
    plain_user(&app, "percent", "100%organic@veg.example").await;
    plain_user(&app, "percentage", "pct@veg.example").await;

    let search = |q: &str| format!("/api/v1/admin/users?q={}", urlencoding(q));
    let names = |body: &Value| -> Vec<String> {
        body["users"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["username"].as_str().unwrap().to_string())
            .collect()
    };

    // Everyone, sorted by username whatever its case.
    let all = ok(get(&app, "/api/v1/admin/users", &root.token).await).await;
    assert_eq!(
        names(&all),
        [
            "apple",
            "banana_split",
            "bananasplit",
            "Carrot",
            "percent",
            "percentage",
            "root"
        ]
    );
    assert_eq!(all["total"], 7);
    assert_eq!(all["page"], 1);
    assert_eq!(all["per_page"], 25);
    // Never a password hash.
    assert!(!all.to_string().contains("argon2"), "{all}");
    assert!(all["users"][6].get("password_hash").is_none());
    let root_view = &all["users"][6];
    assert_eq!(root_view["id"], root.id);
    assert_eq!(root_view["roles"], json!(["admin"]));
    assert_eq!(root_view["locked"], false);
    assert_eq!(root_view["password_reset_required"], false);

    // Username or email, ignoring case.
    let found = ok(get(&app, &search("FRUIT"), &root.token).await).await;
    assert_eq!(names(&found), ["apple", "banana_split", "bananasplit"]);
    assert_eq!(found["total"], 3);
    let found = ok(get(&app, &search("cArRoT"), &root.token).await).await;
    assert_eq!(names(&found), ["Carrot"]);
    let found = ok(get(&app, &search("apple@"), &root.token).await).await;
    assert_eq!(names(&found), ["apple"]);

    // `_` and `%` are the characters themselves, not LIKE wildcards.
    let found = ok(get(&app, &search("_"), &root.token).await).await;
    assert_eq!(names(&found), ["banana_split"]);
    let found = ok(get(&app, &search("a_s"), &root.token).await).await;
    assert_eq!(names(&found), ["banana_split"]);
    let found = ok(get(&app, &search("%"), &root.token).await).await;
    assert_eq!(names(&found), ["percent"]);
    let found = ok(get(&app, &search("0%o"), &root.token).await).await;
    assert_eq!(names(&found), ["percent"]);
    let found = ok(get(&app, &search("\\"), &root.token).await).await;
    assert_eq!(found["total"], 0);
    let found = ok(get(&app, &search("nobody"), &root.token).await).await;
    assert_eq!(found["users"], json!([]));
    assert_eq!(found["total"], 0);

    // Pages: the total is of all matches.
    let mut seen = Vec::new();
    for page in 1..=4 {
        let body = ok(get(
            &app,
            &format!("/api/v1/admin/users?per_page=2&page={page}"),
            &root.token,
        )
        .await)
        .await;
        assert_eq!(body["total"], 7);
        assert_eq!(body["page"], page);
        assert_eq!(body["per_page"], 2);
        let got = names(&body);
        assert_eq!(got.len(), if page == 4 { 1 } else { 2 });
        seen.extend(got);
    }
    assert_eq!(names(&all), seen);
    let beyond = ok(get(&app, "/api/v1/admin/users?per_page=2&page=5", &root.token).await).await;
    assert_eq!(beyond["users"], json!([]));
    assert_eq!(beyond["total"], 7);
    let most = ok(get(&app, "/api/v1/admin/users?per_page=100", &root.token).await).await;
    assert_eq!(names(&most).len(), 7);

    for query in [
        "per_page=0",
        "per_page=101",
        "per_page=-1",
        "page=0",
        "page=-3",
        "per_page=abc",
        "page=1.5",
        "per_page=99999999999999999999999",
    ] {
        let response = get(&app, &format!("/api/v1/admin/users?{query}"), &root.token).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{query}");
    }
}

/// Percent-encodes everything but unreserved characters.
fn urlencoding(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

#[tokio::test]
async fn a_user_is_shown_by_id_and_unknown_or_odd_ids_are_not_found() {
    let app = TestApp::spawn().await;
    let root = admin(&app, "root").await;
    let id = plain_user(&app, "marigold", "Marigold@farm.example").await;

    let user = ok(get(&app, &user_path(&id), &root.token).await).await;
    assert_eq!(user["id"], id);
    assert_eq!(user["username"], "marigold");
    assert_eq!(user["email"], "Marigold@farm.example");
    assert_eq!(user["email_verified"], true);
    assert_eq!(user["roles"], json!(["consumer"]));
    assert_eq!(user["company"], Value::Null);
    assert_eq!(user["locked"], false);
    assert_eq!(user["locked_at"], Value::Null);
    assert_eq!(user["locked_reason"], Value::Null);
    assert_eq!(user["password_reset_required"], false);
    assert!(user["created_at"].is_i64());
    assert!(user.get("password_hash").is_none());

    let long = "a".repeat(10_000);
    for odd in [
        "nobody",
        "marigold",
        "%00",
        &format!("{id}%00"),
        "%0A",
        "%1B%5B31m",
        &long,
        "%2E%2E%2Fclients",
        "%20",
    ] {
        let response = get(&app, &user_path(odd), &root.token).await;
        assert_api_error(response, StatusCode::NOT_FOUND, "not_found").await;
    }
}

#[tokio::test]
async fn locking_a_user_ends_their_sessions_revokes_their_tokens_and_keeps_them_out() {
    let app = TestApp::spawn().await;
    let root = admin(&app, "root").await;
    let marigold = signed_in(
        &app,
        "marigold",
        Role::Farmer,
        "openid account offline_access",
    )
    .await;
    let refresh = marigold.refresh.clone().expect("a refresh token");
    assert!(is_signed_in(&marigold.agent).await);
    assert_eq!(
        app.introspect(&marigold.client, &marigold.token).await["active"],
        true
    );

    let locked = ok(post(
        &app,
        &format!("{}/lock", user_path(&marigold.id)),
        &root.token,
        &json!({"reason": "  reported for fraud\u{0}\u{7}  "}),
    )
    .await)
    .await;
    assert_eq!(locked["id"], marigold.id);
    assert_eq!(locked["locked"], true);
    assert_eq!(locked["locked_reason"], "reported for fraud");
    assert_eq!(locked["locked_at"], app.clock.now());
    let stored = stored_user(&app, &marigold.id).await;
    assert_eq!(
        stored.locked,
        Some((app.clock.now(), "reported for fraud".to_string()))
    );

    // Signed out, and everything they held is dead.
    assert!(!is_signed_in(&marigold.agent).await);
    assert_eq!(
        app.introspect(&marigold.client, &refresh).await["active"],
        false
    );
    assert!(!active_after_revocation(&app, &marigold.client, &marigold.token).await);
    let refused = app.refresh(&marigold.client, &refresh, None).await;
    assert_oauth_error(refused, StatusCode::BAD_REQUEST, "invalid_grant").await;

    // The login page says why, to the right password.
    let (path, page) = sign_in(&app, "marigold", PASSWORD).await;
    assert_eq!(path, "/login");
    assert!(page.contains("This account is locked."), "{page}");

    let record = assert_by_admin(&app, "user.locked", Some(&marigold.id), &root).await;
    assert_eq!(
        record.detail.as_deref(),
        Some("by administrator root: reported for fraud")
    );

    // Not yourself.
    let response = post(
        &app,
        &format!("{}/lock", user_path(&root.id)),
        &root.token,
        &json!({"reason": "oops"}),
    )
    .await;
    assert_api_error(response, StatusCode::CONFLICT, "not_on_yourself").await;
    assert!(stored_user(&app, &root.id).await.locked.is_none());
    ok(get(&app, "/api/v1/admin/keys", &root.token).await).await;

    // Unknown.
    let response = post(
        &app,
        &format!("{}/lock", user_path("nobody")),
        &root.token,
        &json!({"reason": "x"}),
    )
    .await;
    assert_api_error(response, StatusCode::NOT_FOUND, "not_found").await;

    // Unlocked: in again.
    let unlocked = ok(post(
        &app,
        &format!("{}/unlock", user_path(&marigold.id)),
        &root.token,
        &json!({"reason": "cleared by support"}),
    )
    .await)
    .await;
    assert_eq!(unlocked["locked"], false);
    assert_eq!(unlocked["locked_at"], Value::Null);
    assert_eq!(unlocked["locked_reason"], Value::Null);
    assert!(stored_user(&app, &marigold.id).await.locked.is_none());
    let record = assert_by_admin(&app, "user.unlocked", Some(&marigold.id), &root).await;
    assert_eq!(
        record.detail.as_deref(),
        Some("by administrator root: cleared by support")
    );
    let (path, _) = sign_in(&app, "marigold", PASSWORD).await;
    assert_eq!(path, "/account");
}

#[tokio::test]
async fn locking_through_the_api_needs_a_reason_that_is_not_blank() {
    let app = TestApp::spawn().await;
    let root = admin(&app, "root").await;
    let marigold = signed_in(
        &app,
        "marigold",
        Role::Farmer,
        "openid account offline_access",
    )
    .await;
    let refresh = marigold.refresh.clone().expect("a refresh token");
    let lock = format!("{}/lock", user_path(&marigold.id));
    let doc = openapi(&app).await;

    let before = snapshot(&app).await;
    for body in [
        json!({}),
        json!({"reason": null}),
        json!({"reason": ""}),
        json!({"reason": "   "}),
        json!({"reason": "\t\r\n \u{a0}\u{3000}"}),
        json!({"reason": "\u{0}\u{7}\u{1b}\u{7f}"}),
        json!({"reason": " \u{0} \u{85} "}),
        json!({"roles": ["consumer"]}),
    ] {
        let response = post(&app, &lock, &root.token, &body).await;
        let answer = assert_api_error(response, StatusCode::BAD_REQUEST, "invalid_request").await;
        assert!(
            answer["error_description"]
                .as_str()
                .unwrap_or_default()
                .contains("reason"),
            "{body}: {answer}"
        );
        assert_documented(&doc, "post", "/api/v1/admin/users/{id}/lock", 400, &answer);
    }
    // Nothing changed: not locked, nothing in the trail, still signed in, tokens alive.
    assert_eq!(snapshot(&app).await, before);
    assert!(stored_user(&app, &marigold.id).await.locked.is_none());
    assert!(is_signed_in(&marigold.agent).await);
    assert_eq!(
        app.introspect(&marigold.client, &marigold.token).await["active"],
        true
    );
    assert_eq!(
        app.introspect(&marigold.client, &refresh).await["active"],
        true
    );

    // The document says so: the body is required, and so is a reason of at least one
    // character.
    let operation = &doc["paths"]["/api/v1/admin/users/{id}/lock"]["post"];
    assert_eq!(operation["requestBody"]["required"], true);
    let schema = resolve(
        &doc,
        &operation["requestBody"]["content"]["application/json"]["schema"],
    );
    assert_eq!(schema["required"], json!(["reason"]), "{schema}");
    assert_eq!(schema["properties"]["reason"]["type"], "string");
    assert_eq!(schema["properties"]["reason"]["minLength"], 1);

    // A reason with something in it locks, kept trimmed and printable.
    let locked = ok(post(&app, &lock, &root.token, &json!({"reason": " \u{7}x "})).await).await;
    assert_eq!(locked["locked"], true);
    assert_eq!(locked["locked_reason"], "x");
    let record = assert_by_admin(&app, "user.locked", Some(&marigold.id), &root).await;
    assert_eq!(record.detail.as_deref(), Some("by administrator root: x"));
}

#[tokio::test]
async fn roles_are_replaced_and_unknown_or_empty_roles_are_refused() {
    let app = TestApp::spawn().await;
    let root = admin(&app, "root").await;
    let id = plain_user(&app, "wren", "wren@farm.example").await;
    let roles = format!("{}/roles", user_path(&id));

    let user = ok(put(
        &app,
        &roles,
        &root.token,
        &json!({"roles": ["farmer", "consumer", "farmer"]}),
    )
    .await)
    .await;
    assert_eq!(user["roles"], json!(["farmer", "consumer"]));
    assert_eq!(
        stored_user(&app, &id).await.roles,
        vec!["farmer", "consumer"]
    );
    let record = assert_by_admin(&app, "user.roles", Some(&id), &root).await;
    assert_eq!(
        record.detail.as_deref(),
        Some("by administrator root: roles farmer consumer")
    );

    let before = snapshot(&app).await;
    for body in [
        json!({"roles": []}),
        json!({"roles": ["root"]}),
        json!({"roles": ["farmer", "superuser"]}),
        json!({"roles": ["Admin"]}),
        json!({"roles": "admin"}),
        json!({"roles": [1]}),
        json!({"roles": null}),
        json!({}),
    ] {
        let response = put(&app, &roles, &root.token, &body).await;
        assert_api_error(response, StatusCode::BAD_REQUEST, "invalid_request").await;
    }
    assert_eq!(snapshot(&app).await, before);

    // Administrators keep their own admin role; other changes to themselves are fine.
    let own = format!("{}/roles", user_path(&root.id));
    let response = put(&app, &own, &root.token, &json!({"roles": ["farmer"]})).await;
    assert_api_error(response, StatusCode::CONFLICT, "not_on_yourself").await;
    assert_eq!(stored_user(&app, &root.id).await.roles, vec!["admin"]);
    let user = ok(put(
        &app,
        &own,
        &root.token,
        &json!({"roles": ["admin", "farmer"]}),
    )
    .await)
    .await;
    assert_eq!(user["roles"], json!(["admin", "farmer"]));

    let response = put(
        &app,
        &format!("{}/roles", user_path("nobody")),
        &root.token,
        &json!({"roles": ["farmer"]}),
    )
    .await;
    assert_api_error(response, StatusCode::NOT_FOUND, "not_found").await;
}

#[tokio::test]
async fn a_company_is_set_and_cleared() {
    let app = TestApp::spawn().await;
    let root = admin(&app, "root").await;
    let id = plain_user(&app, "wren", "wren@farm.example").await;
    let company = format!("{}/company", user_path(&id));

    let user = ok(put(
        &app,
        &company,
        &root.token,
        &json!({"company": " Green Acres\n"}),
    )
    .await)
    .await;
    assert_eq!(user["company"], "Green Acres");
    assert_eq!(
        stored_user(&app, &id).await.company.as_deref(),
        Some("Green Acres")
    );
    let record = assert_by_admin(&app, "user.company", Some(&id), &root).await;
    assert_eq!(
        record.detail.as_deref(),
        Some("by administrator root: company Green Acres")
    );

    let exactly = "x".repeat(100);
    let user = ok(put(&app, &company, &root.token, &json!({"company": exactly})).await).await;
    assert_eq!(user["company"], exactly);

    let before = snapshot(&app).await;
    for body in [
        json!({"company": "x".repeat(101)}),
        json!({"company": 7}),
        json!({"company": ["Green Acres"]}),
    ] {
        let response = put(&app, &company, &root.token, &body).await;
        assert_api_error(response, StatusCode::BAD_REQUEST, "invalid_request").await;
    }
    assert_eq!(snapshot(&app).await, before);

    let user = ok(put(&app, &company, &root.token, &json!({"company": null})).await).await;
    assert_eq!(user["company"], Value::Null);
    assert_eq!(stored_user(&app, &id).await.company, None);
    let record = assert_by_admin(&app, "user.company", Some(&id), &root).await;
    assert_eq!(
        record.detail.as_deref(),
        Some("by administrator root: company (none)")
    );
    ok(put(
        &app,
        &company,
        &root.token,
        &json!({"company": "Hill Farm"}),
    )
    .await)
    .await;
    let user = ok(put(&app, &company, &root.token, &json!({"company": ""})).await).await;
    assert_eq!(user["company"], Value::Null);
}

#[tokio::test]
async fn requiring_a_password_reset_mails_a_link_and_stops_the_old_password() {
    let app = TestApp::spawn().await;
    let root = admin(&app, "root").await;
    let marigold = signed_in(&app, "marigold", Role::Consumer, "openid account").await;
    let reset = format!("{}/password-reset", user_path(&marigold.id));

    let answer = json_answer(
        call(&app, Method::POST, &reset, Some(&root.token), None).await,
        StatusCode::ACCEPTED,
    )
    .await;
    assert_eq!(
        answer,
        json!({"password_reset_required": true, "mailed": true})
    );
    assert!(
        stored_user(&app, &marigold.id)
            .await
            .password_reset_required
    );
    assert!(!is_signed_in(&marigold.agent).await);
    assert!(!active_after_revocation(&app, &marigold.client, &marigold.token).await);
    let record = assert_by_admin(
        &app,
        "user.password_reset_required",
        Some(&marigold.id),
        &root,
    )
    .await;
    assert_eq!(
        record.detail.as_deref(),
        Some("by administrator root: reset link mailed")
    );

    // The old password no longer signs in.
    let (path, _) = sign_in(&app, "marigold", PASSWORD).await;
    assert_eq!(path, "/login");

    // The mailed link sets a new one, and clears the requirement.
    let mail = app.wait_for_mail("marigold@farm.example", 1).await;
    assert!(mail.contains("An administrator"), "{mail}");
    let link = link_in(&mail, &format!("{}/password/reset?token=", app.issuer));
    let agent = UserAgent::new(&app);
    let (_, status, form) = agent.navigate(&link).await.page();
    assert_eq!(status, StatusCode::OK, "{form}");
    let (_, status, page) = agent
        .submit(&form, "/password/reset", &[("new_password", NEW_PASSWORD)])
        .await
        .page();
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(
        !stored_user(&app, &marigold.id)
            .await
            .password_reset_required
    );
    assert_eq!(sign_in(&app, "marigold", NEW_PASSWORD).await.0, "/account");
    assert_eq!(sign_in(&app, "marigold", PASSWORD).await.0, "/login");

    // Not on yourself.
    let own = format!("{}/password-reset", user_path(&root.id));
    let response = call(&app, Method::POST, &own, Some(&root.token), None).await;
    assert_api_error(response, StatusCode::CONFLICT, "not_on_yourself").await;
    assert!(!stored_user(&app, &root.id).await.password_reset_required);
    let response = call(
        &app,
        Method::POST,
        &format!("{}/password-reset", user_path("nobody")),
        Some(&root.token),
        None,
    )
    .await;
    assert_api_error(response, StatusCode::NOT_FOUND, "not_found").await;

    // Three links an hour: the fourth request still requires a reset, but mails nothing.
    for mailed in [true, true, false] {
        let answer = json_answer(
            call(&app, Method::POST, &reset, Some(&root.token), None).await,
            StatusCode::ACCEPTED,
        )
        .await;
        assert_eq!(
            answer,
            json!({"password_reset_required": true, "mailed": mailed})
        );
    }
    assert!(
        stored_user(&app, &marigold.id)
            .await
            .password_reset_required
    );
}

#[tokio::test]
async fn deleting_a_user_revokes_everything_and_the_trail_keeps_their_id() {
    let app = TestApp::spawn().await;
    let root = admin(&app, "root").await;
    let wren = signed_in(&app, "wren", Role::Farmer, "openid account offline_access").await;
    let refresh = wren.refresh.clone().expect("a refresh token");
    // Something else hanging off the account: a registration token they issued.
    json_answer(
        post(
            &app,
            "/api/v1/me/initial-access-tokens",
            &wren.token,
            &json!({}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;

    // Not yourself.
    let response = delete(&app, &user_path(&root.id), &root.token).await;
    assert_api_error(response, StatusCode::CONFLICT, "not_on_yourself").await;
    stored_user(&app, &root.id).await;

    assert_no_content(delete(&app, &user_path(&wren.id), &root.token).await).await;
    assert!(app.store.find_user_by_id(&wren.id).await.unwrap().is_none());
    assert!(
        app.store
            .find_user_by_username("wren")
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        app.store
            .list_usable_initial_access_tokens(app.clock.now())
            .await
            .unwrap()
            .is_empty()
    );
    assert!(!is_signed_in(&wren.agent).await);
    let bot = app.machine_client("").await;
    assert_eq!(app.introspect(&bot, &refresh).await["active"], false);
    assert!(!active_after_revocation(&app, &bot, &wren.token).await);

    let record = assert_by_admin(&app, "user.deleted", Some(&wren.id), &root).await;
    assert_eq!(record.username.as_deref(), Some("wren"));
    let theirs = trail(
        &app,
        AuditFilter {
            user_id: Some(&wren.id),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(theirs[0].event, "user.deleted");

    let response = delete(&app, &user_path(&wren.id), &root.token).await;
    assert_api_error(response, StatusCode::NOT_FOUND, "not_found").await;
    let response = get(&app, &user_path(&wren.id), &root.token).await;
    assert_api_error(response, StatusCode::NOT_FOUND, "not_found").await;
    // The name is free again.
    plain_user(&app, "wren", "wren@farm.example").await;
}

#[tokio::test]
async fn an_administrator_lists_and_ends_a_users_sessions() {
    let app = TestApp::spawn().await;
    let root = admin(&app, "root").await;
    let marigold = signed_in(&app, "marigold", Role::Consumer, "openid account").await;
    let phone = UserAgent::new(&app);
    let landing = phone.navigate("/login").await;
    let (path, _, _) = phone.log_in(landing, "marigold", PASSWORD).await.page();
    assert_eq!(path, "/account");

    let sessions_path = format!("{}/sessions", user_path(&marigold.id));
    let listed = ok(get(&app, &sessions_path, &root.token).await).await;
    let sessions = listed["sessions"].as_array().unwrap().clone();
    assert_eq!(sessions.len(), 2, "{listed}");
    let ids: Vec<String> = sessions
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_string())
        .collect();
    let stored = app
        .store
        .list_live_login_sessions(&marigold.id, app.clock.now())
        .await
        .unwrap();
    let stored_ids: BTreeSet<String> = stored.iter().map(|s| s.sid.clone()).collect();
    assert_eq!(ids.iter().cloned().collect::<BTreeSet<_>>(), stored_ids);

    // Someone else's session is not found under this user.
    let roots = app
        .store
        .list_live_login_sessions(&root.id, app.clock.now())
        .await
        .unwrap();
    assert_eq!(roots.len(), 1);
    let response = delete(
        &app,
        &format!("{sessions_path}/{}", roots[0].sid),
        &root.token,
    )
    .await;
    assert_api_error(response, StatusCode::NOT_FOUND, "not_found").await;
    assert!(is_signed_in(&root.agent).await);
    for odd in ["none", "%00", "%0A", &"s".repeat(10_000)] {
        let response = delete(&app, &format!("{sessions_path}/{odd}"), &root.token).await;
        assert_api_error(response, StatusCode::NOT_FOUND, "not_found").await;
    }
    let response = get(
        &app,
        &format!("{}/sessions", user_path("nobody")),
        &root.token,
    )
    .await;
    assert_api_error(response, StatusCode::NOT_FOUND, "not_found").await;
    assert!(is_signed_in(&marigold.agent).await);
    assert!(is_signed_in(&phone).await);

    // End both, one at a time.
    let mut ended = 0;
    for id in &ids {
        assert_no_content(delete(&app, &format!("{sessions_path}/{id}"), &root.token).await).await;
        ended += 1;
        let left = ok(get(&app, &sessions_path, &root.token).await).await;
        assert_eq!(left["sessions"].as_array().unwrap().len(), 2 - ended);
        assert_by_admin(&app, "session.ended", Some(&marigold.id), &root).await;
        let response = delete(&app, &format!("{sessions_path}/{id}"), &root.token).await;
        assert_api_error(response, StatusCode::NOT_FOUND, "not_found").await;
    }
    assert!(!is_signed_in(&marigold.agent).await);
    assert!(!is_signed_in(&phone).await);
    assert!(is_signed_in(&root.agent).await);
}

// ---------------------------------------------------------------------------------------
// Clients

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

#[tokio::test]
async fn clients_are_created_listed_read_updated_and_deleted() {
    let app = TestApp::spawn().await;
    let root = admin(&app, "root").await;

    let created = json_answer(
        post(&app, "/api/v1/admin/clients", &root.token, &client_body()).await,
        StatusCode::CREATED,
    )
    .await;
    let id = created["client_id"].as_str().unwrap().to_string();
    let secret = created["client_secret"].as_str().unwrap().to_string();
    assert_eq!(created["client_name"], "Market Stall");
    assert_eq!(
        created["redirect_uris"],
        json!(["https://stall.example/cb"])
    );
    assert_eq!(
        created["post_logout_redirect_uris"],
        json!(["https://stall.example/bye"])
    );
    assert_eq!(
        created["grant_types"],
        json!(["authorization_code", "refresh_token", "client_credentials"])
    );
    assert_eq!(created["scope"], "openid account");
    assert_eq!(created["token_endpoint_auth_method"], "client_secret_basic");
    assert_eq!(created["registered_by_vendor"], false);
    let stored = app.store.find_client(&id).await.unwrap().expect("stored");
    assert_eq!(stored.name, "Market Stall");
    assert_eq!(
        stored.secret_hash.as_deref(),
        Some(hash_secret(&secret).as_str())
    );
    let record = assert_by_admin(&app, "client.created", None, &root).await;
    assert_eq!(record.client_id.as_deref(), Some(id.as_str()));
    assert_eq!(
        record.detail.as_deref(),
        Some("by administrator root: Market Stall")
    );

    // The secret is shown that once.
    let listed = ok(get(&app, "/api/v1/admin/clients", &root.token).await).await;
    let ids: Vec<&str> = listed["clients"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["client_id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&id.as_str()), "{listed}");
    assert!(ids.contains(&root.client.id.as_str()), "{listed}");
    assert_eq!(ids.len(), app.store.list_clients().await.unwrap().len());
    let one = ok(get(&app, &format!("/api/v1/admin/clients/{id}"), &root.token).await).await;
    let mut expected = created.clone();
    expected.as_object_mut().unwrap().remove("client_secret");
    assert_eq!(one, expected);
    for text in [listed.to_string(), one.to_string()] {
        assert!(!text.contains(&secret));
        assert!(!text.contains("client_secret\""));
        assert!(!text.contains("secret_hash"));
    }

    // Updated: the new metadata holds at once.
    let mut changed = client_body();
    changed["client_name"] = json!("Market Stall 2");
    changed["redirect_uris"] = json!(["https://stall.example/cb2"]);
    changed["scope"] = json!("openid");
    let updated = ok(put(
        &app,
        &format!("/api/v1/admin/clients/{id}"),
        &root.token,
        &changed,
    )
    .await)
    .await;
    assert_eq!(updated["client_id"], id);
    assert_eq!(updated["client_name"], "Market Stall 2");
    assert_eq!(
        updated["redirect_uris"],
        json!(["https://stall.example/cb2"])
    );
    assert_eq!(updated["scope"], "openid");
    assert!(updated.get("client_secret").is_none());
    let stored = app.store.find_client(&id).await.unwrap().unwrap();
    assert_eq!(stored.redirect_uris, vec!["https://stall.example/cb2"]);
    assert_eq!(stored.scope, "openid");
    let record = assert_by_admin(&app, "client.updated", None, &root).await;
    assert_eq!(record.client_id.as_deref(), Some(id.as_str()));
    // The secret stays.
    assert_eq!(
        client_credentials_status(&app, &id, &secret).await,
        StatusCode::OK
    );
    let stall = TestClient {
        id: id.clone(),
        secret: secret.clone(),
    };
    let refused = app.client_credentials(&stall, Some("account")).await;
    assert_oauth_error(refused, StatusCode::BAD_REQUEST, "invalid_scope").await;

    // Deleted: gone, and its tokens with it.
    let token = app.access_token(&stall, None).await;
    assert_no_content(delete(&app, &format!("/api/v1/admin/clients/{id}"), &root.token).await)
        .await;
    assert!(app.store.find_client(&id).await.unwrap().is_none());
    let record = assert_by_admin(&app, "client.deleted", None, &root).await;
    assert_eq!(record.client_id.as_deref(), Some(id.as_str()));
    let response = get(&app, &format!("/api/v1/admin/clients/{id}"), &root.token).await;
    assert_api_error(response, StatusCode::NOT_FOUND, "not_found").await;
    let response = delete(&app, &format!("/api/v1/admin/clients/{id}"), &root.token).await;
    assert_api_error(response, StatusCode::NOT_FOUND, "not_found").await;
    assert_eq!(
        client_credentials_status(&app, &id, &secret).await,
        StatusCode::UNAUTHORIZED
    );
    let bot = app.machine_client("").await;
    assert!(!active_after_revocation(&app, &bot, &token).await);

    // The client's history, newest first.
    let history = ok(get(
        &app,
        &format!("/api/v1/admin/audit?client_id={id}"),
        &root.token,
    )
    .await)
    .await;
    let events: Vec<&str> = history["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(
        events,
        ["client.deleted", "client.updated", "client.created"]
    );
    assert!(
        history["events"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["actor_id"] == root.id.as_str() && e["client_id"] == id.as_str())
    );
}

#[tokio::test]
async fn bad_client_metadata_is_refused_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let root = admin(&app, "root").await;
    let created = json_answer(
        post(&app, "/api/v1/admin/clients", &root.token, &client_body()).await,
        StatusCode::CREATED,
    )
    .await;
    let id = created["client_id"].as_str().unwrap().to_string();

    let with = |field: &str, value: Value| {
        let mut body = client_body();
        body[field] = value;
        body
    };
    let cases = [
        (
            with("redirect_uris", json!(["http://stall.example/cb"])),
            "invalid_redirect_uri",
        ),
        (
            with("redirect_uris", json!(["javascript:alert(1)"])),
            "invalid_redirect_uri",
        ),
        (
            with("redirect_uris", json!(["https://stall.example/cb#x"])),
            "invalid_redirect_uri",
        ),
        (
            with("redirect_uris", json!(["/relative"])),
            "invalid_redirect_uri",
        ),
        (
            with("post_logout_redirect_uris", json!(["ftp://stall.example"])),
            "invalid_redirect_uri",
        ),
        (
            with("redirect_uris", json!(["https://stall.example/\ncb"])),
            "invalid_redirect_uri",
        ),
        (with("redirect_uris", json!([])), "invalid_client_metadata"),
        (
            with("grant_types", json!(["password"])),
            "invalid_client_metadata",
        ),
        (
            with("grant_types", json!(["refresh_token"])),
            "invalid_client_metadata",
        ),
        (with("client_name", json!("")), "invalid_client_metadata"),
        (with("client_name", json!("   ")), "invalid_client_metadata"),
        (
            with("client_name", json!("x".repeat(101))),
            "invalid_client_metadata",
        ),
        (
            with("client_name", json!("Stall\u{0}")),
            "invalid_client_metadata",
        ),
        (
            with("token_endpoint_auth_method", json!("private_key_jwt")),
            "invalid_client_metadata",
        ),
        (
            with("scope", json!("openid\u{1}")),
            "invalid_client_metadata",
        ),
        (
            with("scope", json!("openid\u{0}")),
            "invalid_client_metadata",
        ),
        (
            with(
                "post_logout_redirect_uris",
                json!(["https://stall.example/\u{0}"]),
            ),
            "invalid_redirect_uri",
        ),
        (
            with("grant_types", json!(["client_credentials\u{0}"])),
            "invalid_client_metadata",
        ),
        (with("client_name", json!(7)), "invalid_request"),
        (
            with("redirect_uris", json!("https://stall.example/cb")),
            "invalid_request",
        ),
        (
            json!({"redirect_uris": ["https://stall.example/cb"]}),
            "invalid_request",
        ),
    ];
    let before = snapshot(&app).await;
    for (body, error) in &cases {
        let response = post(&app, "/api/v1/admin/clients", &root.token, body).await;
        let answer = json_answer(response, StatusCode::BAD_REQUEST).await;
        assert_eq!(answer["error"], *error, "{body}: {answer}");
        let response = put(
            &app,
            &format!("/api/v1/admin/clients/{id}"),
            &root.token,
            body,
        )
        .await;
        let answer = json_answer(response, StatusCode::BAD_REQUEST).await;
        assert_eq!(answer["error"], *error, "{body}: {answer}");
    }
    // A confidential client stays confidential.
    let response = put(
        &app,
        &format!("/api/v1/admin/clients/{id}"),
        &root.token,
        &with("token_endpoint_auth_method", json!("none")),
    )
    .await;
    assert_api_error(response, StatusCode::BAD_REQUEST, "invalid_client_metadata").await;
    assert_eq!(snapshot(&app).await, before);

    for odd in ["nobody", "%00", "%0A", &"c".repeat(10_000)] {
        let path = format!("/api/v1/admin/clients/{odd}");
        let response = put(&app, &path, &root.token, &client_body()).await;
        assert_api_error(response, StatusCode::NOT_FOUND, "not_found").await;
        let response = get(&app, &path, &root.token).await;
        assert_api_error(response, StatusCode::NOT_FOUND, "not_found").await;
        let response = delete(&app, &path, &root.token).await;
        assert_api_error(response, StatusCode::NOT_FOUND, "not_found").await;
        let response = call(
            &app,
            Method::POST,
            &format!("{path}/secret"),
            Some(&root.token),
            None,
        )
        .await;
        assert_api_error(response, StatusCode::NOT_FOUND, "not_found").await;
    }
    assert_eq!(snapshot(&app).await, before);
}

#[tokio::test]
async fn a_new_client_secret_works_at_once_and_the_old_one_is_refused() {
    let app = TestApp::spawn().await;
    let root = admin(&app, "root").await;
    let created = json_answer(
        post(
            &app,
            "/api/v1/admin/clients",
            &root.token,
            &json!({"client_name": "Sorting Robot", "scope": "account"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(created["grant_types"], json!(["client_credentials"]));
    assert_eq!(created["token_endpoint_auth_method"], "client_secret_basic");
    let id = created["client_id"].as_str().unwrap().to_string();
    let old = created["client_secret"].as_str().unwrap().to_string();
    assert_eq!(
        client_credentials_status(&app, &id, &old).await,
        StatusCode::OK
    );

    let rotated = ok(call(
        &app,
        Method::POST,
        &format!("/api/v1/admin/clients/{id}/secret"),
        Some(&root.token),
        None,
    )
    .await)
    .await;
    assert_eq!(rotated["client_id"], id);
    let new = rotated["client_secret"].as_str().unwrap().to_string();
    assert_ne!(new, old);
    assert_eq!(
        client_credentials_status(&app, &id, &new).await,
        StatusCode::OK
    );
    assert_eq!(
        client_credentials_status(&app, &id, &old).await,
        StatusCode::UNAUTHORIZED
    );
    let record = assert_by_admin(&app, "client.secret_rotated", None, &root).await;
    assert_eq!(record.client_id.as_deref(), Some(id.as_str()));
    assert!(!record.detail.unwrap_or_default().contains(&new));

    // A public client has no secret to rotate.
    let public = json_answer(
        post(
            &app,
            "/api/v1/admin/clients",
            &root.token,
            &json!({
                "client_name": "Phone App",
                "redirect_uris": ["com.stall.app:/cb"],
                "token_endpoint_auth_method": "none",
            }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert!(public.get("client_secret").is_none(), "{public}");
    assert_eq!(public["token_endpoint_auth_method"], "none");
    let public_id = public["client_id"].as_str().unwrap();
    let before = snapshot(&app).await;
    let response = call(
        &app,
        Method::POST,
        &format!("/api/v1/admin/clients/{public_id}/secret"),
        Some(&root.token),
        None,
    )
    .await;
    assert_api_error(response, StatusCode::BAD_REQUEST, "invalid_client_metadata").await;
    assert_eq!(snapshot(&app).await, before);
}

// ---------------------------------------------------------------------------------------
// Keys

#[tokio::test]
async fn keys_are_listed_without_private_material_and_rotated() {
    let app = TestApp::spawn().await;
    let root = admin(&app, "root").await;

    let listed = ok(get(&app, "/api/v1/admin/keys", &root.token).await).await;
    let keys = listed["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 1, "{listed}");
    let old_kid = keys[0]["kid"].as_str().unwrap().to_string();
    assert_eq!(keys[0]["active"], true);
    assert!(keys[0]["created_at"].is_i64());
    assert_eq!(keys[0]["retired_at"], Value::Null);
    let fields: BTreeSet<&str> = keys[0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        fields,
        BTreeSet::from(["kid", "active", "created_at", "retired_at"])
    );
    let text = listed.to_string();
    for private in ["PRIVATE", "BEGIN", "\"d\"", "\"p\"", "\"n\""] {
        assert!(!text.contains(private), "{text}");
    }

    app.clock.advance(10);
    let rotated = ok(call(
        &app,
        Method::POST,
        "/api/v1/admin/keys/rotate",
        Some(&root.token),
        None,
    )
    .await)
    .await;
    let new_kid = rotated["kid"].as_str().unwrap().to_string();
    assert_ne!(new_kid, old_kid);
    let record = assert_by_admin(&app, "keys.rotated", None, &root).await;
    assert_eq!(
        record.detail.as_deref(),
        Some(format!("by administrator root: new key {new_kid}").as_str())
    );

    let listed = ok(get(&app, "/api/v1/admin/keys", &root.token).await).await;
    let keys = listed["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 2, "{listed}");
    assert_eq!(keys[0]["kid"], new_kid, "the active one first");
    assert_eq!(keys[0]["active"], true);
    assert_eq!(keys[1]["kid"], old_kid);
    assert_eq!(keys[1]["active"], false);
    assert_eq!(keys[1]["retired_at"], app.clock.now());

    let jwks = app.jwks().await;
    assert!(jwks.find(&new_kid).is_some());
    assert!(jwks.find(&old_kid).is_some());
    let bot = app.machine_client("account").await;
    let token = app.access_token(&bot, Some("account")).await;
    let header = jsonwebtoken::decode_header(&token).unwrap();
    assert_eq!(header.kid.as_deref(), Some(new_kid.as_str()));
    app.verify_like_a_resource_server(&token).await.unwrap();
    // The administrator's own token, signed with the old key, still works.
    ok(get(&app, "/api/v1/admin/keys", &root.token).await).await;
}

// ---------------------------------------------------------------------------------------
// The audit trail

#[tokio::test]
async fn the_audit_trail_is_filtered_by_user_event_and_time_and_paged() {
    let app = TestApp::spawn().await;
    let root = admin(&app, "root").await;
    let a = plain_user(&app, "alder", "alder@farm.example").await;
    let b = plain_user(&app, "birch", "birch@farm.example").await;
    let start = app.clock.now();
    app.clock.advance(100);
    let t1 = app.clock.now();
    for (id, company) in [(&a, "One"), (&b, "Two"), (&a, "Three")] {
        ok(put(
            &app,
            &format!("{}/company", user_path(id)),
            &root.token,
            &json!({"company": company}),
        )
        .await)
        .await;
    }
    app.clock.advance(100);
    let t2 = app.clock.now();
    ok(post(
        &app,
        &format!("{}/lock", user_path(&b)),
        &root.token,
        &json!({"reason": "testing"}),
    )
    .await)
    .await;
    ok(put(
        &app,
        &format!("{}/roles", user_path(&a)),
        &root.token,
        &json!({"roles": ["farmer"]}),
    )
    .await)
    .await;
    ok(call(
        &app,
        Method::POST,
        "/api/v1/admin/keys/rotate",
        Some(&root.token),
        None,
    )
    .await)
    .await;

    let audit = |query: &str| format!("/api/v1/admin/audit?{query}");
    let events = |body: &Value| -> Vec<String> {
        body["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["event"].as_str().unwrap().to_string())
            .collect()
    };

    // A family, newest first; each change names the administrator.
    let users = ok(get(&app, &audit("event=user"), &root.token).await).await;
    assert_eq!(
        events(&users),
        [
            "user.roles",
            "user.locked",
            "user.company",
            "user.company",
            "user.company"
        ]
    );
    assert!(users.get("next_before").is_none(), "{users}");
    for event in users["events"].as_array().unwrap() {
        assert_eq!(event["actor_id"], root.id);
        assert!(
            event["detail"]
                .as_str()
                .unwrap()
                .starts_with("by administrator root: "),
            "{event}"
        );
        assert_eq!(event["outcome"], "success");
    }
    let ids: Vec<i64> = users["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_i64().unwrap())
        .collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "{ids:?}");

    // An exact name; a prefix that is not a family matches nothing; wildcards are literal.
    let company = ok(get(&app, &audit("event=user.company"), &root.token).await).await;
    assert_eq!(events(&company).len(), 3);
    let keys = ok(get(&app, &audit("event=keys"), &root.token).await).await;
    assert_eq!(events(&keys), ["keys.rotated"]);
    for nothing in [
        "use",
        "user.",
        "user%25",
        "%25",
        "_ser",
        "user.comp",
        "user.company.x",
    ] {
        let body = ok(get(&app, &audit(&format!("event={nothing}")), &root.token).await).await;
        assert_eq!(body["events"], json!([]), "event={nothing}");
    }

    // One user.
    let of_a = ok(get(&app, &audit(&format!("user_id={a}")), &root.token).await).await;
    assert_eq!(
        events(&of_a),
        ["user.roles", "user.company", "user.company"]
    );
    assert!(
        of_a["events"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["user_id"] == a.as_str())
    );
    let of_b = ok(get(
        &app,
        &audit(&format!("user_id={b}&event=user.company")),
        &root.token,
    )
    .await)
    .await;
    assert_eq!(events(&of_b), ["user.company"]);
    assert_eq!(
        of_b["events"][0]["detail"],
        "by administrator root: company Two"
    );

    // Time: since inclusive, until exclusive.
    let early = ok(get(
        &app,
        &audit(&format!("event=user&since={t1}&until={t2}")),
        &root.token,
    )
    .await)
    .await;
    assert_eq!(events(&early), ["user.company"; 3]);
    let late = ok(get(&app, &audit(&format!("event=user&since={t2}")), &root.token).await).await;
    assert_eq!(events(&late), ["user.roles", "user.locked"]);
    let none = ok(get(&app, &audit(&format!("until={start}")), &root.token).await).await;
    assert!(
        none["events"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["at"].as_i64().unwrap() < start)
    );

    // Pages of two, following next_before to the end: the same events, none twice.
    let mut paged = Vec::new();
    let mut query = "event=user&limit=2".to_string();
    for _ in 0..10 {
        let page = ok(get(&app, &audit(&query), &root.token).await).await;
        let got = page["events"].as_array().unwrap();
        assert!(got.len() <= 2);
        paged.extend(got.iter().map(|e| e["id"].as_i64().unwrap()));
        match page["next_before"].as_i64() {
            Some(before) => {
                assert_eq!(before, got.last().unwrap()["id"].as_i64().unwrap());
                query = format!("event=user&limit=2&before={before}");
            }
            None => break,
        }
    }
    assert_eq!(paged, ids);
    let whole = ok(get(&app, &audit("limit=500"), &root.token).await).await;
    let stored = trail(&app, AuditFilter::default()).await;
    assert_eq!(whole["events"].as_array().unwrap().len(), stored.len());
    assert_eq!(whole["events"][0]["id"], stored[0].id);

    for query in [
        "limit=0",
        "limit=501",
        "limit=-1",
        "limit=ten",
        "since=yesterday",
        "until=1.5",
        "before=x",
        &format!("event={}", "u".repeat(101)),
        &format!("user_id={}", "u".repeat(101)),
        &format!("client_id={}", "c".repeat(101)),
    ] {
        let response = get(&app, &audit(query), &root.token).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{query}");
    }
}

// ---------------------------------------------------------------------------------------
// Registration tokens

#[tokio::test]
async fn a_farmer_issues_registration_tokens_for_their_company_and_an_admin_for_anyone() {
    let app = TestApp::spawn().await;
    let root = admin(&app, "root").await;
    let wren = signed_in(&app, "wren", Role::Farmer, "openid account").await;
    let path = "/api/v1/me/initial-access-tokens";
    ok(put(
        &app,
        &format!("{}/company", user_path(&wren.id)),
        &root.token,
        &json!({"company": "Green Acres"}),
    )
    .await)
    .await;

    let issued = json_answer(
        post(
            &app,
            path,
            &wren.token,
            &json!({"ttl": 3600, "uses": 3, "vendor": "Someone Else Ltd"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let token = issued["token"].as_str().unwrap();
    assert!(token.len() >= 43, "{issued}");
    assert_eq!(issued["expires_at"], app.clock.now() + 3600);
    assert_eq!(issued["uses"], 3);
    // A farmer's apps carry their company, whatever they ask.
    assert_eq!(issued["vendor"], "Green Acres");
    let stored = app
        .store
        .list_usable_initial_access_tokens(app.clock.now())
        .await
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].token_hash, hash_secret(token));
    assert_eq!(stored[0].issued_by.as_deref(), Some(wren.id.as_str()));
    assert_eq!(stored[0].vendor.as_deref(), Some("Green Acres"));
    assert_eq!(stored[0].uses_left, 3);
    let record = trail(
        &app,
        AuditFilter {
            event: Some("initial_access_token.created"),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(record[0].user_id.as_deref(), Some(wren.id.as_str()));
    assert_eq!(record[0].actor_id.as_deref(), Some(wren.id.as_str()));
    assert!(!format!("{:?}", record[0]).contains(token));

    // Defaults: a day, one use.
    let issued = json_answer(
        post(&app, path, &wren.token, &json!({})).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(issued["expires_at"], app.clock.now() + 86_400);
    assert_eq!(issued["uses"], 1);

    let before = snapshot(&app).await;
    for body in [
        json!({"ttl": 59}),
        json!({"ttl": 30 * 86_400 + 1}),
        json!({"uses": 0}),
        json!({"uses": 101}),
        json!({"ttl": "an hour"}),
    ] {
        let response = post(&app, path, &wren.token, &body).await;
        assert_api_error(response, StatusCode::BAD_REQUEST, "invalid_request").await;
    }
    assert_eq!(snapshot(&app).await, before);
    // Under /me the vendor is the caller's own company: a name sent along is not read.
    let ignored = json_answer(
        post(&app, path, &wren.token, &json!({"vendor": "v".repeat(101)})).await,
        StatusCode::CREATED,
    )
    .await;
    assert_ne!(ignored["vendor"], json!("v".repeat(101)));
    let before = snapshot(&app).await;
    // A consumer may not; an app's own token has no person.
    let robin = signed_in(&app, "robin", Role::Consumer, "openid account").await;
    let response = post(&app, path, &robin.token, &json!({})).await;
    assert_api_error(response, StatusCode::FORBIDDEN, "forbidden").await;
    let before_robin = before.tokens.clone();
    let bot = app.machine_client("account").await;
    let bot_token = app.access_token(&bot, Some("account")).await;
    let response = post(&app, path, &bot_token, &json!({})).await;
    assert_api_error(response, StatusCode::FORBIDDEN, "insufficient_scope").await;
    let response = call(&app, Method::POST, path, None, Some(b"{}".to_vec())).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        app.store
            .list_usable_initial_access_tokens(app.clock.now())
            .await
            .unwrap(),
        before_robin
    );

    // Under /me, an administrator's token is for their own company too (their username
    // while none is on record), whatever `vendor` says; naming another vendor needs /admin.
    let mine = |body: Value| {
        let root = &root;
        let app = &app;
        async move {
            json_answer(
                post(app, path, &root.token, &body).await,
                StatusCode::CREATED,
            )
            .await
        }
    };
    let issued = mine(json!({"vendor": " Orchard Apps "})).await;
    assert_eq!(issued["vendor"], "root");
    let issued = mine(json!({})).await;
    assert_eq!(issued["vendor"], "root");
    ok(put(
        &app,
        &format!("{}/company", user_path(&root.id)),
        &root.token,
        &json!({"company": "Platform Ops"}),
    )
    .await)
    .await;
    let issued = mine(json!({"vendor": "Orchard Apps"})).await;
    assert_eq!(issued["vendor"], "Platform Ops");
    let token = issued["token"].as_str().unwrap();
    let stored = app
        .store
        .list_usable_initial_access_tokens(app.clock.now())
        .await
        .unwrap();
    let row = stored
        .iter()
        .find(|row| row.token_hash == hash_secret(token))
        .expect("stored");
    assert_eq!(row.vendor.as_deref(), Some("Platform Ops"));
    assert_eq!(row.issued_by.as_deref(), Some(root.id.as_str()));
    let issued = json_answer(
        post(
            &app,
            "/api/v1/admin/initial-access-tokens",
            &root.token,
            &json!({"vendor": " Orchard Apps "}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(issued["vendor"], "Orchard Apps");
    let response = post(
        &app,
        "/api/v1/admin/initial-access-tokens",
        &wren.token,
        &json!({}),
    )
    .await;
    assert_api_error(response, StatusCode::FORBIDDEN, "insufficient_scope").await;
}

// ---------------------------------------------------------------------------------------
// Bad input

/// The routes that read a JSON body, at a user, a client or nowhere in particular.
fn body_routes(user: &str, client: &str) -> Vec<(Method, String)> {
    vec![
        (Method::POST, format!("{}/lock", user_path(user))),
        (Method::POST, format!("{}/unlock", user_path(user))),
        (Method::PUT, format!("{}/roles", user_path(user))),
        (Method::PUT, format!("{}/company", user_path(user))),
        (Method::POST, "/api/v1/admin/clients".into()),
        (Method::PUT, format!("/api/v1/admin/clients/{client}")),
        (Method::POST, "/api/v1/admin/initial-access-tokens".into()),
        (Method::POST, "/api/v1/me/initial-access-tokens".into()),
    ]
}

#[tokio::test]
async fn bad_bodies_are_a_clear_4xx_and_change_nothing() {
    let app = TestApp::spawn().await;
    let root = admin(&app, "root").await;
    let user = plain_user(&app, "marigold", "marigold@farm.example").await;
    let created = json_answer(
        post(&app, "/api/v1/admin/clients", &root.token, &client_body()).await,
        StatusCode::CREATED,
    )
    .await;
    let client = created["client_id"].as_str().unwrap().to_string();

    let mut padded = client_body();
    padded["padding"] = json!(" ".repeat(1024 * 1024));
    let bodies: Vec<(&str, Vec<u8>, StatusCode)> = vec![
        (
            "malformed JSON",
            b"{\"reason\": ".to_vec(),
            StatusCode::BAD_REQUEST,
        ),
        ("not JSON", b"reason=x".to_vec(), StatusCode::BAD_REQUEST),
        ("empty", Vec::new(), StatusCode::BAD_REQUEST),
        ("an array", b"[\"admin\"]".to_vec(), StatusCode::BAD_REQUEST),
        (
            "an array of objects",
            b"[{\"roles\": [\"admin\"]}]".to_vec(),
            StatusCode::BAD_REQUEST,
        ),
        ("a string", b"\"admin\"".to_vec(), StatusCode::BAD_REQUEST),
        ("null", b"null".to_vec(), StatusCode::BAD_REQUEST),
        (
            "invalid UTF-8",
            b"{\"reason\": \"\xff\xfe\"}".to_vec(),
            StatusCode::BAD_REQUEST,
        ),
        (
            "1 MB",
            padded.to_string().into_bytes(),
            StatusCode::PAYLOAD_TOO_LARGE,
        ),
        (
            "1 MB of spaces",
            vec![b' '; 1024 * 1024],
            StatusCode::PAYLOAD_TOO_LARGE,
        ),
    ];
    let before = snapshot(&app).await;
    for (method, path) in body_routes(&user, &client) {
        for (what, body, status) in &bodies {
            let response = call(
                &app,
                method.clone(),
                &path,
                Some(&root.token),
                Some(body.clone()),
            )
            .await;
            let got = response.status();
            let text = response.text().await.unwrap();
            assert_eq!(got, *status, "{method} {path} with {what}: {text}");
            let answer: Value = serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("{method} {path} with {what}: {e}: {text}"));
            assert_eq!(
                answer["error"], "invalid_request",
                "{method} {path}: {what}"
            );
        }
    }
    assert_eq!(snapshot(&app).await, before);
    // The server is fine afterwards.
    ok(get(&app, &user_path(&user), &root.token).await).await;
}

#[tokio::test]
async fn control_characters_and_long_text_in_a_user_search_find_nobody() {
    let app = TestApp::spawn().await;
    let root = admin(&app, "root").await;
    plain_user(&app, "marigold", "marigold@farm.example").await;
    let long = "m".repeat(10_000);
    for q in ["%1B", "%E2%80%8B", "mari%0Agold", "%7F", long.as_str()] {
        let response = get(&app, &format!("/api/v1/admin/users?q={q}"), &root.token).await;
        let short: String = q.chars().take(20).collect();
        let body = json_answer(response, StatusCode::OK).await;
        assert_eq!(body["total"], 0, "q={short}: {body}");
        assert_eq!(body["users"], json!([]), "q={short}");
    }
}

#[tokio::test]
async fn a_nul_in_a_user_search_finds_nobody() {
    let app = TestApp::spawn().await;
    let root = admin(&app, "root").await;
    plain_user(&app, "marigold", "marigold@farm.example").await;
    for q in ["%00", "mari%00gold", "%00%25"] {
        let response = get(&app, &format!("/api/v1/admin/users?q={q}"), &root.token).await;
        let body = json_answer(response, StatusCode::OK).await;
        assert_eq!(body["total"], 0, "q={q}: {body}");
        assert_eq!(body["users"], json!([]), "q={q}");
    }
}

#[tokio::test]
async fn control_characters_in_audit_filters_find_nothing() {
    let app = TestApp::spawn().await;
    let root = admin(&app, "root").await;
    let id = plain_user(&app, "marigold", "marigold@farm.example").await;
    ok(put(
        &app,
        &format!("{}/company", user_path(&id)),
        &root.token,
        &json!({"company": "Green Acres"}),
    )
    .await)
    .await;
    for filter in ["user_id", "client_id", "event"] {
        for value in ["%0A", "%1B%5B2J", "user%0A", "%E2%80%8B"] {
            let query = format!("/api/v1/admin/audit?{filter}={value}");
            let body = json_answer(get(&app, &query, &root.token).await, StatusCode::OK).await;
            assert_eq!(body["events"], json!([]), "{query}: {body}");
        }
    }
}

#[tokio::test]
async fn a_nul_in_audit_filters_finds_nothing() {
    let app = TestApp::spawn().await;
    let root = admin(&app, "root").await;
    let id = plain_user(&app, "marigold", "marigold@farm.example").await;
    ok(put(
        &app,
        &format!("{}/company", user_path(&id)),
        &root.token,
        &json!({"company": "Green Acres"}),
    )
    .await)
    .await;
    for filter in ["user_id", "client_id", "event"] {
        for value in ["%00".to_string(), format!("{id}%00"), "user%00".into()] {
            let query = format!("/api/v1/admin/audit?{filter}={value}");
            let body = json_answer(get(&app, &query, &root.token).await, StatusCode::OK).await;
            assert_eq!(body["events"], json!([]), "{query}: {body}");
        }
    }
}

#[tokio::test]
async fn odd_ids_and_wrong_methods_are_a_clear_4xx_and_change_nothing() {
    let app = TestApp::spawn().await;
    let root = admin(&app, "root").await;
    let user = plain_user(&app, "marigold", "marigold@farm.example").await;
    let before = snapshot(&app).await;
    let long = "x".repeat(10_000);
    let odd_ids = [
        "nobody",
        "%00",
        "%00%00%00",
        &format!("{user}%00"),
        &format!("%0D%0A{user}"),
        "%1B%5B2J",
        "%7F",
        "%C2%85",
        long.as_str(),
        "%25",
        "'%20OR%201=1%20--",
    ];
    let body = json!({"reason": "r", "roles": ["farmer"], "company": "c", "client_name": "n"});
    for odd in odd_ids {
        for (method, path) in [
            (Method::GET, user_path(odd)),
            (Method::DELETE, user_path(odd)),
            (Method::POST, format!("{}/lock", user_path(odd))),
            (Method::POST, format!("{}/unlock", user_path(odd))),
            (Method::PUT, format!("{}/roles", user_path(odd))),
            (Method::PUT, format!("{}/company", user_path(odd))),
            (Method::POST, format!("{}/password-reset", user_path(odd))),
            (Method::GET, format!("{}/sessions", user_path(odd))),
            (Method::DELETE, format!("{}/sessions/{odd}", user_path(odd))),
            (
                Method::DELETE,
                format!("{}/sessions/{odd}", user_path(&user)),
            ),
            (Method::GET, format!("/api/v1/admin/clients/{odd}")),
            (Method::PUT, format!("/api/v1/admin/clients/{odd}")),
            (Method::DELETE, format!("/api/v1/admin/clients/{odd}")),
            (Method::POST, format!("/api/v1/admin/clients/{odd}/secret")),
        ] {
            let response = send(&app, method.clone(), &path, &root.token, &body).await;
            let status = response.status();
            let text = response.text().await.unwrap();
            let short: String = path.chars().take(80).collect();
            assert_eq!(status, StatusCode::NOT_FOUND, "{method} {short}: {text}");
            let answer: Value = serde_json::from_str(&text).unwrap();
            assert_eq!(answer["error"], "not_found", "{method} {short}");
        }
    }
    // Not UTF-8 once decoded: refused as a bad request.
    let response = get(&app, &user_path("%FF%FE"), &root.token).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);

    for (method, path) in [
        (Method::PATCH, user_path(&user)),
        (Method::PUT, user_path(&user)),
        (Method::POST, user_path(&user)),
        (Method::POST, "/api/v1/admin/users".to_string()),
        (Method::DELETE, "/api/v1/admin/users".to_string()),
        (Method::GET, format!("{}/lock", user_path(&user))),
        (Method::DELETE, format!("{}/lock", user_path(&user))),
        (Method::PUT, format!("{}/unlock", user_path(&user))),
        (Method::POST, format!("{}/roles", user_path(&user))),
        (Method::GET, format!("{}/roles", user_path(&user))),
        (Method::PATCH, format!("{}/company", user_path(&user))),
        (Method::GET, format!("{}/password-reset", user_path(&user))),
        (Method::DELETE, format!("{}/sessions", user_path(&user))),
        (Method::GET, format!("{}/sessions/x", user_path(&user))),
        (Method::PUT, "/api/v1/admin/clients".to_string()),
        (Method::DELETE, "/api/v1/admin/clients".to_string()),
        (Method::PATCH, "/api/v1/admin/clients/x".to_string()),
        (Method::GET, "/api/v1/admin/clients/x/secret".to_string()),
        (Method::POST, "/api/v1/admin/keys".to_string()),
        (Method::DELETE, "/api/v1/admin/keys".to_string()),
        (Method::GET, "/api/v1/admin/keys/rotate".to_string()),
        (Method::POST, "/api/v1/admin/audit".to_string()),
        (Method::DELETE, "/api/v1/admin/audit".to_string()),
        (
            Method::GET,
            "/api/v1/admin/initial-access-tokens".to_string(),
        ),
        (Method::GET, "/api/v1/me/initial-access-tokens".to_string()),
    ] {
        let response = send(&app, method.clone(), &path, &root.token, &body).await;
        assert_eq!(
            response.status(),
            StatusCode::METHOD_NOT_ALLOWED,
            "{method} {path}"
        );
    }
    for path in [
        "/api/v1/admin",
        "/api/v1/admin/",
        "/api/v1/admin/users/",
        "/api/v1/admin/user",
        "/api/v1/admin/keys/rotate/now",
        "/api/v1/admin/users/a/b",
    ] {
        let response = get(&app, path, &root.token).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
    }
    assert_eq!(snapshot(&app).await, before);
}

// ---------------------------------------------------------------------------------------
// The OpenAPI document

fn operations_in(doc: &Value) -> BTreeSet<(String, String)> {
    let mut found = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, _) in item.as_object().expect("a path item") {
            if ["get", "post", "put", "patch", "delete", "head", "options"]
                .contains(&method.as_str())
            {
                found.insert((method.clone(), path.clone()));
            }
        }
    }
    found
}

fn is_admin_operation(path: &str) -> bool {
    path.starts_with("/api/v1/admin/") || path == "/api/v1/me/initial-access-tokens"
}

fn concrete(path: &str) -> String {
    path.replace("{id}", "some-id").replace("{sid}", "some-sid")
}

async fn openapi(app: &TestApp) -> Value {
    let response = call(app, Method::GET, "/api/v1/openapi.json", None, None).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.expect("the document is JSON")
}

#[tokio::test]
async fn every_admin_operation_is_documented_routed_and_asks_for_a_token() {
    let app = TestApp::spawn().await;
    let doc = openapi(&app).await;
    let documented: BTreeSet<(String, String)> = operations_in(&doc)
        .into_iter()
        .filter(|(_, path)| is_admin_operation(path))
        .collect();
    let routed: BTreeSet<(String, String)> = ADMIN_OPERATIONS
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    assert_eq!(documented, routed);

    let mut operation_ids = BTreeSet::new();
    for (method, path) in ADMIN_OPERATIONS {
        let operation = &doc["paths"][path][method];
        let id = operation["operationId"].as_str().expect("an operationId");
        assert!(operation_ids.insert(id.to_string()), "{id} twice");
        assert!(operation["summary"].is_string(), "{method} {path}");
        // Guarded by the document's bearer scheme, like the rest of the API.
        assert!(operation.get("security").is_none(), "{method} {path}");
        // Every path parameter is described.
        let named: BTreeSet<String> = path
            .split('/')
            .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
            .map(str::to_string)
            .collect();
        let mut described = BTreeSet::new();
        for parameter in doc["paths"][path]["parameters"]
            .as_array()
            .into_iter()
            .chain(operation["parameters"].as_array())
            .flatten()
        {
            let parameter = resolve(&doc, parameter);
            if parameter["in"] == "path" {
                assert_eq!(parameter["required"], true, "{method} {path}");
                described.insert(parameter["name"].as_str().unwrap().to_string());
            }
        }
        assert_eq!(named, described, "{method} {path}");
        // Every operation says what a refused token gets.
        let responses = &operation["responses"];
        for status in ["401", "403"] {
            assert!(!responses[status].is_null(), "{method} {path}: {status}");
        }
        if path.contains('{') {
            assert!(!responses["404"].is_null(), "{method} {path}: 404");
        }
        // A body is documented where one is read, with what a bad one gets.
        let reads_body = body_routes("{id}", "{id}")
            .iter()
            .any(|(m, p)| m.as_str().eq_ignore_ascii_case(method) && p == path);
        assert_eq!(
            !operation["requestBody"].is_null(),
            reads_body,
            "{method} {path}: requestBody"
        );
        if reads_body {
            for status in ["400", "413"] {
                assert!(!responses[status].is_null(), "{method} {path}: {status}");
            }
            let schema = &operation["requestBody"]["content"]["application/json"]["schema"];
            assert!(!schema.is_null(), "{method} {path}: no body schema");
        }

        // Routed, and asks for a token before anything else.
        let verb = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let body = (verb == Method::POST || verb == Method::PUT).then(|| b"{}".to_vec());
        let response = call(&app, verb, &concrete(path), None, body).await;
        assert_eq!(
            response.status(),
            StatusCode::UNAUTHORIZED,
            "{method} {path}"
        );
        assert!(
            response.headers().contains_key(WWW_AUTHENTICATE),
            "{method} {path}"
        );
    }
    // Other methods on a documented path are not routed.
    let paths: BTreeSet<&str> = ADMIN_OPERATIONS.iter().map(|(_, p)| *p).collect();
    for path in paths {
        for method in ["get", "post", "put", "patch", "delete"] {
            if ADMIN_OPERATIONS.contains(&(method, path)) {
                continue;
            }
            let verb = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let response = call(&app, verb, &concrete(path), None, None).await;
            assert_eq!(
                response.status(),
                StatusCode::METHOD_NOT_ALLOWED,
                "{method} {path} is routed but not documented"
            );
        }
    }
    // The statuses the tests here see are documented.
    for (method, path, statuses) in ADMIN_OBSERVED {
        let responses = &doc["paths"][path][method]["responses"];
        for status in *statuses {
            assert!(
                !responses[status.to_string()].is_null(),
                "{method} {path} answers {status}, undocumented"
            );
        }
    }
    // The error codes are named, and the token scheme says what the admin API needs.
    let text = doc.to_string();
    for code in [
        "not_on_yourself",
        "forbidden",
        "insufficient_scope",
        "invalid_redirect_uri",
        "invalid_client_metadata",
        "not_found",
    ] {
        assert!(text.contains(code), "{code} is not documented");
    }
    let scheme = doc["components"]["securitySchemes"]["bearer"]["description"]
        .as_str()
        .unwrap();
    assert!(scheme.contains("`admin`"), "{scheme}");
}

/// Follows a local `$ref`.
fn resolve<'a>(doc: &'a Value, value: &'a Value) -> &'a Value {
    match value["$ref"].as_str() {
        Some(reference) => {
            let pointer = reference.strip_prefix('#').expect("a local reference");
            doc.pointer(pointer)
                .unwrap_or_else(|| panic!("{reference} points nowhere"))
        }
        None => value,
    }
}

/// Asserts that `value` fits `schema`: types, enums, required and no undocumented
/// properties, array items.
fn assert_fits(doc: &Value, schema: &Value, value: &Value, at: &str) {
    let schema = resolve(doc, schema);
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    assert!(!types.is_empty(), "{at}: the schema gives no type");
    let fits = types.iter().any(|t| match *t {
        "string" => value.is_string(),
        "boolean" => value.is_boolean(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        "null" => value.is_null(),
        other => panic!("unknown type {other}"),
    });
    assert!(fits, "{at}: {value} is not {types:?}");
    if let Some(choices) = schema["enum"].as_array() {
        assert!(choices.contains(value), "{at}: {value} not in {choices:?}");
    }
    if let Some(object) = value.as_object() {
        let properties = schema["properties"]
            .as_object()
            .unwrap_or_else(|| panic!("{at}: no documented properties"));
        for key in object.keys() {
            assert!(
                properties.contains_key(key),
                "{at}: {key} is answered but not documented"
            );
        }
        for required in schema["required"].as_array().into_iter().flatten() {
            let required = required.as_str().unwrap();
            assert!(object.contains_key(required), "{at}: {required} missing");
        }
        for (key, item) in object {
            assert_fits(doc, &properties[key], item, &format!("{at}.{key}"));
        }
    }
    if let Some(items) = value.as_array() {
        for (n, item) in items.iter().enumerate() {
            assert_fits(doc, &schema["items"], item, &format!("{at}[{n}]"));
        }
    }
}

/// Asserts that `answer` fits what the document says `method path` answers with `status`.
fn assert_documented(doc: &Value, method: &str, path: &str, status: u16, answer: &Value) {
    let response = &doc["paths"][path][method]["responses"][status.to_string()];
    assert!(
        !response.is_null(),
        "{method} {path} does not document {status}"
    );
    let response = resolve(doc, response);
    let schema = &response["content"]["application/json"]["schema"];
    assert!(
        !schema.is_null(),
        "{method} {path} {status}: no JSON schema"
    );
    assert_fits(doc, schema, answer, &format!("{method} {path} {status}"));
}

#[tokio::test]
async fn admin_answers_fit_the_schemas_the_document_gives_them() {
    let app = TestApp::spawn().await;
    let doc = openapi(&app).await;
    let root = admin(&app, "root").await;
    let marigold = signed_in(&app, "marigold", Role::Farmer, "openid account").await;
    let user = user_path(&marigold.id);
    let t = root.token.as_str();

    let list = ok(get(&app, "/api/v1/admin/users", t).await).await;
    assert_documented(&doc, "get", "/api/v1/admin/users", 200, &list);
    // A person's token without the admin scope.
    let forbidden = json_answer(
        get(&app, "/api/v1/admin/users", &marigold.token).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_documented(&doc, "get", "/api/v1/admin/users", 403, &forbidden);
    let bad = json_answer(
        get(&app, "/api/v1/admin/users?per_page=0", t).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_documented(&doc, "get", "/api/v1/admin/users", 400, &bad);
    let one = ok(get(&app, &user, t).await).await;
    assert_documented(&doc, "get", "/api/v1/admin/users/{id}", 200, &one);
    let missing = json_answer(
        get(&app, &user_path("nobody"), t).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_documented(&doc, "get", "/api/v1/admin/users/{id}", 404, &missing);
    let company = ok(put(
        &app,
        &format!("{user}/company"),
        t,
        &json!({"company": "Green Acres"}),
    )
    .await)
    .await;
    assert_documented(
        &doc,
        "put",
        "/api/v1/admin/users/{id}/company",
        200,
        &company,
    );
    let roles = ok(put(
        &app,
        &format!("{user}/roles"),
        t,
        &json!({"roles": ["farmer"]}),
    )
    .await)
    .await;
    assert_documented(&doc, "put", "/api/v1/admin/users/{id}/roles", 200, &roles);
    let sessions = ok(get(&app, &format!("{user}/sessions"), t).await).await;
    assert_eq!(sessions["sessions"].as_array().unwrap().len(), 1);
    assert_documented(
        &doc,
        "get",
        "/api/v1/admin/users/{id}/sessions",
        200,
        &sessions,
    );
    let issued = json_answer(
        post(
            &app,
            "/api/v1/me/initial-access-tokens",
            &marigold.token,
            &json!({}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_documented(
        &doc,
        "post",
        "/api/v1/me/initial-access-tokens",
        201,
        &issued,
    );
    let issued = json_answer(
        post(
            &app,
            "/api/v1/admin/initial-access-tokens",
            t,
            &json!({"vendor": "Orchard Apps"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_documented(
        &doc,
        "post",
        "/api/v1/admin/initial-access-tokens",
        201,
        &issued,
    );
    let locked = ok(post(&app, &format!("{user}/lock"), t, &json!({"reason": "r"})).await).await;
    assert_documented(&doc, "post", "/api/v1/admin/users/{id}/lock", 200, &locked);
    let yourself = json_answer(
        post(
            &app,
            &format!("{}/lock", user_path(&root.id)),
            t,
            &json!({"reason": "r"}),
        )
        .await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_documented(
        &doc,
        "post",
        "/api/v1/admin/users/{id}/lock",
        409,
        &yourself,
    );
    let unlocked = ok(post(&app, &format!("{user}/unlock"), t, &json!({})).await).await;
    assert_documented(
        &doc,
        "post",
        "/api/v1/admin/users/{id}/unlock",
        200,
        &unlocked,
    );
    let reset = json_answer(
        call(
            &app,
            Method::POST,
            &format!("{user}/password-reset"),
            Some(t),
            None,
        )
        .await,
        StatusCode::ACCEPTED,
    )
    .await;
    assert_documented(
        &doc,
        "post",
        "/api/v1/admin/users/{id}/password-reset",
        202,
        &reset,
    );

    let created = json_answer(
        post(&app, "/api/v1/admin/clients", t, &client_body()).await,
        StatusCode::CREATED,
    )
    .await;
    assert_documented(&doc, "post", "/api/v1/admin/clients", 201, &created);
    let id = created["client_id"].as_str().unwrap();
    let mut bad_uri = client_body();
    bad_uri["redirect_uris"] = json!(["http://x.example/"]);
    let refused = json_answer(
        post(&app, "/api/v1/admin/clients", t, &bad_uri).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_documented(&doc, "post", "/api/v1/admin/clients", 400, &refused);
    let clients = ok(get(&app, "/api/v1/admin/clients", t).await).await;
    assert_documented(&doc, "get", "/api/v1/admin/clients", 200, &clients);
    let client = ok(get(&app, &format!("/api/v1/admin/clients/{id}"), t).await).await;
    assert_documented(&doc, "get", "/api/v1/admin/clients/{id}", 200, &client);
    let updated = ok(put(
        &app,
        &format!("/api/v1/admin/clients/{id}"),
        t,
        &client_body(),
    )
    .await)
    .await;
    assert_documented(&doc, "put", "/api/v1/admin/clients/{id}", 200, &updated);
    let secret = ok(call(
        &app,
        Method::POST,
        &format!("/api/v1/admin/clients/{id}/secret"),
        Some(t),
        None,
    )
    .await)
    .await;
    assert_documented(
        &doc,
        "post",
        "/api/v1/admin/clients/{id}/secret",
        200,
        &secret,
    );

    let keys = ok(get(&app, "/api/v1/admin/keys", t).await).await;
    assert_documented(&doc, "get", "/api/v1/admin/keys", 200, &keys);
    let rotated = ok(call(
        &app,
        Method::POST,
        "/api/v1/admin/keys/rotate",
        Some(t),
        None,
    )
    .await)
    .await;
    assert_documented(&doc, "post", "/api/v1/admin/keys/rotate", 200, &rotated);
    let keys = ok(get(&app, "/api/v1/admin/keys", t).await).await;
    assert_documented(&doc, "get", "/api/v1/admin/keys", 200, &keys);

    let audit = ok(get(&app, "/api/v1/admin/audit?limit=2", t).await).await;
    assert!(audit["next_before"].is_i64());
    assert_documented(&doc, "get", "/api/v1/admin/audit", 200, &audit);
    let audit = ok(get(&app, "/api/v1/admin/audit", t).await).await;
    assert_documented(&doc, "get", "/api/v1/admin/audit", 200, &audit);
    let bad = json_answer(
        get(&app, "/api/v1/admin/audit?limit=0", t).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_documented(&doc, "get", "/api/v1/admin/audit", 400, &bad);
}
