//! The JSON account API under `/api/v1/`: bearer tokens with the `account` scope (an app's
//! own for sign-up and resets, a person's for `/me`), sign-up, password resets, password
//! changes, the authenticator app, sessions, and the OpenAPI document that describes it all.

use std::collections::BTreeSet;

use farm_auth::accounts::second_factor;
use farm_auth::accounts::totp;
use farm_auth::accounts::users::Role;
use reqwest::header::{CACHE_CONTROL, CONTENT_TYPE, RETRY_AFTER, WWW_AUTHENTICATE};
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestClient, assert_oauth_error, link_in};
use crate::user_agent::{PASSWORD, UserAgent};

/// What a platform app asks for when it signs a person in to manage their account.
const WEB_SCOPE: &str = "openid account";
const NEW_PASSWORD: &str = "rhubarb under a bucket";
/// A valid sign-up password.
const SIGNUP_PASSWORD: &str = "potatoes grow underground";

/// The operations of the API, as the tests below call them.
const OPERATIONS: &[(&str, &str)] = &[
    ("post", "/api/v1/users"),
    ("post", "/api/v1/password-reset-requests"),
    ("post", "/api/v1/password-resets"),
    ("get", "/api/v1/me"),
    ("post", "/api/v1/me/password"),
    ("post", "/api/v1/me/totp"),
    ("post", "/api/v1/me/totp/verify"),
    ("post", "/api/v1/me/totp/disable"),
    ("get", "/api/v1/me/sessions"),
    ("delete", "/api/v1/me/sessions/{id}"),
    ("get", "/api/v1/openapi.json"),
];

/// The statuses the tests below see each operation answer.
const OBSERVED: &[(&str, &str, &[u16])] = &[
    ("post", "/api/v1/users", &[201, 400, 401, 403, 409]),
    ("post", "/api/v1/password-reset-requests", &[202, 400, 401]),
    ("post", "/api/v1/password-resets", &[204, 400]),
    ("get", "/api/v1/me", &[200, 401, 403]),
    ("post", "/api/v1/me/password", &[204, 400, 403, 429]),
    ("post", "/api/v1/me/totp", &[201, 403, 409]),
    ("post", "/api/v1/me/totp/verify", &[200, 400, 409]),
    ("post", "/api/v1/me/totp/disable", &[204, 400, 409]),
    ("get", "/api/v1/me/sessions", &[200, 403]),
    ("delete", "/api/v1/me/sessions/{id}", &[204, 403, 404]),
    ("get", "/api/v1/openapi.json", &[200]),
];

// ---------------------------------------------------------------------------------------
// Helpers

/// Sends `method path` with an optional bearer token and an optional raw JSON body.
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

async fn get(app: &TestApp, path: &str, token: Option<&str>) -> Response {
    call(app, Method::GET, path, token, None).await
}

async fn post(app: &TestApp, path: &str, token: Option<&str>, body: &Value) -> Response {
    call(
        app,
        Method::POST,
        path,
        token,
        Some(body.to_string().into_bytes()),
    )
    .await
}

async fn delete(app: &TestApp, path: &str, token: Option<&str>) -> Response {
    call(app, Method::DELETE, path, token, None).await
}

/// A JSON answer with `status`, not to be cached: its body.
async fn json_answer(response: Response, status: StatusCode) -> Value {
    let got = response.status();
    let cache = response.headers().get(CACHE_CONTROL).cloned();
    let kind = response.headers().get(CONTENT_TYPE).cloned();
    let text = response.text().await.unwrap();
    assert_eq!(got, status, "{text}");
    assert_eq!(cache.unwrap(), "no-store", "{text}");
    assert_eq!(kind.unwrap(), "application/json", "{text}");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// A 204 with nothing in it.
async fn assert_no_content(response: Response) {
    let status = response.status();
    let text = response.text().await.unwrap();
    assert_eq!(status, StatusCode::NO_CONTENT, "{text}");
    assert_eq!(text, "");
}

/// An API error: `status`, `error`, an `error_description`, `no-store`.
async fn assert_api_error(response: Response, status: StatusCode, error: &str) -> Value {
    assert_oauth_error(response, status, error).await
}

/// An app's own token (client credentials) with the `account` scope.
async fn app_token(app: &TestApp) -> String {
    let client = app.machine_client("account").await;
    app.access_token(&client, Some("account")).await
}

/// A person signed in to an app in a browser, and the app's token for them.
struct Person {
    id: String,
    username: String,
    agent: UserAgent,
    client: TestClient,
    token: String,
}

/// A new consumer `username` (password [`PASSWORD`]) who signed in to a platform app that
/// asked for `scope`.
async fn person_with_scope(app: &TestApp, username: &str, scope: &str) -> Person {
    let id = app.person(username, Role::Consumer).await;
    let client = app.web_client(WEB_SCOPE).await;
    let agent = UserAgent::new(app);
    let tokens = app
        .sign_in_for_tokens(&agent, &client, username, scope)
        .await;
    let token = tokens["access_token"]
        .as_str()
        .expect("an access token")
        .to_string();
    Person {
        id,
        username: username.to_string(),
        agent,
        client,
        token,
    }
}

/// A new consumer with a token for the account API.
async fn person(app: &TestApp, username: &str) -> Person {
    person_with_scope(app, username, WEB_SCOPE).await
}

/// A new browser signing in on the login page: the browser and the path it landed on
/// (`/account` when signed in, `/login` when refused).
async fn sign_in(app: &TestApp, username: &str, password: &str) -> (UserAgent, String) {
    let agent = UserAgent::new(app);
    let landing = agent.navigate("/login").await;
    let (path, _, _) = agent.log_in(landing, username, password).await.page();
    (agent, path)
}

async fn password_works(app: &TestApp, username: &str, password: &str) -> bool {
    match sign_in(app, username, password).await.1.as_str() {
        "/account" => true,
        "/login" => false,
        other => panic!("signing in landed on {other}"),
    }
}

/// Whether `agent` is still signed in: its account page shows, or it is sent to sign in.
async fn is_signed_in(agent: &UserAgent) -> bool {
    let response = agent.get("/account").await;
    match response.status() {
        StatusCode::OK => true,
        StatusCode::SEE_OTHER => {
            assert_eq!(response.headers()["location"], "/login");
            false
        }
        other => panic!("GET /account answered {other}"),
    }
}

/// The sessions `/api/v1/me/sessions` lists for `token`.
async fn sessions_of(app: &TestApp, token: &str) -> Vec<Value> {
    let body = json_answer(
        get(app, "/api/v1/me/sessions", Some(token)).await,
        StatusCode::OK,
    )
    .await;
    body["sessions"]
        .as_array()
        .expect("a sessions array")
        .clone()
}

fn session_ids(sessions: &[Value]) -> Vec<String> {
    sessions
        .iter()
        .map(|s| s["id"].as_str().expect("a session id").to_string())
        .collect()
}

/// A sign-up body.
fn signup(username: &str, email: &str, password: &str) -> Value {
    json!({"username": username, "email": email, "password": password})
}

/// Whether an account named `username` exists.
async fn exists(app: &TestApp, username: &str) -> bool {
    app.store
        .find_user_by_username(username)
        .await
        .unwrap()
        .is_some()
}

/// The reset token in the `n`-th mail to `email` (waiting for it).
async fn reset_token(app: &TestApp, email: &str, n: usize) -> String {
    let mail = app.wait_for_mail(email, n).await;
    assert!(mail.contains("Subject: Reset your password"), "{mail}");
    let link = link_in(&mail, &format!("{}/password/reset?token=", app.issuer));
    link.split_once("?token=").unwrap().1.to_string()
}

/// A six-digit code that the authenticator app with `secret` does not show around now.
fn wrong_code(app: &TestApp, secret: &str) -> String {
    let now = app.clock.now();
    let near: Vec<String> = (-2..=2)
        .map(|step| totp::code_at(secret, now + step * 30).unwrap())
        .collect();
    (0..1_000_000)
        .map(|n| format!("{n:06}"))
        .find(|code| !near.contains(code))
        .unwrap()
}

fn code_now(app: &TestApp, secret: &str) -> String {
    totp::code_at(secret, app.clock.now()).unwrap()
}

/// The OpenAPI document as served.
async fn openapi(app: &TestApp) -> Value {
    json_of_public(get(app, "/api/v1/openapi.json", None).await).await
}

async fn json_of_public(response: Response) -> Value {
    let status = response.status();
    let kind = response.headers().get(CONTENT_TYPE).cloned();
    let text = response.text().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{text}");
    assert_eq!(kind.unwrap(), "application/json");
    serde_json::from_str(&text).expect("the OpenAPI document is JSON")
}

/// The (method, path) operations a document lists.
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

/// Follows a local `$ref` (`#/components/...`).
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

/// Asserts that `value` fits `schema` of `doc`: types, enums, required and no undocumented
/// properties, array items and sizes.
fn assert_fits(doc: &Value, schema: &Value, value: &Value, at: &str) {
    let schema = resolve(doc, schema);
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    if !types.is_empty() {
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
    }
    if let Some(choices) = schema["enum"].as_array() {
        assert!(choices.contains(value), "{at}: {value} not in {choices:?}");
    }
    if let Some(object) = value.as_object() {
        let properties = schema["properties"]
            .as_object()
            .expect("documented properties");
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
        if let Some(min) = schema["minItems"].as_u64() {
            assert!(items.len() as u64 >= min, "{at}: fewer than {min} items");
        }
        if let Some(max) = schema["maxItems"].as_u64() {
            assert!(items.len() as u64 <= max, "{at}: more than {max} items");
        }
        for (n, item) in items.iter().enumerate() {
            assert_fits(doc, &schema["items"], item, &format!("{at}[{n}]"));
        }
    }
}

/// The schema the document gives the JSON answer `status` of `method path`.
fn answer_schema<'a>(doc: &'a Value, method: &str, path: &str, status: u16) -> &'a Value {
    let response = &doc["paths"][path][method]["responses"][status.to_string()];
    assert!(
        !response.is_null(),
        "{method} {path} does not document {status}"
    );
    let response = resolve(doc, response);
    let schema = &response["content"]["application/json"]["schema"];
    assert!(
        !schema.is_null(),
        "{method} {path} {status} has no JSON schema"
    );
    schema
}

