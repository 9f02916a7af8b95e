//! The JSON account API under `/api/v1/`: bearer tokens with the `account` scope (an app's own
//! for sign-up and resets, a person's for `/me`). One module per rule family; shared here: calls
//! with an optional token, a consumer signed in to a platform app, and the reset mail.

mod access;
mod authenticator_app;
mod openapi;
mod own_account;
mod passwords;
mod signup;

use farm_auth::accounts::users::Role;
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

use crate::support::{ApiPerson, TestApp, api_person, call_api, json_answer, link_in};

/// What a platform app asks for when it signs a person in to manage their account.
const WEB_SCOPE: &str = "openid account";

/// A valid sign-up password.
const SIGNUP_PASSWORD: &str = "potatoes grow underground";

async fn get(app: &TestApp, path: &str, token: Option<&str>) -> Response {
    call_api(app, Method::GET, path, token, None).await
}

async fn post(app: &TestApp, path: &str, token: Option<&str>, body: &Value) -> Response {
    call_api(
        app,
        Method::POST,
        path,
        token,
        Some(body.to_string().into_bytes()),
    )
    .await
}

async fn delete(app: &TestApp, path: &str, token: Option<&str>) -> Response {
    call_api(app, Method::DELETE, path, token, None).await
}

/// An app's own token (client credentials) with the `account` scope.
async fn app_token(app: &TestApp) -> String {
    let client = app.machine_client("account").await;
    app.access_token(&client, Some("account")).await
}

/// A new consumer with a token for the account API.
async fn person(app: &TestApp, username: &str) -> ApiPerson {
    api_person(app, username, Role::Consumer, WEB_SCOPE, WEB_SCOPE).await
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
