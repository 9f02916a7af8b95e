//! The JSON APIs under `/api/v1/`: one call with an optional bearer token and raw body, the
//! shapes of their answers, and a person who signed in to an app and holds its token.

use farm_auth::accounts::users::Role;
use reqwest::header::{CACHE_CONTROL, CONTENT_TYPE, WWW_AUTHENTICATE};
use reqwest::{Method, Response, StatusCode};
use serde_json::Value;

use super::app::{TestApp, TestClient, assert_oauth_error};
use super::user_agent::UserAgent;

/// Sends `method path` with an optional bearer token and an optional raw JSON body.
pub async fn call_api(
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

/// Sends `method path` with a JSON `body` and an optional bearer token.
pub async fn send_json(
    app: &TestApp,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: &Value,
) -> Response {
    let body = body.to_string().into_bytes();
    call_api(app, method, path, token, Some(body)).await
}

/// A JSON answer with `status`, `Cache-Control: no-store` and `application/json`: its body.
pub async fn json_answer(response: Response, status: StatusCode) -> Value {
    let got = response.status();
    let cache = response.headers().get(CACHE_CONTROL).cloned();
    let kind = response.headers().get(CONTENT_TYPE).cloned();
    let text = response.text().await.unwrap();
    assert_eq!(got, status, "{text}");
    assert_eq!(cache.expect("Cache-Control"), "no-store", "{text}");
    assert_eq!(kind.expect("Content-Type"), "application/json", "{text}");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// A 204 with nothing in it.
pub async fn assert_no_content(response: Response) {
    let status = response.status();
    let text = response.text().await.unwrap();
    assert_eq!(status, StatusCode::NO_CONTENT, "{text}");
    assert_eq!(text, "");
}

/// An API error: `status`, the `error` code, an `error_description`, `no-store`, and
/// `WWW-Authenticate` on a 401. The APIs answer errors as the OAuth endpoints do.
pub async fn assert_api_error(response: Response, status: StatusCode, error: &str) -> Value {
    assert_oauth_error(response, status, error).await
}

/// A 401 without an error code (RFC 6750 §3.1: the request carried no bearer token), in the
/// challenge and in the body; `what` names the request in a failure.
pub async fn assert_challenged_without_error(response: Response, what: &str) {
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{what}");
    let challenge = response.headers()[WWW_AUTHENTICATE]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        challenge.starts_with("Bearer realm="),
        "{what}: challenge {challenge}"
    );
    assert!(
        !challenge.contains("error"),
        "{what}: challenge {challenge}"
    );
    let body = response.text().await.unwrap();
    assert!(!body.contains("error"), "{what}: body {body}");
}

/// A person signed in to an app in a browser, and the app's tokens for them.
pub struct ApiPerson {
    pub id: String,
    pub username: String,
    pub agent: UserAgent,
    pub client: TestClient,
    pub token: String,
    pub refresh: Option<String>,
}

/// A new person `username` with `role` (password [`super::PASSWORD`]), signed in to a
/// platform app allowed `allowed` that asked for `asked`.
pub async fn api_person(
    app: &TestApp,
    username: &str,
    role: Role,
    allowed: &str,
    asked: &str,
) -> ApiPerson {
    let id = app.person(username, role).await;
    let client = app.web_client(allowed).await;
    let agent = UserAgent::new(app);
    let tokens = app
        .sign_in_for_tokens(&agent, &client, username, asked)
        .await;
    ApiPerson {
        id,
        username: username.to_string(),
        agent,
        client,
        token: tokens["access_token"]
            .as_str()
            .expect("an access token")
            .into(),
        refresh: tokens["refresh_token"].as_str().map(str::to_string),
    }
}