// ---------------------------------------------------------------------------------------
// The access token

#[tokio::test]
async fn a_request_without_a_token_is_challenged_without_an_error_code() {
    let app = TestApp::spawn().await;
    for (method, path) in [
        (Method::GET, "/api/v1/me"),
        (Method::POST, "/api/v1/users"),
        (Method::GET, "/api/v1/me/sessions"),
    ] {
        let body = (method == Method::POST).then(|| {
            signup("wren", "wren@farm.example", SIGNUP_PASSWORD)
                .to_string()
                .into_bytes()
        });
        let response = call(&app, method.clone(), path, None, body).await;
        assert_eq!(
            response.status(),
            StatusCode::UNAUTHORIZED,
            "{method} {path}"
        );
        let challenge = response.headers()[WWW_AUTHENTICATE]
            .to_str()
            .unwrap()
            .to_string();
        assert!(
            challenge.starts_with("Bearer realm="),
            "{method} {path}: {challenge}"
        );
        // RFC 6750 §3.1: no error code when the request had no token at all.
        assert!(!challenge.contains("error"), "{method} {path}: {challenge}");
        let text = response.text().await.unwrap();
        assert!(!text.contains("error"), "{method} {path}: {text}");
    }
    // Another scheme is no bearer token either.
    let response = app
        .http
        .get(app.url("/api/v1/me"))
        .basic_auth("someone", Some("secret"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let challenge = response.headers()[WWW_AUTHENTICATE].to_str().unwrap();
    assert!(challenge.starts_with("Bearer realm="), "{challenge}");
    assert!(!challenge.contains("error"), "{challenge}");
    assert!(!exists(&app, "wren").await, "signed up without a token");
}

#[tokio::test]
async fn a_garbage_or_expired_token_is_refused_as_invalid_token() {
    let app = TestApp::spawn().await;
    for garbage in [
        "not-a-token",
        "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.",
        "a.b.c",
    ] {
        let response = get(&app, "/api/v1/me", Some(garbage)).await;
        let challenge = response.headers()[WWW_AUTHENTICATE]
            .to_str()
            .unwrap()
            .to_string();
        assert!(challenge.starts_with("Bearer realm="), "{challenge}");
        assert!(challenge.contains("error=\"invalid_token\""), "{challenge}");
        assert_api_error(response, StatusCode::UNAUTHORIZED, "invalid_token").await;
    }
    // A header that is not `Bearer <token>` at all is a malformed request (RFC 6750 §3.1).
    let response = app
        .http
        .get(app.url("/api/v1/me"))
        .header("authorization", "Bearer")
        .send()
        .await
        .unwrap();
    assert_api_error(response, StatusCode::BAD_REQUEST, "invalid_request").await;

    // A real token works until it expires.
    let token = app_token(&app).await;
    let body = signup("wren", "wren@farm.example", SIGNUP_PASSWORD);
    let response = post(&app, "/api/v1/users", Some(&token), &body).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    app.clock.advance(15 * 60 + 1);
    let body = signup("robin", "robin@farm.example", SIGNUP_PASSWORD);
    let response = post(&app, "/api/v1/users", Some(&token), &body).await;
    assert_api_error(response, StatusCode::UNAUTHORIZED, "invalid_token").await;
    assert!(!exists(&app, "robin").await);
}

#[tokio::test]
async fn a_token_without_the_account_scope_is_refused_as_insufficient_scope() {
    let app = TestApp::spawn().await;
    let client = app.machine_client("inventory account").await;
    let narrow = app.access_token(&client, Some("inventory")).await;
    let body = signup("wren", "wren@farm.example", SIGNUP_PASSWORD);
    let response = post(&app, "/api/v1/users", Some(&narrow), &body).await;
    let challenge = response.headers()[WWW_AUTHENTICATE]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        challenge.contains("error=\"insufficient_scope\""),
        "{challenge}"
    );
    assert_api_error(response, StatusCode::FORBIDDEN, "insufficient_scope").await;
    assert!(!exists(&app, "wren").await);

    // A person's token without `account`: UserInfo works, the account API does not.
    let person = person_with_scope(&app, "ada", "openid").await;
    assert_eq!(app.userinfo(&person.token).await.status(), StatusCode::OK);
    let response = get(&app, "/api/v1/me", Some(&person.token)).await;
    assert_api_error(response, StatusCode::FORBIDDEN, "insufficient_scope").await;
    let response = post(
        &app,
        "/api/v1/me/password",
        Some(&person.token),
        &json!({"current_password": PASSWORD, "new_password": NEW_PASSWORD}),
    )
    .await;
    assert_api_error(response, StatusCode::FORBIDDEN, "insufficient_scope").await;
    assert!(password_works(&app, "ada", PASSWORD).await);

    // The same client's token with the scope is let in.
    let wide = app.access_token(&client, Some("account")).await;
    let response = post(&app, "/api/v1/users", Some(&wide), &body).await;
    assert_eq!(response.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn an_apps_own_token_cannot_act_as_a_person() {
    let app = TestApp::spawn().await;
    let person = person(&app, "ada").await;
    let token = app_token(&app).await;
    let sid = session_ids(&sessions_of(&app, &person.token).await).remove(0);

    let response = get(&app, "/api/v1/me", Some(&token)).await;
    assert_api_error(response, StatusCode::FORBIDDEN, "insufficient_scope").await;
    let response = post(
        &app,
        "/api/v1/me/password",
        Some(&token),
        &json!({"current_password": PASSWORD, "new_password": NEW_PASSWORD}),
    )
    .await;
    assert_api_error(response, StatusCode::FORBIDDEN, "insufficient_scope").await;
    let response = post(
        &app,
        "/api/v1/me/totp",
        Some(&token),
        &json!({"password": PASSWORD}),
    )
    .await;
    assert_api_error(response, StatusCode::FORBIDDEN, "insufficient_scope").await;
    let response = get(&app, "/api/v1/me/sessions", Some(&token)).await;
    assert_api_error(response, StatusCode::FORBIDDEN, "insufficient_scope").await;
    let response = delete(&app, &format!("/api/v1/me/sessions/{sid}"), Some(&token)).await;
    assert_api_error(response, StatusCode::FORBIDDEN, "insufficient_scope").await;

    // Nothing happened to the person.
    assert!(is_signed_in(&person.agent).await);
    assert!(password_works(&app, "ada", PASSWORD).await);
    let factors = second_factor::factors_of(&app.state, &person.id)
        .await
        .unwrap();
    assert!(!factors.totp);
    assert!(app.store.find_totp(&person.id).await.unwrap().is_none());
}

#[tokio::test]
async fn a_revoked_token_is_refused() {
    let app = TestApp::spawn().await;
    let person = person(&app, "ada").await;
    json_answer(
        get(&app, "/api/v1/me", Some(&person.token)).await,
        StatusCode::OK,
    )
    .await;
    let revoked = app.revoke(&person.client, &person.token).await;
    assert_eq!(revoked.status(), StatusCode::OK);
    let response = get(&app, "/api/v1/me", Some(&person.token)).await;
    assert_api_error(response, StatusCode::UNAUTHORIZED, "invalid_token").await;

    // An app's own token too.
    let client = app.machine_client("account").await;
    let token = app.access_token(&client, Some("account")).await;
    assert_eq!(app.revoke(&client, &token).await.status(), StatusCode::OK);
    let body = signup("wren", "wren@farm.example", SIGNUP_PASSWORD);
    let response = post(&app, "/api/v1/users", Some(&token), &body).await;
    assert_api_error(response, StatusCode::UNAUTHORIZED, "invalid_token").await;
    assert!(!exists(&app, "wren").await);
}

// ---------------------------------------------------------------------------------------
// Sign-up

#[tokio::test]
async fn an_app_signs_a_consumer_up_and_a_confirmation_link_is_mailed() {
    let app = TestApp::spawn().await;
    let token = app_token(&app).await;
    let response = post(
        &app,
        "/api/v1/users",
        Some(&token),
        &signup("wren", "wren@farm.example", SIGNUP_PASSWORD),
    )
    .await;
    let body = json_answer(response, StatusCode::CREATED).await;
    let stored = app
        .store
        .find_user_by_username("wren")
        .await
        .unwrap()
        .expect("the account is stored");
    assert_eq!(
        body,
        json!({
            "id": stored.id,
            "username": "wren",
            "email": "wren@farm.example",
            "email_verified": false,
            "roles": ["consumer"],
        })
    );
    assert!(!stored.id.is_empty());
    assert_eq!(stored.roles, vec!["consumer".to_string()]);

    let mail = app.wait_for_mail("wren@farm.example", 1).await;
    assert!(
        mail.contains("Subject: Confirm your email address"),
        "{mail}"
    );
    link_in(&mail, &format!("{}/email/verify?token=", app.issuer));
    // The password is the one given.
    assert!(password_works(&app, "wren", SIGNUP_PASSWORD).await);
}

#[tokio::test]
async fn an_app_may_sign_up_a_farmer_but_never_an_admin() {
    let app = TestApp::spawn().await;
    let token = app_token(&app).await;
    let mut farmer = signup("wren", "wren@farm.example", SIGNUP_PASSWORD);
    farmer["role"] = json!("farmer");
    let body = json_answer(
        post(&app, "/api/v1/users", Some(&token), &farmer).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(body["roles"], json!(["farmer"]));
    let mut consumer = signup("robin", "robin@farm.example", SIGNUP_PASSWORD);
    consumer["role"] = json!("consumer");
    let body = json_answer(
        post(&app, "/api/v1/users", Some(&token), &consumer).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(body["roles"], json!(["consumer"]));

    for role in ["admin", "Admin", "", "farmer admin"] {
        let mut body = signup("mallory", "mallory@farm.example", SIGNUP_PASSWORD);
        body["role"] = json!(role);
        let response = post(&app, "/api/v1/users", Some(&token), &body).await;
        assert_api_error(response, StatusCode::BAD_REQUEST, "invalid_role").await;
    }
    assert!(!exists(&app, "mallory").await);

    // Roles given any other way are not read.
    let mut body = signup("mallory", "mallory@farm.example", SIGNUP_PASSWORD);
    body["roles"] = json!(["admin"]);
    let body = json_answer(
        post(&app, "/api/v1/users", Some(&token), &body).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(body["roles"], json!(["consumer"]));
    let stored = app
        .store
        .find_user_by_username("mallory")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.roles, vec!["consumer".to_string()]);
}

#[tokio::test]
async fn signing_up_a_taken_username_or_email_is_a_conflict() {
    let app = TestApp::spawn().await;
    let token = app_token(&app).await;
    let first = signup("wren", "wren@farm.example", SIGNUP_PASSWORD);
    let response = post(&app, "/api/v1/users", Some(&token), &first).await;
    let created = json_answer(response, StatusCode::CREATED).await;

    for body in [
        signup("wren", "other@farm.example", NEW_PASSWORD),
        signup("WREN", "other@farm.example", NEW_PASSWORD),
        signup("other", "wren@farm.example", NEW_PASSWORD),
        signup("other", "Wren@Farm.example", NEW_PASSWORD),
    ] {
        let response = post(&app, "/api/v1/users", Some(&token), &body).await;
        assert_api_error(response, StatusCode::CONFLICT, "already_registered").await;
    }
    assert!(!exists(&app, "other").await);
    // The first account is untouched.
    let stored = app
        .store
        .find_user_by_username("wren")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(json!(stored.id), created["id"]);
    assert_eq!(stored.email, "wren@farm.example");
    assert!(password_works(&app, "wren", SIGNUP_PASSWORD).await);
    assert!(!password_works(&app, "wren", NEW_PASSWORD).await);
}

#[tokio::test]
async fn weak_passwords_and_bad_usernames_or_addresses_are_refused_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let token = app_token(&app).await;
    let refused = [
        signup("wren", "wren@farm.example", "short"),
        signup("wren", "wren@farm.example", "password"),
        signup("wren", "wren@farm.example", &"x".repeat(129)),
        signup("wr", "wren@farm.example", SIGNUP_PASSWORD),
        signup("wren smith", "wren@farm.example", SIGNUP_PASSWORD),
        signup("wr\u{0435}n", "wren@farm.example", SIGNUP_PASSWORD),
        signup(&"w".repeat(65), "wren@farm.example", SIGNUP_PASSWORD),
        signup("wren", "not-an-address", SIGNUP_PASSWORD),
        signup("wren", "wren@farm", SIGNUP_PASSWORD),
    ];
    for body in refused {
        let response = post(&app, "/api/v1/users", Some(&token), &body).await;
        assert_api_error(response, StatusCode::BAD_REQUEST, "invalid_user").await;
    }
    for name in ["wren", "wr", "wren smith", "wr\u{0435}n"] {
        assert!(!exists(&app, name).await, "{name} was stored");
    }
    assert!(
        app.store
            .find_user_by_email("wren@farm.example")
            .await
            .unwrap()
            .is_none()
    );

    // A good sign-up afterwards: its confirmation is the only mail sent.
    let body = signup("robin", "robin@farm.example", SIGNUP_PASSWORD);
    let response = post(&app, "/api/v1/users", Some(&token), &body).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    app.wait_for_mail("robin@farm.example", 1).await;
    assert_eq!(app.mails().len(), 1, "{:?}", app.mails());
}

#[tokio::test]
async fn malformed_sign_up_bodies_are_invalid_requests_and_never_server_errors() {
    let app = TestApp::spawn().await;
    let token = app_token(&app).await;
    let mut padded = signup("wren", "wren@farm.example", SIGNUP_PASSWORD);
    padded["padding"] = json!("x".repeat(20 * 1024));
    let mut long_name = signup("wren", "wren@farm.example", SIGNUP_PASSWORD);
    long_name["username"] = json!("w".repeat(20 * 1024));
    let bodies: Vec<(&str, Vec<u8>)> = vec![
        ("empty", Vec::new()),
        ("truncated", b"{\"username\": \"wren\"".to_vec()),
        ("not JSON", b"username=wren&email=wren@farm.example".to_vec()),
        ("null", b"null".to_vec()),
        ("an array", b"[]".to_vec()),
        ("a string", b"\"wren\"".to_vec()),
        (
            "missing password",
            json!({"username": "wren", "email": "wren@farm.example"})
                .to_string()
                .into_bytes(),
        ),
        (
            "a number for a username",
            json!({"username": 5, "email": "wren@farm.example", "password": SIGNUP_PASSWORD})
                .to_string()
                .into_bytes(),
        ),
        (
            "an array for a password",
            json!({"username": "wren", "email": "wren@farm.example", "password": [SIGNUP_PASSWORD]})
                .to_string()
                .into_bytes(),
        ),
        (
            "a number for a role",
            json!({"username": "wren", "email": "wren@farm.example", "password": SIGNUP_PASSWORD, "role": 1})
                .to_string()
                .into_bytes(),
        ),
        ("invalid UTF-8", b"{\"username\": \"wr\xff\xfen\"}".to_vec()),
        ("20 KB of padding", padded.to_string().into_bytes()),
        ("a 20 KB username", long_name.to_string().into_bytes()),
    ];
    for (what, body) in bodies {
        let response = call(
            &app,
            Method::POST,
            "/api/v1/users",
            Some(&token),
            Some(body),
        )
        .await;
        let status = response.status();
        let text = response.text().await.unwrap();
        // RFC 9110 §15.5.14: a body over the limit is 413, with the same JSON error.
        let expected = match what.starts_with("20 KB") || what.starts_with("a 20 KB") {
            true => StatusCode::PAYLOAD_TOO_LARGE,
            false => StatusCode::BAD_REQUEST,
        };
        assert_eq!(status, expected, "{what}: {text}");
        let answer: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(answer["error"], "invalid_request", "{what}: {text}");
        assert!(answer["error_description"].is_string(), "{what}: {text}");
    }
    // Far over the limit: refused before it is parsed, still never a server error.
    let huge = vec![b' '; 3 * 1024 * 1024];
    let response = call(
        &app,
        Method::POST,
        "/api/v1/users",
        Some(&token),
        Some(huge),
    )
    .await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let answer: Value = response.json().await.expect("a JSON error for 3 MB too");
    assert_eq!(answer["error"], "invalid_request");
    assert!(!exists(&app, "wren").await);
    assert!(
        app.store
            .find_user_by_email("wren@farm.example")
            .await
            .unwrap()
            .is_none()
    );
    // The server is fine afterwards.
    let body = signup("wren", "wren@farm.example", SIGNUP_PASSWORD);
    let response = post(&app, "/api/v1/users", Some(&token), &body).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    app.wait_for_mail("wren@farm.example", 1).await;
    assert_eq!(app.mails().len(), 1, "{:?}", app.mails());
}

#[tokio::test]
async fn a_json_array_is_not_accepted_in_place_of_an_object() {
    let app = TestApp::spawn().await;
    let token = app_token(&app).await;
    // The schemas are objects: positional arrays are the wrong type.
    let array = json!(["wren", "wren@farm.example", SIGNUP_PASSWORD, "farmer"]);
    let response = post(&app, "/api/v1/users", Some(&token), &array).await;
    assert_api_error(response, StatusCode::BAD_REQUEST, "invalid_request").await;
    assert!(!exists(&app, "wren").await);

    app.person("robin", Role::Consumer).await;
    let array = json!(["robin@farm.example"]);
    let response = post(
        &app,
        "/api/v1/password-reset-requests",
        Some(&token),
        &array,
    )
    .await;
    assert_api_error(response, StatusCode::BAD_REQUEST, "invalid_request").await;
}

// ---------------------------------------------------------------------------------------
// Password resets

#[tokio::test]
async fn a_reset_request_is_answered_alike_for_known_and_unknown_addresses() {
    let app = TestApp::spawn().await;
    app.person("wren", Role::Consumer).await;
    let token = app_token(&app).await;
    let mut answers = Vec::new();
    for email in ["nobody@farm.example", "wren@farm.example", "not an address"] {
        let response = post(
            &app,
            "/api/v1/password-reset-requests",
            Some(&token),
            &json!({"email": email}),
        )
        .await;
        let status = response.status();
        let kind = response.headers().get(CONTENT_TYPE).cloned();
        let text = response.text().await.unwrap();
        assert_eq!(status, StatusCode::ACCEPTED, "{email}: {text}");
        answers.push((kind, text));
    }
    assert_eq!(answers[0], answers[1]);
    assert_eq!(answers[0], answers[2]);

    // Only the known address gets a link.
    reset_token(&app, "wren@farm.example", 1).await;
    let to_others = app
        .mails()
        .into_iter()
        .filter(|m| !m.contains("To: wren@farm.example"))
        .count();
    assert_eq!(to_others, 0);

    // Without an address, or without a token, nothing is accepted.
    for body in [
        json!({}),
        json!({"email": 5}),
        json!({"address": "wren@farm.example"}),
    ] {
        let response = post(&app, "/api/v1/password-reset-requests", Some(&token), &body).await;
        assert_api_error(response, StatusCode::BAD_REQUEST, "invalid_request").await;
    }
    let response = post(
        &app,
        "/api/v1/password-reset-requests",
        None,
        &json!({"email": "wren@farm.example"}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_mailed_reset_token_sets_a_new_password_once() {
    let app = TestApp::spawn().await;
    let wren = person(&app, "wren").await;
    json_answer(
        get(&app, "/api/v1/me", Some(&wren.token)).await,
        StatusCode::OK,
    )
    .await;
    let token = app_token(&app).await;
    let response = post(
        &app,
        "/api/v1/password-reset-requests",
        Some(&token),
        &json!({"email": "wren@farm.example"}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let reset = reset_token(&app, "wren@farm.example", 1).await;

    let body = json!({"token": reset, "new_password": NEW_PASSWORD});
    assert_no_content(post(&app, "/api/v1/password-resets", Some(&token), &body).await).await;
    assert!(password_works(&app, "wren", NEW_PASSWORD).await);
    assert!(!password_works(&app, "wren", PASSWORD).await);
    // Every session of the account ended, and the apps' tokens with them.
    assert!(!is_signed_in(&wren.agent).await);
    let response = get(&app, "/api/v1/me", Some(&wren.token)).await;
    assert_api_error(response, StatusCode::UNAUTHORIZED, "invalid_token").await;

    // Once only.
    let again = json!({"token": reset, "new_password": "a third good password"});
    let response = post(&app, "/api/v1/password-resets", Some(&token), &again).await;
    assert_api_error(response, StatusCode::BAD_REQUEST, "invalid_token").await;
    assert!(password_works(&app, "wren", NEW_PASSWORD).await);

    // Tokens that were never mailed.
    for made_up in ["", "nope", &"a".repeat(500)] {
        let body = json!({"token": made_up, "new_password": "a third good password"});
        let response = post(&app, "/api/v1/password-resets", Some(&token), &body).await;
        assert_api_error(response, StatusCode::BAD_REQUEST, "invalid_token").await;
    }
    // Wrong shapes.
    let response = post(
        &app,
        "/api/v1/password-resets",
        Some(&token),
        &json!({"token": reset}),
    )
    .await;
    assert_api_error(response, StatusCode::BAD_REQUEST, "invalid_request").await;
    assert!(password_works(&app, "wren", NEW_PASSWORD).await);
}

#[tokio::test]
async fn a_weak_new_password_is_refused_and_leaves_the_reset_token_usable() {
    let app = TestApp::spawn().await;
    app.person("wren", Role::Consumer).await;
    let token = app_token(&app).await;
    let response = post(
        &app,
        "/api/v1/password-reset-requests",
        Some(&token),
        &json!({"email": "wren@farm.example"}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let reset = reset_token(&app, "wren@farm.example", 1).await;

    for weak in ["short", "password", &"x".repeat(129)] {
        let body = json!({"token": reset, "new_password": weak});
        let response = post(&app, "/api/v1/password-resets", Some(&token), &body).await;
        assert_api_error(response, StatusCode::BAD_REQUEST, "weak_password").await;
    }
    assert!(password_works(&app, "wren", PASSWORD).await);

    let body = json!({"token": reset, "new_password": NEW_PASSWORD});
    assert_no_content(post(&app, "/api/v1/password-resets", Some(&token), &body).await).await;
    assert!(password_works(&app, "wren", NEW_PASSWORD).await);
}

#[tokio::test]
async fn a_reset_token_stops_working_after_thirty_minutes() {
    let app = TestApp::spawn().await;
    app.person("wren", Role::Consumer).await;
    let token = app_token(&app).await;
    let ask = json!({"email": "wren@farm.example"});
    let response = post(&app, "/api/v1/password-reset-requests", Some(&token), &ask).await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let first = reset_token(&app, "wren@farm.example", 1).await;
    let response = post(&app, "/api/v1/password-reset-requests", Some(&token), &ask).await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let second = reset_token(&app, "wren@farm.example", 2).await;
    assert_ne!(first, second);

    app.clock.advance(29 * 60);
    let token = app_token(&app).await;
    let body = json!({"token": first, "new_password": NEW_PASSWORD});
    assert_no_content(post(&app, "/api/v1/password-resets", Some(&token), &body).await).await;

    app.clock.advance(2 * 60);
    let body = json!({"token": second, "new_password": "a third good password"});
    let response = post(&app, "/api/v1/password-resets", Some(&token), &body).await;
    assert_api_error(response, StatusCode::BAD_REQUEST, "invalid_token").await;
    assert!(password_works(&app, "wren", NEW_PASSWORD).await);
}

// ---------------------------------------------------------------------------------------
// The person's own account

#[tokio::test]
async fn a_person_reads_their_own_account_with_their_token() {
    let app = TestApp::spawn().await;
    let ada = person(&app, "ada").await;
    let bob = person(&app, "bob").await;
    let body = json_answer(
        get(&app, "/api/v1/me", Some(&ada.token)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        body,
        json!({
            "id": ada.id,
            "username": "ada",
            "email": "ada@farm.example",
            "email_verified": false,
            "roles": ["consumer"],
        })
    );
    let body = json_answer(
        get(&app, "/api/v1/me", Some(&bob.token)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(body["id"], json!(bob.id));
    assert_eq!(body["username"], json!(bob.username));
    // The `sub` of the token is the account.
    let claims = app.verify_like_a_resource_server(&ada.token).await.unwrap();
    assert_eq!(claims["sub"], json!(ada.id));
}

#[tokio::test]
async fn changing_the_password_needs_the_current_one() {
    let app = TestApp::spawn().await;
    let ada = person(&app, "ada").await;
    let change =
        |current: &str, new: &str| json!({"current_password": current, "new_password": new});

    let response = post(
        &app,
        "/api/v1/me/password",
        Some(&ada.token),
        &change("not my password", NEW_PASSWORD),
    )
    .await;
    assert_api_error(response, StatusCode::BAD_REQUEST, "invalid_password").await;
    let response = post(
        &app,
        "/api/v1/me/password",
        Some(&ada.token),
        &change(PASSWORD, "password"),
    )
    .await;
    assert_api_error(response, StatusCode::BAD_REQUEST, "weak_password").await;
    let response = post(
        &app,
        "/api/v1/me/password",
        Some(&ada.token),
        &json!({"current_password": PASSWORD}),
    )
    .await;
    assert_api_error(response, StatusCode::BAD_REQUEST, "invalid_request").await;
    assert!(password_works(&app, "ada", PASSWORD).await);
    assert!(is_signed_in(&ada.agent).await);

    let response = post(
        &app,
        "/api/v1/me/password",
        Some(&ada.token),
        &change(PASSWORD, NEW_PASSWORD),
    )
    .await;
    assert_no_content(response).await;
    assert!(password_works(&app, "ada", NEW_PASSWORD).await);
    assert!(!password_works(&app, "ada", PASSWORD).await);
    // Browsers that knew the old password are signed out; the app's token still works.
    assert!(!is_signed_in(&ada.agent).await);
    json_answer(
        get(&app, "/api/v1/me", Some(&ada.token)).await,
        StatusCode::OK,
    )
    .await;
}

#[tokio::test]
async fn five_wrong_current_passwords_hold_password_changes_back_for_a_while() {
    let app = TestApp::spawn().await;
    let ada = person(&app, "ada").await;
    let change = |current: &str| json!({"current_password": current, "new_password": NEW_PASSWORD});
    for n in 1..=5 {
        let response = post(
            &app,
            "/api/v1/me/password",
            Some(&ada.token),
            &change(&format!("guess number {n}")),
        )
        .await;
        assert_api_error(response, StatusCode::BAD_REQUEST, "invalid_password").await;
    }
    // Locked now, even for the right password.
    let response = post(
        &app,
        "/api/v1/me/password",
        Some(&ada.token),
        &change(PASSWORD),
    )
    .await;
    let retry_after = response.headers().get(RETRY_AFTER).cloned();
    let body = json_answer(response, StatusCode::TOO_MANY_REQUESTS).await;
    assert_eq!(body["error"], "too_many_attempts", "{body}");
    let retry_after: i64 = retry_after
        .expect("Retry-After")
        .to_str()
        .unwrap()
        .parse()
        .expect("Retry-After is seconds");
    assert!(
        (1..=30).contains(&retry_after),
        "Retry-After: {retry_after}"
    );
    assert!(password_works(&app, "ada", PASSWORD).await);

    app.clock.advance(retry_after);
    let response = post(
        &app,
        "/api/v1/me/password",
        Some(&ada.token),
        &change(PASSWORD),
    )
    .await;
    assert_no_content(response).await;
    assert!(password_works(&app, "ada", NEW_PASSWORD).await);
}

#[tokio::test]
async fn an_authenticator_app_is_enabled_with_its_first_code_and_disabled_with_the_password() {
    let app = TestApp::spawn().await;
    let ada = person(&app, "ada").await;
    let token = Some(ada.token.as_str());

    // Nothing to verify or disable yet.
    let response = post(
        &app,
        "/api/v1/me/totp/verify",
        token,
        &json!({"code": "123456"}),
    )
    .await;
    assert_api_error(response, StatusCode::CONFLICT, "totp_not_enabled").await;
    let response = post(
        &app,
        "/api/v1/me/totp/disable",
        token,
        &json!({"password": PASSWORD}),
    )
    .await;
    assert_api_error(response, StatusCode::CONFLICT, "totp_not_enabled").await;

    // Starting twice: the second secret replaces the first.
    let first = json_answer(
        post(
            &app,
            "/api/v1/me/totp",
            token,
            &json!({"password": PASSWORD}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let started = json_answer(
        post(
            &app,
            "/api/v1/me/totp",
            token,
            &json!({"password": PASSWORD}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let secret = started["secret"].as_str().unwrap().to_string();
    assert_ne!(first["secret"], started["secret"]);
    assert_eq!(secret.len(), 32, "160 bits of base32: {secret}");
    let uri = started["otpauth_uri"].as_str().unwrap();
    assert!(uri.starts_with("otpauth://totp/"), "{uri}");
    assert!(uri.contains(&format!("secret={secret}")), "{uri}");
    assert!(uri.contains("ada"), "{uri}");
    assert!(
        !second_factor::factors_of(&app.state, &ada.id)
            .await
            .unwrap()
            .totp
    );

    let old_code = code_now(&app, first["secret"].as_str().unwrap());
    if old_code != code_now(&app, &secret) {
        let response = post(
            &app,
            "/api/v1/me/totp/verify",
            token,
            &json!({"code": old_code}),
        )
        .await;
        assert_api_error(response, StatusCode::BAD_REQUEST, "invalid_code").await;
    }
    for code in [wrong_code(&app, &secret), "abcdef".into(), "".into()] {
        let response = post(
            &app,
            "/api/v1/me/totp/verify",
            token,
            &json!({"code": code}),
        )
        .await;
        assert_api_error(response, StatusCode::BAD_REQUEST, "invalid_code").await;
    }
    let response = post(
        &app,
        "/api/v1/me/totp/verify",
        token,
        &json!({"code": 123456}),
    )
    .await;
    assert_api_error(response, StatusCode::BAD_REQUEST, "invalid_request").await;
    assert!(
        !second_factor::factors_of(&app.state, &ada.id)
            .await
            .unwrap()
            .totp
    );

    let code = code_now(&app, &secret);
    let response = post(
        &app,
        "/api/v1/me/totp/verify",
        token,
        &json!({"code": code}),
    )
    .await;
    let body = json_answer(response, StatusCode::OK).await;
    let codes: Vec<&str> = body["recovery_codes"]
        .as_array()
        .expect("recovery codes")
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert_eq!(codes.len(), 10, "{body}");
    assert_eq!(codes.iter().collect::<BTreeSet<_>>().len(), 10, "{body}");
    assert!(codes.iter().all(|c| c.len() >= 8), "{body}");
    let factors = second_factor::factors_of(&app.state, &ada.id)
        .await
        .unwrap();
    assert!(factors.totp);
    assert_eq!(factors.recovery_codes_left, 10);

    // Signing in now asks for the second factor.
    let (_, path) = sign_in(&app, "ada", PASSWORD).await;
    assert!(path.starts_with("/login/second-factor"), "{path}");

    // Enabled already.
    let response = post(
        &app,
        "/api/v1/me/totp",
        token,
        &json!({"password": PASSWORD}),
    )
    .await;
    assert_api_error(response, StatusCode::CONFLICT, "totp_already_enabled").await;
    app.clock.advance(30);
    let code = code_now(&app, &secret);
    let response = post(
        &app,
        "/api/v1/me/totp/verify",
        token,
        &json!({"code": code}),
    )
    .await;
    assert_api_error(response, StatusCode::CONFLICT, "totp_already_enabled").await;

    // Disabling needs the password.
    let response = post(
        &app,
        "/api/v1/me/totp/disable",
        token,
        &json!({"password": "not it"}),
    )
    .await;
    assert_api_error(response, StatusCode::BAD_REQUEST, "invalid_password").await;
    let response = post(&app, "/api/v1/me/totp/disable", token, &json!({})).await;
    assert_api_error(response, StatusCode::BAD_REQUEST, "invalid_request").await;
    assert!(
        second_factor::factors_of(&app.state, &ada.id)
            .await
            .unwrap()
            .totp
    );

    let response = post(
        &app,
        "/api/v1/me/totp/disable",
        token,
        &json!({"password": PASSWORD}),
    )
    .await;
    assert_no_content(response).await;
    let factors = second_factor::factors_of(&app.state, &ada.id)
        .await
        .unwrap();
    assert!(!factors.totp);
    assert_eq!(factors.recovery_codes_left, 0);
    assert!(password_works(&app, "ada", PASSWORD).await);

    let response = post(
        &app,
        "/api/v1/me/totp/disable",
        token,
        &json!({"password": PASSWORD}),
    )
    .await;
    assert_api_error(response, StatusCode::CONFLICT, "totp_not_enabled").await;
}

#[tokio::test]
async fn wrong_authenticator_codes_are_held_back_after_five() {
    let app = TestApp::spawn().await;
    let ada = person(&app, "ada").await;
    let token = Some(ada.token.as_str());
    let started = json_answer(
        post(
            &app,
            "/api/v1/me/totp",
            token,
            &json!({"password": PASSWORD}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let secret = started["secret"].as_str().unwrap().to_string();
    let wrong = wrong_code(&app, &secret);
    let mut statuses = Vec::new();
    for _ in 0..6 {
        let response = post(
            &app,
            "/api/v1/me/totp/verify",
            token,
            &json!({"code": wrong}),
        )
        .await;
        statuses.push(response.status());
    }
    assert_eq!(statuses[..5], [StatusCode::BAD_REQUEST; 5], "{statuses:?}");
    // Locked: even the right code waits.
    let code = code_now(&app, &secret);
    let response = post(
        &app,
        "/api/v1/me/totp/verify",
        token,
        &json!({"code": code}),
    )
    .await;
    assert!(response.headers().contains_key(RETRY_AFTER));
    assert_api_error(response, StatusCode::TOO_MANY_REQUESTS, "too_many_attempts").await;
    assert!(
        !second_factor::factors_of(&app.state, &ada.id)
            .await
            .unwrap()
            .totp
    );
}

// ---------------------------------------------------------------------------------------
// Sessions

#[tokio::test]
async fn a_person_lists_their_browser_sessions_and_ends_one() {
    let app = TestApp::spawn().await;
    let ada = person(&app, "ada").await;
    let token = Some(ada.token.as_str());
    let before = sessions_of(&app, &ada.token).await;
    assert_eq!(before.len(), 1, "{before:?}");
    let first = &before[0];
    assert_eq!(first["ip"], "127.0.0.1", "{first}");
    assert_eq!(first["amr"], json!(["pwd"]), "{first}");
    let created = first["created_at"].as_i64().unwrap();
    assert!((app.clock.now() - created).abs() <= 5, "{first}");
    assert!(
        first["expires_at"].as_i64().unwrap() > app.clock.now(),
        "{first}"
    );
    let first_id = first["id"].as_str().unwrap().to_string();
    assert!(!first_id.is_empty());

    // A second browser.
    app.clock.advance(5);
    let (laptop, path) = sign_in(&app, "ada", PASSWORD).await;
    assert_eq!(path, "/account");
    let now = sessions_of(&app, &ada.token).await;
    let ids = session_ids(&now);
    assert_eq!(ids.len(), 2, "{now:?}");
    assert_eq!(ids[1], first_id, "newest first: {now:?}");
    let laptop_id = ids[0].clone();

    assert_no_content(delete(&app, &format!("/api/v1/me/sessions/{laptop_id}"), token).await).await;
    assert!(!is_signed_in(&laptop).await);
    assert!(is_signed_in(&ada.agent).await);
    assert_eq!(
        session_ids(&sessions_of(&app, &ada.token).await),
        vec![first_id.clone()]
    );

    // Ended already, never existed, absurd.
    for id in [laptop_id.clone(), "no-such-session".into(), "x".repeat(300)] {
        let response = delete(&app, &format!("/api/v1/me/sessions/{id}"), token).await;
        assert_api_error(response, StatusCode::NOT_FOUND, "not_found").await;
    }
    assert!(is_signed_in(&ada.agent).await);

    // Ending the browser the app signed in through signs it out too.
    assert_no_content(delete(&app, &format!("/api/v1/me/sessions/{first_id}"), token).await).await;
    assert!(!is_signed_in(&ada.agent).await);
    assert!(sessions_of(&app, &ada.token).await.is_empty());
}

#[tokio::test]
async fn a_person_cannot_see_or_end_someone_elses_session() {
    let app = TestApp::spawn().await;
    let ada = person(&app, "ada").await;
    let bob = person(&app, "bob").await;
    let ada_ids = session_ids(&sessions_of(&app, &ada.token).await);
    let bob_ids = session_ids(&sessions_of(&app, &bob.token).await);
    assert_eq!((ada_ids.len(), bob_ids.len()), (1, 1));
    assert_ne!(ada_ids, bob_ids);

    let response = delete(
        &app,
        &format!("/api/v1/me/sessions/{}", bob_ids[0]),
        Some(&ada.token),
    )
    .await;
    assert_api_error(response, StatusCode::NOT_FOUND, "not_found").await;
    assert!(is_signed_in(&bob.agent).await);
    assert_eq!(session_ids(&sessions_of(&app, &bob.token).await), bob_ids);
    assert!(is_signed_in(&ada.agent).await);

    // Ids no session can have are not found either, on both databases (PostgreSQL text
    // cannot hold a NUL), and end nothing.
    for id in ["a%00b", "%07", &"x".repeat(300)] {
        let response = delete(&app, &format!("/api/v1/me/sessions/{id}"), Some(&ada.token)).await;
        assert_api_error(response, StatusCode::NOT_FOUND, "not_found").await;
    }
    assert!(is_signed_in(&ada.agent).await);
}

// ---------------------------------------------------------------------------------------
// The OpenAPI document

#[tokio::test]
async fn the_openapi_document_is_served_as_json_for_openapi_3_1() {
    let app = TestApp::spawn().await;
    let response = get(&app, "/api/v1/openapi.json", None).await;
    assert_eq!(response.status(), StatusCode::OK);
    let doc = json_of_public(response).await;
    assert_eq!(doc["openapi"], "3.1.0");
    assert!(doc["info"]["title"].is_string());
    assert!(doc["info"]["version"].is_string());
    let on_disk: Value = serde_json::from_str(include_str!("../../../docs/openapi.json")).unwrap();
    assert_eq!(doc, on_disk, "the served document is docs/openapi.json");
    // Every local reference resolves.
    fn references(value: &Value, out: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                if let Some(Value::String(r)) = map.get("$ref") {
                    out.push(r.clone());
                }
                map.values().for_each(|v| references(v, out));
            }
            Value::Array(items) => items.iter().for_each(|v| references(v, out)),
            _ => {}
        }
    }
    let mut found = Vec::new();
    references(&doc, &mut found);
    assert!(!found.is_empty());
    for reference in found {
        let pointer = reference.strip_prefix('#').expect("a local reference");
        assert!(doc.pointer(pointer).is_some(), "{reference} points nowhere");
    }
}

#[tokio::test]
async fn every_documented_operation_is_routed_and_asks_for_a_token() {
    let app = TestApp::spawn().await;
    let doc = openapi(&app).await;
    let operations = operations_in(&doc);
    assert!(!operations.is_empty());
    for (method, path) in &operations {
        let concrete = path.replace("{id}", "some-id").replace("{sid}", "some-sid");
        assert!(!concrete.contains('{'), "an unknown parameter in {path}");
        let verb = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let body = (verb == Method::POST).then(|| b"{}".to_vec());
        let response = call(&app, verb, &concrete, None, body).await;
        let public = doc["paths"][path][method]["security"] == json!([]);
        let expected = match public {
            true => StatusCode::OK,
            false => StatusCode::UNAUTHORIZED,
        };
        assert_eq!(response.status(), expected, "{method} {path}");
        if !public {
            assert!(
                response.headers().contains_key(WWW_AUTHENTICATE),
                "{method} {path}"
            );
        }
    }
    // The other methods on a documented path are not routed: nothing undocumented hides there.
    let paths: BTreeSet<&String> = operations.iter().map(|(_, p)| p).collect();
    for path in paths {
        let concrete = path.replace("{id}", "some-id").replace("{sid}", "some-sid");
        for method in ["get", "post", "put", "patch", "delete"] {
            if operations.contains(&(method.to_string(), path.clone())) {
                continue;
            }
            let verb = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let response = call(&app, verb, &concrete, None, None).await;
            assert_eq!(
                response.status(),
                StatusCode::METHOD_NOT_ALLOWED,
                "{method} {path} is routed but not documented"
            );
        }
    }
}

#[tokio::test]
async fn every_api_operation_and_the_statuses_it_answers_are_documented() {
    let app = TestApp::spawn().await;
    let doc = openapi(&app).await;
    // The admin API's operations are checked in admin_api.rs.
    let documented: BTreeSet<(String, String)> = operations_in(&doc)
        .into_iter()
        .filter(|(_, path)| {
            !path.starts_with("/api/v1/admin/") && path != "/api/v1/me/initial-access-tokens"
        })
        .collect();
    let tested: BTreeSet<(String, String)> = OPERATIONS
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    assert_eq!(documented, tested);
    for (method, path, statuses) in OBSERVED {
        let responses = &doc["paths"][path][method]["responses"];
        for status in *statuses {
            assert!(
                !responses[status.to_string()].is_null(),
                "{method} {path} answers {status}, undocumented"
            );
        }
    }
    // The error codes the API answers are named.
    let bad_request = doc["components"]["responses"]["BadRequest"]["description"]
        .as_str()
        .unwrap();
    for code in [
        "invalid_request",
        "invalid_user",
        "invalid_role",
        "invalid_password",
        "invalid_code",
        "invalid_token",
        "weak_password",
    ] {
        assert!(bad_request.contains(code), "{code} not in {bad_request}");
    }
    let text = doc.to_string();
    for code in [
        "already_registered",
        "totp_already_enabled",
        "totp_not_enabled",
        "too_many_attempts",
        "insufficient_scope",
    ] {
        assert!(text.contains(code), "{code} is not documented");
    }
    let scheme = &doc["components"]["securitySchemes"]["bearer"];
    assert_eq!(scheme["type"], "http");
    assert_eq!(scheme["scheme"], "bearer");
    assert_eq!(doc["security"], json!([{"bearer": []}]));
}

#[tokio::test]
async fn answers_fit_the_schemas_the_document_gives_them() {
    let app = TestApp::spawn().await;
    let doc = openapi(&app).await;
    let app_token = app_token(&app).await;
    let ada = person(&app, "ada").await;
    let token = Some(ada.token.as_str());

    let mut body = signup("wren", "wren@farm.example", SIGNUP_PASSWORD);
    body["role"] = json!("farmer");
    let user = json_answer(
        post(&app, "/api/v1/users", Some(&app_token), &body).await,
        StatusCode::CREATED,
    )
    .await;
    assert_fits(
        &doc,
        answer_schema(&doc, "post", "/api/v1/users", 201),
        &user,
        "signUp",
    );
    let conflict = post(&app, "/api/v1/users", Some(&app_token), &body).await;
    let conflict = json_answer(conflict, StatusCode::CONFLICT).await;
    assert_fits(
        &doc,
        answer_schema(&doc, "post", "/api/v1/users", 409),
        &conflict,
        "signUp 409",
    );
    let bad = post(&app, "/api/v1/users", Some(&app_token), &json!({})).await;
    let bad = json_answer(bad, StatusCode::BAD_REQUEST).await;
    assert_fits(
        &doc,
        answer_schema(&doc, "post", "/api/v1/users", 400),
        &bad,
        "signUp 400",
    );

    let me = json_answer(get(&app, "/api/v1/me", token).await, StatusCode::OK).await;
    assert_fits(
        &doc,
        answer_schema(&doc, "get", "/api/v1/me", 200),
        &me,
        "getMe",
    );

    let sessions = json_answer(
        get(&app, "/api/v1/me/sessions", token).await,
        StatusCode::OK,
    )
    .await;
    assert_fits(
        &doc,
        answer_schema(&doc, "get", "/api/v1/me/sessions", 200),
        &sessions,
        "listSessions",
    );
    assert_eq!(sessions["sessions"].as_array().unwrap().len(), 1);

    let started = json_answer(
        post(
            &app,
            "/api/v1/me/totp",
            token,
            &json!({"password": PASSWORD}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_fits(
        &doc,
        answer_schema(&doc, "post", "/api/v1/me/totp", 201),
        &started,
        "startTotp",
    );
    let code = code_now(&app, started["secret"].as_str().unwrap());
    let codes = post(
        &app,
        "/api/v1/me/totp/verify",
        token,
        &json!({"code": code}),
    )
    .await;
    let codes = json_answer(codes, StatusCode::OK).await;
    assert_fits(
        &doc,
        answer_schema(&doc, "post", "/api/v1/me/totp/verify", 200),
        &codes,
        "verifyTotp",
    );
    let again = post(
        &app,
        "/api/v1/me/totp",
        token,
        &json!({"password": PASSWORD}),
    )
    .await;
    let again = json_answer(again, StatusCode::CONFLICT).await;
    assert_fits(
        &doc,
        answer_schema(&doc, "post", "/api/v1/me/totp", 409),
        &again,
        "startTotp 409",
    );

    let missing = delete(&app, "/api/v1/me/sessions/none", token).await;
    let missing = json_answer(missing, StatusCode::NOT_FOUND).await;
    assert_fits(
        &doc,
        answer_schema(&doc, "delete", "/api/v1/me/sessions/{id}", 404),
        &missing,
        "endSession 404",
    );
    let scope = get(&app, "/api/v1/me", Some(&app_token)).await;
    let scope = json_answer(scope, StatusCode::FORBIDDEN).await;
    assert_fits(
        &doc,
        answer_schema(&doc, "get", "/api/v1/me", 403),
        &scope,
        "getMe 403",
    );
}
