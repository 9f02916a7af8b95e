//! Hostile input on the browser pages: forged or missing CSRF tokens, forms that are too
//! large, not URL-encoded or not UTF-8, NUL bytes, markup, over-long credentials, unknown
//! request ids and untrusted logout requests. Each gets a page with the exact status and the
//! page security headers, never a 500, and nothing is written.
//!
//! Shared here: the page security header checks, the log check for secrets, form and
//! CSRF helpers, and browsers signed in or left on the consent page.

mod csrf;
mod escaping;
mod forms;
mod headers;
mod login;
mod logout;

use reqwest::header::{CONTENT_TYPE, HeaderMap, LOCATION};
use reqwest::{Response, StatusCode};

use crate::helpers::{TestApp, TestClient, captured_logs};
use crate::user_agent::{PASSWORD, UserAgent, hidden_fields};

const FORM: &str = "application/x-www-form-urlencoded";
const SCOPE: &str = "openid profile email";

/// What is wrong with the security headers every page must carry (empty: nothing).
pub(crate) fn page_header_problems(headers: &HeaderMap) -> Vec<String> {
    let header = |name: &str| {
        headers
            .get(name)
            .map(|v| v.to_str().unwrap_or("<not ASCII>").to_string())
    };
    let mut problems = Vec::new();
    match header("content-security-policy") {
        None => problems.push("no content-security-policy".to_string()),
        Some(csp) => {
            for directive in ["frame-ancestors 'none'", "default-src 'none'"] {
                if !csp.split(';').any(|d| d.trim() == directive) {
                    problems.push(format!("CSP without {directive}: {csp}"));
                }
            }
        }
    }
    let expected = [
        ("x-frame-options", "DENY"),
        ("cache-control", "no-store"),
        ("content-type", "text/html; charset=utf-8"),
        ("x-content-type-options", "nosniff"),
    ];
    for (name, value) in expected {
        if header(name).as_deref() != Some(value) {
            problems.push(format!("{name} is {:?}, not {value:?}", header(name)));
        }
    }
    problems
}

/// Asserts the page security headers on `response`.
pub(crate) fn assert_page_headers(what: &str, response: &Response) {
    let problems = page_header_problems(response.headers());
    assert!(problems.is_empty(), "{what}: {problems:?}");
}

/// Every secret any test of these files sent or received so far.
static SECRETS: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

/// Asserts that none of `secrets`, nor any secret an earlier test registered here, appears
/// in anything any server logged so far (so the last test to finish checks them all).
pub(crate) fn assert_not_logged(secrets: &[&str]) {
    let all: Vec<String> = {
        let mut registered = SECRETS.lock().unwrap();
        registered.extend(secrets.iter().map(|s| s.to_string()));
        registered.clone()
    };
    let logs = captured_logs();
    assert!(!logs.is_empty(), "the log capture works");
    for secret in &all {
        assert!(secret.len() >= 8, "too short to search for: {secret:?}");
        assert!(
            !logs.contains(secret.as_str()),
            "a secret reached the logs: {secret:.12}…"
        );
    }
}

/// The hidden `csrf_token` of the form posting to `action` on `page`.
pub(crate) fn csrf_of(page: &str, action: &str) -> String {
    hidden_fields(page, action)
        .into_iter()
        .find(|(name, _)| name == "csrf_token")
        .map(|(_, value)| value)
        .unwrap_or_else(|| panic!("no csrf_token in the form to {action}"))
}

/// The hidden fields of the form posting to `action`, with every HTML character reference
/// (named, decimal or hex) decoded: the values a browser would submit.
pub(crate) fn decoded_hidden_fields(page: &str, action: &str) -> Vec<(String, String)> {
    hidden_fields(page, action)
        .into_iter()
        .map(|(name, value)| (name, html_unescape(&value)))
        .collect()
}

/// Decodes `&#NN;`, `&#xHH;` and the usual named references; `hidden_fields` has already
/// decoded the named ones and some numeric ones, so `&amp;` does not come back here twice.
fn html_unescape(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("&#") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let decoded = after.find(';').and_then(|end| {
            let number = &after[..end];
            let code = match number.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok(),
                None => number.parse().ok(),
            };
            code.and_then(char::from_u32).map(|c| (c, end))
        });
        match decoded {
            Some((c, end)) => {
                out.push(c);
                rest = &after[end + 1..];
            }
            None => {
                out.push_str("&#");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Whether `page` shows `text` HTML-escaped (`<` as `&lt;` or `&#60;`, and so on).
pub(crate) fn shows_escaped(page: &str, text: &str) -> bool {
    let named = text
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;");
    let numeric = text
        .replace('&', "&#38;")
        .replace('<', "&#60;")
        .replace('>', "&#62;")
        .replace('"', "&#34;");
    page.contains(&named) || page.contains(&numeric)
}

/// A form body from pairs, percent-encoded.
pub(crate) fn encode(pairs: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

/// POSTs `body` as-is, with the agent's cookies and this content type (none: no header).
async fn post_raw(
    agent: &UserAgent,
    app: &TestApp,
    path: &str,
    content_type: Option<&str>,
    body: impl Into<reqwest::Body>,
) -> Response {
    let mut request = agent.http.post(app.url(path)).body(body);
    if let Some(content_type) = content_type {
        request = request.header(CONTENT_TYPE, content_type);
    }
    request.send().await.unwrap()
}

/// GETs a page, asserting 200, and returns its HTML.
async fn page(agent: &UserAgent, path: &str) -> String {
    let response = agent.get(path).await;
    assert_eq!(response.status(), StatusCode::OK, "GET {path}");
    response.text().await.unwrap()
}

/// Whether this browser is signed in: `/account` shows the page, or sends to `/login`.
async fn signed_in(agent: &UserAgent) -> bool {
    let response = agent.get("/account").await;
    match response.status() {
        StatusCode::OK => true,
        StatusCode::SEE_OTHER => {
            assert_eq!(response.headers()[LOCATION], "/login");
            false
        }
        other => panic!("/account answered {other}"),
    }
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
