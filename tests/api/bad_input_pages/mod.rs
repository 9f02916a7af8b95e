//! Hostile input on the browser pages: forged or missing CSRF tokens, forms that are too
//! large, not URL-encoded or not UTF-8, NUL bytes, markup, over-long credentials, unknown
//! request ids and untrusted logout requests. Each gets a page with the exact status and the
//! page security headers, never a 500, and nothing is written.
//!
//! Shared here: a page's HTML, and a browser left on the consent page.

mod csrf;
mod escaping;
mod forms;
mod headers;
mod login;
mod logout;

use crate::support::{PASSWORD, TestApp, TestClient, UserAgent};
use reqwest::StatusCode;

const FORM: &str = "application/x-www-form-urlencoded";
const SCOPE: &str = "openid profile email";

/// GETs a page, asserting 200, and returns its HTML.
async fn page(agent: &UserAgent, path: &str) -> String {
    let response = agent.get(path).await;
    assert_eq!(response.status(), StatusCode::OK, "GET {path}");
    response.text().await.unwrap()
}

/// A browser signed in as `username`, left on the consent page of a request by `client`:
/// the consent page's path and HTML.
async fn at_consent(
    app: &TestApp,
    agent: &UserAgent,
    client: &TestClient,
    username: &str,
) -> (String, String) {
    let landing = agent.navigate(&app.authorize_url(client, SCOPE, &[])).await;
    let (path, status, body) = agent.log_in(landing, username, PASSWORD).await.page();
    assert!(path.starts_with("/consent?request="), "{path}");
    assert_eq!(status, StatusCode::OK);
    (path, body)
}
