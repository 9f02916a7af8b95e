//! Hostile, malformed, missing, repeated and oversized input in the code flow: every
//! parameter of the authorization endpoint, the authorization code and refresh token grants,
//! and the UserInfo endpoint. Each case gets the exact status, redirect (or none) and error
//! code the RFCs give, and never a 500.
//!
//! Shared here: the default authorization request and its changes, what the authorization
//! endpoint must answer, and a signed-in browser that fetches codes and tokens.

mod authorization_endpoint;
mod hints;
mod refresh_token;
mod request_encoding;
mod token_endpoint;
mod userinfo;

use crate::support::{
    CHALLENGE, Landing, PASSWORD, REDIRECT_URI, TestApp, TestClient, UserAgent,
    page_header_problems,
};
use reqwest::header::{CONTENT_TYPE, LOCATION};
use reqwest::{Response, StatusCode};
use serde_json::Value;

const FORM: &str = "application/x-www-form-urlencoded";
const CLIENT_SCOPE: &str = "openid profile email offline_access";
const SCOPE: &str = "openid profile";

/// A change to the default authorization request.
#[derive(Clone, Debug)]
enum Change {
    /// Replaces the parameter (or adds it).
    Set(&'static str, String),
    /// Removes the parameter.
    Drop(&'static str),
    /// Adds another occurrence.
    Add(&'static str, String),
}

fn set(name: &'static str, value: impl Into<String>) -> Change {
    Change::Set(name, value.into())
}

fn without(name: &'static str) -> Change {
    Change::Drop(name)
}

fn again(name: &'static str, value: impl Into<String>) -> Change {
    Change::Add(name, value.into())
}

/// The query of an authorization request for `client_id` with `changes`. Defaults:
/// `response_type=code`, [`REDIRECT_URI`], `scope=openid profile`, `state=xyz`, a nonce and
/// an S256 PKCE challenge.
fn query(client_id: &str, changes: &[Change]) -> String {
    let mut params: Vec<(String, String)> = [
        ("response_type", "code"),
        ("client_id", client_id),
        ("redirect_uri", REDIRECT_URI),
        ("scope", SCOPE),
        ("state", "xyz"),
        ("nonce", "n-0S6"),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
    ]
    .iter()
    .map(|(n, v)| (n.to_string(), v.to_string()))
    .collect();
    for change in changes {
        match change {
            Change::Set(name, value) => {
                params.retain(|(n, _)| n != name);
                params.push((name.to_string(), value.clone()));
            }
            Change::Drop(name) => params.retain(|(n, _)| n != name),
            Change::Add(name, value) => params.push((name.to_string(), value.clone())),
        }
    }
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params)
        .finish()
}

/// What the authorization endpoint must answer.
#[derive(Clone, Copy, Debug)]
enum Expect {
    /// RFC 6749 §4.1.2.1: an error page at the provider, status 400, no `Location`.
    Page,
    /// Accepted: on to the login page (no one is signed in).
    SignIn,
    /// A 303 back to [`REDIRECT_URI`] with this `error`, `state=xyz` and `iss`.
    Error(&'static str),
    /// The same, without any `state`.
    ErrorWithoutState(&'static str),
}

/// What is wrong with `response` for `expect`, if anything.
async fn mismatch(app: &TestApp, response: Response, expect: Expect) -> Option<String> {
    let status = response.status();
    if status == StatusCode::INTERNAL_SERVER_ERROR {
        return Some("500".into());
    }
    let location = response
        .headers()
        .get(LOCATION)
        .map(|v| v.to_str().unwrap_or("<not ASCII>").to_string());
    let (code, state) = match expect {
        Expect::Page => {
            let problems = page_header_problems(response.headers());
            return match (status, location) {
                (StatusCode::BAD_REQUEST, None) if problems.is_empty() => None,
                (status, location) => {
                    Some(format!("{status}, Location {location:?}, {problems:?}"))
                }
            };
        }
        Expect::SignIn => {
            return match (status, location) {
                (StatusCode::SEE_OTHER, Some(l)) if l.starts_with("/login?request=") => None,
                (status, location) => Some(format!("{status}, Location {location:?}")),
            };
        }
        Expect::Error(code) => (code, Some("xyz")),
        Expect::ErrorWithoutState(code) => (code, None),
    };
    let Some(location) = location.filter(|_| status == StatusCode::SEE_OTHER) else {
        let body = response.text().await.unwrap_or_default();
        return Some(format!(
            "{status} without a redirect, expected {code}: {body:.300}"
        ));
    };
    let Some(query) = location.strip_prefix(&format!("{REDIRECT_URI}?")) else {
        return Some(format!("redirected to {location}"));
    };
    let pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let param = |name: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    let mut problems = Vec::new();
    if param("error") != Some(code) {
        problems.push(format!("error {:?}, expected {code}", param("error")));
    }
    if param("error_description").is_none_or(str::is_empty) {
        problems.push("no error_description".into());
    }
    if param("state") != state {
        problems.push(format!("state {:?}, expected {state:?}", param("state")));
    }
    if param("iss") != Some(app.issuer.as_str()) {
        problems.push(format!("iss {:?}", param("iss")));
    }
    if param("code").is_some() {
        problems.push("a code beside an error".into());
    }
    if response
        .headers()
        .get("cache-control")
        .map(|v| v.as_bytes())
        != Some(b"no-store")
    {
        problems.push("no cache-control: no-store".into());
    }
    (!problems.is_empty()).then(|| format!("{problems:?} in {location}"))
}

async fn authorize(app: &TestApp, query: &str) -> Response {
    app.http
        .get(app.url(&format!("/oauth2/authorize?{query}")))
        .send()
        .await
        .unwrap()
}

/// Runs a table of authorization requests by `client`, collecting every mismatch.
async fn run_table(app: &TestApp, client_id: &str, cases: Vec<(&str, Vec<Change>, Expect)>) {
    let mut failures = Vec::new();
    let count = cases.len();
    for (what, changes, expect) in cases {
        let response = authorize(app, &query(client_id, &changes)).await;
        assert_ne!(
            response.status(),
            StatusCode::INTERNAL_SERVER_ERROR,
            "{what}"
        );
        if let Some(problem) = mismatch(app, response, expect).await {
            failures.push(format!("{what}: expected {expect:?}, got {problem}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {count} cases failed: {failures:#?}",
        failures.len()
    );
}

/// A browser signed in as ada that has allowed `client` what it asks for.
struct Browser {
    agent: UserAgent,
}

impl Browser {
    fn new(app: &TestApp) -> Browser {
        Browser {
            agent: UserAgent::new(app),
        }
    }

    /// A code for `client` and `scope` with `extra` parameters (as in
    /// [`TestApp::authorize_url`]), signing in and allowing on the way as needed.
    async fn code(
        &self,
        app: &TestApp,
        client: &TestClient,
        scope: &str,
        extra: &[(&str, &str)],
    ) -> String {
        let mut landing = self
            .agent
            .navigate(&app.authorize_url(client, scope, extra))
            .await;
        for _ in 0..3 {
            let path = match &landing {
                Landing::Client(url) => {
                    return Landing::param(url, "code").unwrap_or_else(|| panic!("no code: {url}"));
                }
                Landing::Page { path, .. } => path.clone(),
            };
            landing = match path.split('?').next() {
                Some("/login") => self.agent.log_in(landing, "ada", PASSWORD).await,
                Some("/consent") => self.agent.consent(landing, "allow").await,
                _ => panic!("unexpected page {landing:?}"),
            };
        }
        panic!("no code after signing in and allowing");
    }

    /// Tokens for a fresh code, asserting success.
    async fn tokens(&self, app: &TestApp, client: &TestClient, scope: &str) -> Value {
        let code = self.code(app, client, scope, &[]).await;
        let response = app.exchange_code(client, &code).await;
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.unwrap()
    }
}

async fn token_request(app: &TestApp, client: &TestClient, body: String) -> Response {
    app.http
        .post(app.endpoint("token_endpoint").await)
        .basic_auth(&client.id, Some(&client.secret))
        .header(CONTENT_TYPE, FORM)
        .body(body)
        .send()
        .await
        .unwrap()
}
