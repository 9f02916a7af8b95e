//! Hostile, malformed, missing, repeated and oversized input in the code flow: every
//! parameter of the authorization endpoint, the authorization code and refresh token grants,
//! and the UserInfo endpoint. Each case gets the exact status, redirect (or none) and error
//! code the RFCs give, and never a 500.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use farm_auth::accounts::users::Role;
use farm_auth::oauth2::clients::NewClient;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue, LOCATION};
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

use crate::bad_input_pages::{
    assert_not_logged, assert_page_headers, decoded_hidden_fields, page_header_problems,
};
use crate::helpers::{TestApp, TestClient, TestDatabase, assert_oauth_error};
use crate::user_agent::{CHALLENGE, Landing, PASSWORD, REDIRECT_URI, UserAgent, VERIFIER};

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

#[tokio::test]
async fn an_untrusted_client_or_redirect_uri_gets_an_error_page_and_never_a_redirect() {
    let app = TestApp::spawn().await;
    let client = app.web_client(CLIENT_SCOPE).await;
    let machine = app.machine_client("orders:read").await;
    let id = client.id.as_str();
    let long = "x".repeat(10_000);
    use Expect::*;
    let cases = vec![
        ("client_id missing", vec![without("client_id")], Page),
        ("client_id empty", vec![set("client_id", "")], Page),
        ("client_id repeated", vec![again("client_id", id)], Page),
        (
            "client_id repeated, first empty",
            vec![
                without("client_id"),
                again("client_id", ""),
                again("client_id", id),
            ],
            Page,
        ),
        (
            "client_id unknown",
            vec![set("client_id", "no-such-client")],
            Page,
        ),
        (
            "client_id of 10000 characters",
            vec![set("client_id", long.clone())],
            Page,
        ),
        (
            "client_id with a NUL byte",
            vec![set("client_id", format!("{id}\0"))],
            Page,
        ),
        (
            "client_id with a space",
            vec![set("client_id", format!("{id} "))],
            Page,
        ),
        (
            "client_id in upper case",
            vec![set("client_id", id.to_uppercase())],
            Page,
        ),
        (
            "client_id not UTF-8 (lossy)",
            vec![set("client_id", "\u{fffd}")],
            Page,
        ),
        (
            "client_id of a machine client",
            vec![set("client_id", machine.id.clone())],
            Page,
        ),
        (
            "redirect_uri missing for openid",
            vec![without("redirect_uri")],
            Page,
        ),
        (
            "redirect_uri empty for openid",
            vec![set("redirect_uri", "")],
            Page,
        ),
        (
            "redirect_uri repeated",
            vec![again("redirect_uri", REDIRECT_URI)],
            Page,
        ),
        (
            "redirect_uri unregistered",
            vec![set("redirect_uri", "https://evil.example/callback")],
            Page,
        ),
        (
            "redirect_uri with a trailing slash",
            vec![set("redirect_uri", format!("{REDIRECT_URI}/"))],
            Page,
        ),
        (
            "redirect_uri with an added query",
            vec![set("redirect_uri", format!("{REDIRECT_URI}?next=/"))],
            Page,
        ),
        (
            "redirect_uri with a fragment",
            vec![set("redirect_uri", format!("{REDIRECT_URI}#x"))],
            Page,
        ),
        (
            "redirect_uri with another host case",
            vec![set("redirect_uri", "https://RP.example/callback")],
            Page,
        ),
        (
            "redirect_uri with a port",
            vec![set("redirect_uri", "https://rp.example:443/callback")],
            Page,
        ),
        (
            "redirect_uri as http",
            vec![set("redirect_uri", "http://rp.example/callback")],
            Page,
        ),
        (
            "redirect_uri with a NUL byte",
            vec![set("redirect_uri", format!("{REDIRECT_URI}\0"))],
            Page,
        ),
        (
            "redirect_uri with userinfo",
            vec![set(
                "redirect_uri",
                "https://rp.example@evil.example/callback",
            )],
            Page,
        ),
        (
            "redirect_uri of 10000 characters",
            vec![set("redirect_uri", long.clone())],
            Page,
        ),
        (
            "redirect_uri not a URI",
            vec![set("redirect_uri", "callback")],
            Page,
        ),
        // Both bad: the untrusted redirect URI wins, the page is shown.
        (
            "unregistered redirect_uri and no response_type",
            vec![
                set("redirect_uri", "https://evil.example/cb"),
                without("response_type"),
            ],
            Page,
        ),
        (
            "unknown client and a request object",
            vec![set("client_id", "nope"), set("request", "eyJ.e30.")],
            Page,
        ),
        // Without openid and with one registered URI, redirect_uri may be left out.
        (
            "redirect_uri left out of an OAuth request",
            vec![without("redirect_uri"), set("scope", "profile")],
            SignIn,
        ),
        ("the default request", vec![], SignIn),
    ];
    run_table(&app, id, cases).await;
    // The machine client with a redirect URI it never registered: a page, not a redirect.
    let response = authorize(&app, &query(&machine.id, &[])).await;
    assert_eq!(mismatch(&app, response, Page).await, None);
    assert_not_logged(&[&client.secret]);
}

#[tokio::test]
async fn each_malformed_parameter_of_a_trusted_request_is_sent_back_with_its_error_code() {
    let app = TestApp::spawn().await;
    let client = app.web_client(CLIENT_SCOPE).await;
    let long = "x".repeat(10_000);
    use Expect::*;
    let cases = vec![
        // response_type
        (
            "response_type missing",
            vec![without("response_type")],
            Error("invalid_request"),
        ),
        (
            "response_type empty",
            vec![set("response_type", "")],
            Error("invalid_request"),
        ),
        (
            "response_type repeated",
            vec![again("response_type", "code")],
            Error("invalid_request"),
        ),
        (
            "response_type token",
            vec![set("response_type", "token")],
            Error("unsupported_response_type"),
        ),
        (
            "response_type code id_token",
            vec![set("response_type", "code id_token")],
            Error("unsupported_response_type"),
        ),
        (
            "response_type CODE",
            vec![set("response_type", "CODE")],
            Error("unsupported_response_type"),
        ),
        (
            "response_type code+NUL",
            vec![set("response_type", "code\0")],
            Error("unsupported_response_type"),
        ),
        (
            "response_type oversized",
            vec![set("response_type", long.clone())],
            Error("unsupported_response_type"),
        ),
        // scope
        (
            "scope missing",
            vec![without("scope")],
            Error("invalid_scope"),
        ),
        (
            "scope empty",
            vec![set("scope", "")],
            Error("invalid_scope"),
        ),
        (
            "scope of spaces",
            vec![set("scope", "   ")],
            Error("invalid_scope"),
        ),
        (
            "scope repeated",
            vec![again("scope", "openid")],
            Error("invalid_request"),
        ),
        (
            "scope with no allowed token",
            vec![set("scope", "orders:write admin")],
            Error("invalid_scope"),
        ),
        (
            "scope with a quote and backslash",
            vec![set("scope", "openid \"\\")],
            Error("invalid_scope"),
        ),
        (
            "scope with a NUL byte",
            vec![set("scope", "openid\0profile")],
            Error("invalid_scope"),
        ),
        (
            "scope of 10000 characters",
            vec![set("scope", long.clone())],
            Error("invalid_scope"),
        ),
        (
            "scope with an unknown token beside openid",
            vec![set("scope", "openid bogus")],
            SignIn,
        ),
        // state
        (
            "state repeated",
            vec![again("state", "abc")],
            ErrorWithoutState("invalid_request"),
        ),
        (
            "state of 2049 bytes",
            vec![set("state", "s".repeat(2049)), without("response_type")],
            ErrorWithoutState("invalid_request"),
        ),
        (
            "state of 2050 bytes in 1025 characters",
            vec![set("state", "é".repeat(1025))],
            ErrorWithoutState("invalid_request"),
        ),
        (
            "state of 60000 bytes",
            vec![set("state", "s".repeat(60_000))],
            ErrorWithoutState("invalid_request"),
        ),
        (
            "state of exactly 2048 bytes",
            vec![set("state", "s".repeat(2048))],
            SignIn,
        ),
        ("state missing", vec![without("state")], SignIn),
        // nonce
        (
            "nonce of 513 bytes",
            vec![set("nonce", "n".repeat(513))],
            Error("invalid_request"),
        ),
        (
            "nonce of 514 bytes in 257 characters",
            vec![set("nonce", "é".repeat(257))],
            Error("invalid_request"),
        ),
        (
            "nonce repeated",
            vec![again("nonce", "n2")],
            Error("invalid_request"),
        ),
        (
            "nonce of exactly 512 bytes",
            vec![set("nonce", "n".repeat(512))],
            SignIn,
        ),
        ("nonce missing", vec![without("nonce")], SignIn),
        // prompt
        (
            "prompt unknown",
            vec![set("prompt", "bogus")],
            Error("invalid_request"),
        ),
        (
            "prompt none with login",
            vec![set("prompt", "none login")],
            Error("invalid_request"),
        ),
        (
            "prompt none with consent",
            vec![set("prompt", "consent none")],
            Error("invalid_request"),
        ),
        (
            "prompt repeated",
            vec![set("prompt", "login"), again("prompt", "login")],
            Error("invalid_request"),
        ),
        (
            "prompt in upper case",
            vec![set("prompt", "LOGIN")],
            Error("invalid_request"),
        ),
        (
            "prompt with a NUL byte",
            vec![set("prompt", "login\0")],
            Error("invalid_request"),
        ),
        (
            "prompt oversized",
            vec![set("prompt", long.clone())],
            Error("invalid_request"),
        ),
        (
            "prompt login consent",
            vec![set("prompt", "login consent")],
            SignIn,
        ),
        (
            "prompt none, nobody signed in",
            vec![set("prompt", "none")],
            Error("login_required"),
        ),
        // max_age
        (
            "max_age negative",
            vec![set("max_age", "-1")],
            Error("invalid_request"),
        ),
        (
            "max_age not a number",
            vec![set("max_age", "abc")],
            Error("invalid_request"),
        ),
        (
            "max_age a fraction",
            vec![set("max_age", "1.5")],
            Error("invalid_request"),
        ),
        (
            "max_age with a space",
            vec![set("max_age", " 5")],
            Error("invalid_request"),
        ),
        (
            "max_age past i64",
            vec![set("max_age", "99999999999999999999")],
            Error("invalid_request"),
        ),
        (
            "max_age repeated",
            vec![set("max_age", "5"), again("max_age", "5")],
            Error("invalid_request"),
        ),
        ("max_age zero", vec![set("max_age", "0")], SignIn),
        // code_challenge and code_challenge_method
        (
            "code_challenge_method plain",
            vec![set("code_challenge_method", "plain")],
            Error("invalid_request"),
        ),
        (
            "code_challenge_method s256",
            vec![set("code_challenge_method", "s256")],
            Error("invalid_request"),
        ),
        (
            "code_challenge_method unknown",
            vec![set("code_challenge_method", "S512")],
            Error("invalid_request"),
        ),
        (
            "code_challenge without a method",
            vec![without("code_challenge_method")],
            Error("invalid_request"),
        ),
        (
            "code_challenge_method without a challenge",
            vec![without("code_challenge")],
            Error("invalid_request"),
        ),
        (
            "code_challenge of 42 characters",
            vec![set("code_challenge", &CHALLENGE[..42])],
            Error("invalid_request"),
        ),
        (
            "code_challenge of 44 characters",
            vec![set("code_challenge", format!("{CHALLENGE}A"))],
            Error("invalid_request"),
        ),
        (
            "code_challenge padded",
            vec![set("code_challenge", format!("{}=", &CHALLENGE[..42]))],
            Error("invalid_request"),
        ),
        (
            "code_challenge in base64 with + and /",
            vec![set(
                "code_challenge",
                CHALLENGE.replace('-', "+").replace('_', "/"),
            )],
            Error("invalid_request"),
        ),
        (
            "code_challenge with a NUL byte",
            vec![set("code_challenge", format!("{}\0", &CHALLENGE[..42]))],
            Error("invalid_request"),
        ),
        (
            "code_challenge oversized",
            vec![set("code_challenge", long.clone())],
            Error("invalid_request"),
        ),
        (
            "code_challenge repeated",
            vec![again("code_challenge", CHALLENGE)],
            Error("invalid_request"),
        ),
        (
            "code_challenge_method repeated",
            vec![again("code_challenge_method", "S256")],
            Error("invalid_request"),
        ),
        (
            "no PKCE from a confidential client",
            vec![without("code_challenge"), without("code_challenge_method")],
            SignIn,
        ),
        // claims
        (
            "claims an array",
            vec![set("claims", "[1]")],
            Error("invalid_request"),
        ),
        (
            "claims a string",
            vec![set("claims", "\"userinfo\"")],
            Error("invalid_request"),
        ),
        (
            "claims not JSON",
            vec![set("claims", "{")],
            Error("invalid_request"),
        ),
        (
            "claims with a number member",
            vec![set("claims", r#"{"id_token":3}"#)],
            Error("invalid_request"),
        ),
        (
            "claims null",
            vec![set("claims", "null")],
            Error("invalid_request"),
        ),
        (
            "claims over 4096 bytes",
            vec![set(
                "claims",
                format!(r#"{{"userinfo":{{"x":"{}"}}}}"#, "a".repeat(4100)),
            )],
            Error("invalid_request"),
        ),
        (
            "claims repeated",
            vec![set("claims", "{}"), again("claims", "{}")],
            Error("invalid_request"),
        ),
        (
            "claims a valid request",
            vec![set(
                "claims",
                r#"{"userinfo":{"email":{"essential":true}}}"#,
            )],
            SignIn,
        ),
        // request objects, registration
        (
            "request",
            vec![set("request", "eyJhbGciOiJub25lIn0.e30.")],
            Error("request_not_supported"),
        ),
        (
            "request_uri",
            vec![set("request_uri", "https://rp.example/request.jwt")],
            Error("request_uri_not_supported"),
        ),
        (
            "registration",
            vec![set("registration", "{}")],
            Error("registration_not_supported"),
        ),
        (
            "request repeated",
            vec![set("request", "a.b.c"), again("request", "a.b.c")],
            Error("invalid_request"),
        ),
        (
            "request_uri repeated",
            vec![set("request_uri", "urn:x"), again("request_uri", "urn:x")],
            Error("invalid_request"),
        ),
        ("request empty", vec![set("request", "")], SignIn),
        ("request_uri empty", vec![set("request_uri", "")], SignIn),
        // Every optional parameter sent empty counts as omitted (RFC 6749 §3.1).
        ("state empty", vec![set("state", "")], SignIn),
        ("nonce empty", vec![set("nonce", "")], SignIn),
        ("prompt empty", vec![set("prompt", "")], SignIn),
        ("max_age empty", vec![set("max_age", "")], SignIn),
        ("login_hint empty", vec![set("login_hint", "")], SignIn),
        (
            "id_token_hint empty",
            vec![set("id_token_hint", "")],
            SignIn,
        ),
        ("claims empty", vec![set("claims", "")], SignIn),
        (
            "response_mode empty",
            vec![set("response_mode", "")],
            SignIn,
        ),
        (
            "code_challenge empty, method given",
            vec![set("code_challenge", "")],
            Error("invalid_request"),
        ),
        (
            "code_challenge_method empty, challenge given",
            vec![set("code_challenge_method", "")],
            Error("invalid_request"),
        ),
        // response_mode
        (
            "response_mode fragment",
            vec![set("response_mode", "fragment")],
            Error("invalid_request"),
        ),
        (
            "response_mode unknown",
            vec![set("response_mode", "web_message")],
            Error("invalid_request"),
        ),
        (
            "response_mode repeated",
            vec![
                set("response_mode", "query"),
                again("response_mode", "query"),
            ],
            Error("invalid_request"),
        ),
        (
            "response_mode query",
            vec![set("response_mode", "query")],
            SignIn,
        ),
        (
            "response_mode oversized",
            vec![set("response_mode", long.clone())],
            Error("invalid_request"),
        ),
        (
            "response_mode with a NUL byte",
            vec![set("response_mode", "query\0")],
            Error("invalid_request"),
        ),
        // login_hint: a hint, ignored when unusable
        (
            "login_hint repeated",
            vec![set("login_hint", "ada"), again("login_hint", "ada")],
            Error("invalid_request"),
        ),
        (
            "login_hint of 10000 characters",
            vec![set("login_hint", long.clone())],
            SignIn,
        ),
        (
            "login_hint with a NUL byte",
            vec![set("login_hint", "a\0da")],
            SignIn,
        ),
        // the rest
        ("an unknown parameter", vec![set("foo", "bar")], SignIn),
        (
            "an unknown parameter repeated",
            vec![set("foo", "bar"), again("foo", "baz")],
            Error("invalid_request"),
        ),
        ("a parameter with an empty name", vec![set("", "x")], SignIn),
        (
            "two errors: response_type and scope",
            vec![set("response_type", "token"), without("scope")],
            Error("unsupported_response_type"),
        ),
    ];
    run_table(&app, &client.id, cases).await;
}

#[tokio::test]
async fn a_public_client_must_use_pkce_with_s256() {
    let app = TestApp::spawn().await;
    let public = app
        .register(NewClient {
            name: "Farm Stand App".into(),
            redirect_uris: vec![REDIRECT_URI.into()],
            grant_types: vec!["authorization_code".into()],
            scope: Some(SCOPE.into()),
            public: true,
            ..Default::default()
        })
        .await;
    use Expect::*;
    let cases = vec![
        (
            "no PKCE",
            vec![without("code_challenge"), without("code_challenge_method")],
            Error("invalid_request"),
        ),
        (
            "an empty challenge and method",
            vec![set("code_challenge", ""), set("code_challenge_method", "")],
            Error("invalid_request"),
        ),
        (
            "plain",
            vec![set("code_challenge_method", "plain")],
            Error("invalid_request"),
        ),
        (
            "a challenge without a method",
            vec![without("code_challenge_method")],
            Error("invalid_request"),
        ),
        ("S256", vec![], SignIn),
    ];
    run_table(&app, &public.id, cases).await;
}

#[tokio::test]
async fn more_than_sixty_four_parameters_get_an_error_page() {
    let app = TestApp::spawn().await;
    let client = app.web_client(CLIENT_SCOPE).await;
    // The default request has 8 parameters.
    let extra = |n: usize| {
        (0..n)
            .map(|i| set_owned(format!("p{i}"), "x"))
            .collect::<Vec<_>>()
    };
    let at_limit = format!("{}&{}", query(&client.id, &[]), encode_pairs(&extra(56)));
    let over = format!("{}&{}", query(&client.id, &[]), encode_pairs(&extra(57)));
    let way_over = format!("{}&{}", query(&client.id, &[]), encode_pairs(&extra(5000)));
    assert_eq!(
        mismatch(&app, authorize(&app, &at_limit).await, Expect::SignIn).await,
        None
    );
    assert_eq!(
        mismatch(&app, authorize(&app, &over).await, Expect::Page).await,
        None
    );
    assert_eq!(
        mismatch(&app, authorize(&app, &way_over).await, Expect::Page).await,
        None
    );
    // Even when the extra parameters come first and the client_id is past the limit.
    let first = format!("{}&{}", encode_pairs(&extra(70)), query(&client.id, &[]));
    assert_eq!(
        mismatch(&app, authorize(&app, &first).await, Expect::Page).await,
        None
    );
}

fn set_owned(name: String, value: &str) -> (String, String) {
    (name, value.to_string())
}

fn encode_pairs(pairs: &[(String, String)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

#[tokio::test]
async fn state_is_echoed_exactly_on_errors() {
    let app = TestApp::spawn().await;
    let client = app.web_client(CLIENT_SCOPE).await;
    let states = [
        "a&b=c#d e+f%20",
        "<script>alert(1)</script>",
        "ünïcödé ✓ 🌱",
        "line\nbreak\ttab",
        &"s".repeat(2048),
    ];
    for state in states {
        let q = query(&client.id, &[set("state", state), without("response_type")]);
        let response = authorize(&app, &q).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{state:.30}");
        let location = response.headers()[LOCATION].to_str().unwrap().to_string();
        let url = url::Url::parse(&location).unwrap();
        assert_eq!(Landing::param(&url, "state").as_deref(), Some(state));
        assert_eq!(
            Landing::param(&url, "error").as_deref(),
            Some("invalid_request")
        );
        // Exactly one state, and the location is one line.
        assert_eq!(url.query_pairs().filter(|(k, _)| k == "state").count(), 1);
        assert!(!location.contains(['\n', '\r', ' ', '<']), "{location:.80}");
    }
}

#[tokio::test]
async fn an_error_in_form_post_mode_is_an_escaped_auto_submitted_form() {
    let app = TestApp::spawn().await;
    let client = app.web_client(CLIENT_SCOPE).await;
    let state = r#""><script>alert(1)</script>"#;
    let q = query(
        &client.id,
        &[
            set("response_mode", "form_post"),
            set("state", state),
            without("response_type"),
        ],
    );
    let response = authorize(&app, &q).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers().get(LOCATION).is_none());
    assert_page_headers("form post", &response);
    let csp = response.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        csp.contains("form-action 'self' https://rp.example;"),
        "{csp}"
    );
    let body = response.text().await.unwrap();
    assert!(!body.contains("<script>alert"), "{body}");
    assert!(
        body.contains(&format!("action=\"{REDIRECT_URI}\"")),
        "{body}"
    );
    let fields = decoded_hidden_fields(&body, REDIRECT_URI);
    let field = |name: &str| {
        fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(field("error"), Some("invalid_request"));
    assert_eq!(field("state"), Some(state));
    assert_eq!(field("iss"), Some(app.issuer.as_str()));
}

#[tokio::test]
async fn query_strings_that_are_not_valid_percent_encoding_or_utf8_are_not_server_errors() {
    let app = TestApp::spawn().await;
    let client = app.web_client(CLIENT_SCOPE).await;
    let base = query(&client.id, &[]);
    let cases: Vec<(String, Expect)> = vec![
        (String::new(), Expect::Page),
        ("%".into(), Expect::Page),
        ("&&&===".into(), Expect::Page),
        ("client_id=%ZZ".into(), Expect::Page),
        ("client_id=%FF%FE".into(), Expect::Page),
        ("client_id=%00".into(), Expect::Page),
        ("client_id".into(), Expect::Page),
        (
            format!("{base}&state=%FF%FE"),
            Expect::ErrorWithoutState("invalid_request"),
        ),
        (base.replace("state=xyz", "state=%FF%FE"), Expect::SignIn),
        (base.replace("state=xyz", "state=%"), Expect::SignIn),
        (
            base.replace("scope=openid+profile", "scope=openid%FFprofile"),
            Expect::Error("invalid_scope"),
        ),
        (
            base.replace("response_type=code", "response_type=%63ode"),
            Expect::SignIn,
        ),
        (
            base.replace("response_type=code", "response_type"),
            Expect::Error("invalid_request"),
        ),
        (
            base.replace("response_type=code", "%72esponse_type=code"),
            Expect::SignIn,
        ),
    ];
    let mut failures = Vec::new();
    for (q, expect) in cases {
        let response = authorize(&app, &q).await;
        assert_ne!(
            response.status(),
            StatusCode::INTERNAL_SERVER_ERROR,
            "{q:.80}"
        );
        if let Some(problem) = mismatch(&app, response, expect).await {
            failures.push(format!("{q:.80}: expected {expect:?}, got {problem}"));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    // Queries past what the HTTP server reads: refused before any handler, never a 500.
    for n in [70_000, 1_000_000] {
        let request = format!(
            "GET /oauth2/authorize?client_id={}&state={} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            client.id,
            "s".repeat(n)
        );
        let response = crate::helpers::raw_http(&app.address, request.as_bytes()).await;
        assert!(
            response.starts_with("HTTP/1.1 414") || response.starts_with("HTTP/1.1 431"),
            "a query of {n} bytes: {response:.80}"
        );
    }
    // Bytes no URL may hold, sent raw.
    for target in [
        &b"/oauth2/authorize?client_id=\xff\xfe"[..],
        b"/oauth2/authorize?\x00",
        b"/oauth2/authorize?a=\x7f",
    ] {
        let request = [
            b"GET ",
            target,
            b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        ]
        .concat();
        let response = crate::helpers::raw_http(&app.address, &request).await;
        assert!(
            response.starts_with("HTTP/1.1 400"),
            "{:?}: {response:.80}",
            String::from_utf8_lossy(target)
        );
    }
}

#[tokio::test]
async fn an_authorization_request_posted_as_a_form_goes_to_the_same_request_as_a_get() {
    let app = TestApp::spawn().await;
    let client = app.web_client(CLIENT_SCOPE).await;
    let body = query(&client.id, &[without("response_type")]);
    let response = app
        .http
        .post(app.url("/oauth2/authorize"))
        .header(CONTENT_TYPE, FORM)
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let location = response.headers()[LOCATION].to_str().unwrap().to_string();
    assert_eq!(location, format!("/oauth2/authorize?{body}"));
    let response = app.http.get(app.url(&location)).send().await.unwrap();
    assert_eq!(
        mismatch(&app, response, Expect::Error("invalid_request")).await,
        None
    );
}

#[tokio::test]
async fn a_posted_authorization_request_with_raw_control_bytes_is_re_encoded_not_a_server_error() {
    let app = TestApp::spawn().await;
    let client = app.web_client(CLIENT_SCOPE).await;
    let base = query(&client.id, &[without("state")]);
    // (what, body, the state the GET it leads to must carry)
    let bodies: [(&str, Vec<u8>, &str); 5] = [
        (
            "a raw line feed",
            format!("{base}&state=a\nb").into_bytes(),
            "a\nb",
        ),
        (
            "a raw carriage return and header",
            format!("{base}&state=a\r\nSet-Cookie: x=y").into_bytes(),
            "a\r\nSet-Cookie: x=y",
        ),
        (
            "a raw NUL byte",
            format!("{base}&state=a\0b").into_bytes(),
            "a\0b",
        ),
        (
            "a raw DEL byte",
            format!("{base}&state=a\x7fb").into_bytes(),
            "a\x7fb",
        ),
        (
            "bytes that are not UTF-8",
            [base.as_bytes(), b"&state=\xff\xfe"].concat(),
            "\u{fffd}\u{fffd}",
        ),
    ];
    for (what, body, state) in bodies {
        let response = app
            .http
            .post(app.url("/oauth2/authorize"))
            .header(CONTENT_TYPE, FORM)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_ne!(
            response.status(),
            StatusCode::INTERNAL_SERVER_ERROR,
            "{what}"
        );
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{what}");
        assert!(
            response.headers().get("set-cookie").is_none(),
            "{what}: a header was injected"
        );
        let location = response.headers()[LOCATION].to_str().unwrap().to_string();
        assert!(
            location.starts_with("/oauth2/authorize?"),
            "{what}: {location}"
        );
        assert!(
            !location.contains(|c: char| c.is_control() || c == ' '),
            "{what}: {location}"
        );
        // The GET it leads to reads the same parameters: with an error, the exact state.
        let url = url::Url::parse(&format!(
            "{}{location}&response_mode=query&prompt=bogus",
            app.address
        ))
        .unwrap();
        assert_eq!(
            Landing::param(&url, "state").as_deref(),
            Some(state),
            "{what}"
        );
        let response = app.http.get(url).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{what}");
        let back = url::Url::parse(response.headers()[LOCATION].to_str().unwrap()).unwrap();
        assert_eq!(
            Landing::param(&back, "error").as_deref(),
            Some("invalid_request"),
            "{what}"
        );
        assert_eq!(
            Landing::param(&back, "state").as_deref(),
            Some(state),
            "{what}"
        );
    }
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

const GRANT: &str = "grant_type=authorization_code";

#[tokio::test]
async fn code_requests_with_missing_repeated_oversized_or_wrong_parameters_get_rfc_errors() {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    let client = app.web_client(CLIENT_SCOPE).await;
    let browser = Browser::new(&app);
    let r = REDIRECT_URI;
    let v = VERIFIER;
    type Body = fn(&str) -> String;
    let cases: Vec<(&str, Body, &str)> = vec![
        (
            "code missing",
            |_| format!("{GRANT}&redirect_uri={REDIRECT_URI}&code_verifier={VERIFIER}"),
            "invalid_request",
        ),
        (
            "code empty",
            |_| format!("{GRANT}&code=&redirect_uri={REDIRECT_URI}&code_verifier={VERIFIER}"),
            "invalid_request",
        ),
        (
            "code repeated",
            |c| {
                format!(
                    "{GRANT}&code={c}&code={c}&redirect_uri={REDIRECT_URI}&code_verifier={VERIFIER}"
                )
            },
            "invalid_request",
        ),
        (
            "code repeated, once empty",
            |c| {
                format!(
                    "{GRANT}&code=&code={c}&redirect_uri={REDIRECT_URI}&code_verifier={VERIFIER}"
                )
            },
            "invalid_request",
        ),
        (
            "code of 129 characters",
            |_| {
                format!(
                    "{GRANT}&code={}&redirect_uri={REDIRECT_URI}&code_verifier={VERIFIER}",
                    "a".repeat(129)
                )
            },
            "invalid_grant",
        ),
        (
            "code of 10000 characters",
            |_| {
                format!(
                    "{GRANT}&code={}&redirect_uri={REDIRECT_URI}&code_verifier={VERIFIER}",
                    "a".repeat(10_000)
                )
            },
            "invalid_grant",
        ),
        (
            "code unknown",
            |_| {
                format!(
                    "{GRANT}&code=not-a-code&redirect_uri={REDIRECT_URI}&code_verifier={VERIFIER}"
                )
            },
            "invalid_grant",
        ),
        (
            "code with a NUL byte",
            |c| format!("{GRANT}&code={c}%00&redirect_uri={REDIRECT_URI}&code_verifier={VERIFIER}"),
            "invalid_grant",
        ),
        (
            "code not UTF-8",
            |c| format!("{GRANT}&code={c}%FF&redirect_uri={REDIRECT_URI}&code_verifier={VERIFIER}"),
            "invalid_grant",
        ),
        (
            "code truncated",
            |c| {
                format!(
                    "{GRANT}&code={}&redirect_uri={REDIRECT_URI}&code_verifier={VERIFIER}",
                    &c[..c.len() - 1]
                )
            },
            "invalid_grant",
        ),
        (
            "redirect_uri missing",
            |c| format!("{GRANT}&code={c}&code_verifier={VERIFIER}"),
            "invalid_grant",
        ),
        (
            "redirect_uri empty",
            |c| format!("{GRANT}&code={c}&redirect_uri=&code_verifier={VERIFIER}"),
            "invalid_grant",
        ),
        (
            "redirect_uri different",
            |c| format!("{GRANT}&code={c}&redirect_uri={REDIRECT_URI}/&code_verifier={VERIFIER}"),
            "invalid_grant",
        ),
        (
            "redirect_uri repeated",
            |c| {
                format!(
                    "{GRANT}&code={c}&redirect_uri={REDIRECT_URI}&redirect_uri={REDIRECT_URI}&code_verifier={VERIFIER}"
                )
            },
            "invalid_request",
        ),
        (
            "code_verifier missing",
            |c| format!("{GRANT}&code={c}&redirect_uri={REDIRECT_URI}"),
            "invalid_grant",
        ),
        (
            "code_verifier empty",
            |c| format!("{GRANT}&code={c}&redirect_uri={REDIRECT_URI}&code_verifier="),
            "invalid_grant",
        ),
        (
            "code_verifier wrong",
            |c| {
                format!(
                    "{GRANT}&code={c}&redirect_uri={REDIRECT_URI}&code_verifier={}",
                    VERIFIER.replace('d', "e")
                )
            },
            "invalid_grant",
        ),
        (
            "code_verifier of 42 characters",
            |c| {
                format!(
                    "{GRANT}&code={c}&redirect_uri={REDIRECT_URI}&code_verifier={}",
                    &VERIFIER[..42]
                )
            },
            "invalid_grant",
        ),
        (
            "code_verifier of 129 characters",
            |c| {
                format!(
                    "{GRANT}&code={c}&redirect_uri={REDIRECT_URI}&code_verifier={}",
                    "a".repeat(129)
                )
            },
            "invalid_grant",
        ),
        (
            "code_verifier with a character outside its alphabet",
            |c| format!("{GRANT}&code={c}&redirect_uri={REDIRECT_URI}&code_verifier={VERIFIER}%21"),
            "invalid_grant",
        ),
        (
            "code_verifier equal to the challenge",
            |c| format!("{GRANT}&code={c}&redirect_uri={REDIRECT_URI}&code_verifier={CHALLENGE}"),
            "invalid_grant",
        ),
        (
            "code_verifier repeated",
            |c| {
                format!(
                    "{GRANT}&code={c}&redirect_uri={REDIRECT_URI}&code_verifier={VERIFIER}&code_verifier={VERIFIER}"
                )
            },
            "invalid_request",
        ),
        (
            "grant_type repeated",
            |c| {
                format!(
                    "{GRANT}&{GRANT}&code={c}&redirect_uri={REDIRECT_URI}&code_verifier={VERIFIER}"
                )
            },
            "invalid_request",
        ),
        (
            "grant_type missing",
            |c| format!("code={c}&redirect_uri={REDIRECT_URI}&code_verifier={VERIFIER}"),
            "invalid_request",
        ),
        (
            "grant_type in another case",
            |c| {
                format!(
                    "grant_type=Authorization_Code&code={c}&redirect_uri={REDIRECT_URI}&code_verifier={VERIFIER}"
                )
            },
            "unsupported_grant_type",
        ),
    ];
    let mut codes = Vec::new();
    let mut failures = Vec::new();
    for (what, body, error) in cases {
        let code = browser.code(&app, &client, SCOPE, &[]).await;
        let response = token_request(&app, &client, body(&code)).await;
        let status = response.status();
        assert_ne!(status, StatusCode::INTERNAL_SERVER_ERROR, "{what}");
        let json: Value = response.json().await.unwrap_or_default();
        if status != StatusCode::BAD_REQUEST
            || json["error"] != error
            || json.get("access_token").is_some()
        {
            failures.push(format!("{what}: {status} {json}, expected 400 {error}"));
        }
        codes.push(code);
    }
    assert!(failures.is_empty(), "{failures:#?}");
    // The well-formed request, for contrast.
    let code = browser.code(&app, &client, SCOPE, &[]).await;
    let response = token_request(
        &app,
        &client,
        format!("{GRANT}&code={code}&redirect_uri={r}&code_verifier={v}"),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    codes.push(code);
    let codes: Vec<&str> = codes.iter().map(String::as_str).collect();
    assert_not_logged(&codes);
}

#[tokio::test]
async fn a_code_is_refused_to_another_client_and_for_another_redirect_uri() {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    let client = app.web_client(CLIENT_SCOPE).await;
    let other_client = app.web_client(CLIENT_SCOPE).await;
    let second_uri = "https://rp.example/second";
    let two_uris = app
        .register(NewClient {
            name: "Two Doors".into(),
            redirect_uris: vec![REDIRECT_URI.into(), second_uri.into()],
            grant_types: vec!["authorization_code".into()],
            scope: Some(CLIENT_SCOPE.into()),
            ..Default::default()
        })
        .await;
    let browser = Browser::new(&app);

    // Issued to `client`, presented by another client with valid credentials.
    let code = browser.code(&app, &client, SCOPE, &[]).await;
    let response = app.exchange_code(&other_client, &code).await;
    assert_oauth_error(response, StatusCode::BAD_REQUEST, "invalid_grant").await;

    // Issued for one registered URI, presented with the other (both ways round).
    for (asked, presented) in [(REDIRECT_URI, second_uri), (second_uri, REDIRECT_URI)] {
        let code = browser
            .code(&app, &two_uris, SCOPE, &[("redirect_uri", asked)])
            .await;
        let body = format!("{GRANT}&code={code}&redirect_uri={presented}&code_verifier={VERIFIER}");
        let response = token_request(&app, &two_uris, body).await;
        assert_oauth_error(response, StatusCode::BAD_REQUEST, "invalid_grant").await;
        let code = browser
            .code(&app, &two_uris, SCOPE, &[("redirect_uri", asked)])
            .await;
        let body = format!("{GRANT}&code={code}&redirect_uri={asked}&code_verifier={VERIFIER}");
        let response = token_request(&app, &two_uris, body).await;
        assert_eq!(response.status(), StatusCode::OK, "the matching URI works");
    }
    // Wrong client secret: a 401, not a grant error.
    let code = browser.code(&app, &client, SCOPE, &[]).await;
    let wrong = TestClient {
        id: client.id.clone(),
        secret: "not-the-secret-51e7".into(),
    };
    let response = app.exchange_code(&wrong, &code).await;
    assert_oauth_error(response, StatusCode::UNAUTHORIZED, "invalid_client").await;
    assert_not_logged(&[
        &code,
        "not-the-secret-51e7",
        &client.secret,
        &other_client.secret,
    ]);
}

#[tokio::test]
async fn a_code_older_than_sixty_seconds_is_refused() {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    let client = app.web_client(CLIENT_SCOPE).await;
    let browser = Browser::new(&app);
    let fresh = browser.code(&app, &client, SCOPE, &[]).await;
    let stale = browser.code(&app, &client, SCOPE, &[]).await;
    app.clock.advance(59);
    let response = app.exchange_code(&client, &fresh).await;
    assert_eq!(response.status(), StatusCode::OK, "59 s old");
    app.clock.advance(2);
    let response = app.exchange_code(&client, &stale).await;
    assert_oauth_error(response, StatusCode::BAD_REQUEST, "invalid_grant").await;
}

#[tokio::test]
async fn a_verifier_for_a_code_issued_without_a_challenge_is_refused() {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    let client = app.web_client(CLIENT_SCOPE).await;
    let browser = Browser::new(&app);
    let no_pkce = [("code_challenge", ""), ("code_challenge_method", "")];
    let code = browser.code(&app, &client, SCOPE, &no_pkce).await;
    let response = app.exchange_code(&client, &code).await;
    assert_oauth_error(response, StatusCode::BAD_REQUEST, "invalid_grant").await;
    // Without a verifier the same kind of code is fine.
    let code = browser.code(&app, &client, SCOPE, &no_pkce).await;
    let body = format!("{GRANT}&code={code}&redirect_uri={REDIRECT_URI}");
    assert_eq!(
        token_request(&app, &client, body).await.status(),
        StatusCode::OK
    );
}

/// What a refresh case can draw on: the tokens of a fresh grant.
struct Issued {
    tokens: Value,
}

impl Issued {
    fn get(&self, name: &str) -> &str {
        self.tokens[name].as_str().unwrap()
    }
}

const REFRESH: &str = "grant_type=refresh_token";

#[tokio::test]
async fn refresh_requests_with_missing_repeated_oversized_or_wrong_parameters_get_rfc_errors() {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    let client = app.web_client(CLIENT_SCOPE).await;
    let browser = Browser::new(&app);
    let offline = "openid offline_access";
    type Body = fn(&Issued) -> String;
    let cases: Vec<(&str, Body, &str)> = vec![
        (
            "refresh_token missing",
            |_| REFRESH.to_string(),
            "invalid_request",
        ),
        (
            "refresh_token empty",
            |_| format!("{REFRESH}&refresh_token="),
            "invalid_request",
        ),
        (
            "refresh_token repeated",
            |i| {
                format!(
                    "{REFRESH}&refresh_token={0}&refresh_token={0}",
                    i.get("refresh_token")
                )
            },
            "invalid_request",
        ),
        (
            "refresh_token of 129 characters",
            |_| format!("{REFRESH}&refresh_token={}", "r".repeat(129)),
            "invalid_grant",
        ),
        (
            "refresh_token of 10000 characters",
            |_| format!("{REFRESH}&refresh_token={}", "r".repeat(10_000)),
            "invalid_grant",
        ),
        (
            "refresh_token unknown",
            |_| format!("{REFRESH}&refresh_token=not-a-refresh-token"),
            "invalid_grant",
        ),
        (
            "refresh_token with a NUL byte",
            |i| format!("{REFRESH}&refresh_token={}%00", i.get("refresh_token")),
            "invalid_grant",
        ),
        (
            "refresh_token not UTF-8",
            |i| format!("{REFRESH}&refresh_token={}%C3", i.get("refresh_token")),
            "invalid_grant",
        ),
        (
            "an access token as refresh_token",
            |i| format!("{REFRESH}&refresh_token={}", i.get("access_token")),
            "invalid_grant",
        ),
        (
            "an ID token as refresh_token",
            |i| format!("{REFRESH}&refresh_token={}", i.get("id_token")),
            "invalid_grant",
        ),
        (
            "scope repeated",
            |i| {
                format!(
                    "{REFRESH}&refresh_token={}&scope=openid&scope=openid",
                    i.get("refresh_token")
                )
            },
            "invalid_request",
        ),
        (
            "grant_type repeated",
            |i| {
                format!(
                    "{REFRESH}&{REFRESH}&refresh_token={}",
                    i.get("refresh_token")
                )
            },
            "invalid_request",
        ),
    ];
    let mut failures = Vec::new();
    let mut secrets = Vec::new();
    for (what, body, error) in cases {
        let issued = Issued {
            tokens: browser.tokens(&app, &client, offline).await,
        };
        let response = token_request(&app, &client, body(&issued)).await;
        let status = response.status();
        assert_ne!(status, StatusCode::INTERNAL_SERVER_ERROR, "{what}");
        let json: Value = response.json().await.unwrap_or_default();
        if status != StatusCode::BAD_REQUEST
            || json["error"] != error
            || json.get("access_token").is_some()
        {
            failures.push(format!("{what}: {status} {json}, expected 400 {error}"));
        }
        secrets.push(issued.get("refresh_token").to_string());
    }
    assert!(failures.is_empty(), "{failures:#?}");
    // The well-formed request, and a narrower scope, for contrast.
    let issued = Issued {
        tokens: browser.tokens(&app, &client, offline).await,
    };
    let body = format!(
        "{REFRESH}&refresh_token={}&scope=openid",
        issued.get("refresh_token")
    );
    let response = token_request(&app, &client, body).await;
    assert_eq!(response.status(), StatusCode::OK);
    let rotated: Value = response.json().await.unwrap();
    secrets.push(issued.get("refresh_token").to_string());
    secrets.push(rotated["refresh_token"].as_str().unwrap().to_string());
    let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
    assert_not_logged(&secrets);
}

#[tokio::test]
async fn a_refresh_token_is_refused_to_another_client_and_stays_usable_by_its_own() {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    let client = app.web_client(CLIENT_SCOPE).await;
    let other_client = app.web_client(CLIENT_SCOPE).await;
    let browser = Browser::new(&app);
    let tokens = browser.tokens(&app, &client, "openid offline_access").await;
    let refresh = tokens["refresh_token"].as_str().unwrap();
    let body = format!("{REFRESH}&refresh_token={refresh}");
    let response = token_request(&app, &other_client, body).await;
    assert_oauth_error(response, StatusCode::BAD_REQUEST, "invalid_grant").await;
    // The refusal costs the client it was issued to nothing (RFC 6749 §6).
    let body = format!("{REFRESH}&refresh_token={refresh}");
    let response = token_request(&app, &client, body).await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_refresh_request_refused_for_its_scope_leaves_the_refresh_token_usable() {
    // RFC 6749 §6: the old refresh token may be revoked "after issuing a new refresh token";
    // an error response issues none, so the client still holds only the old one.
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    let client = app.web_client(CLIENT_SCOPE).await;
    let browser = Browser::new(&app);
    let mut failures = Vec::new();
    for scope in [
        "openid offline_access email",
        "\"\\",
        "openid offline_access\0",
    ] {
        let tokens = browser.tokens(&app, &client, "openid offline_access").await;
        let refresh = tokens["refresh_token"].as_str().unwrap();
        let scope_param: String = form_urlencoded::byte_serialize(scope.as_bytes()).collect();
        let body = format!("{REFRESH}&refresh_token={refresh}&scope={scope_param}");
        let response = token_request(&app, &client, body).await;
        assert_oauth_error(response, StatusCode::BAD_REQUEST, "invalid_scope").await;
        // The refused request revokes nothing: the access token issued with the code still works.
        let access = tokens["access_token"].as_str().unwrap();
        let userinfo = app.endpoint("userinfo_endpoint").await;
        let response = app
            .http
            .get(&userinfo)
            .bearer_auth(access)
            .send()
            .await
            .unwrap();
        if response.status() != StatusCode::OK {
            failures.push(format!(
                "after asking for scope {scope:?}: the access token is {}",
                response.status()
            ));
        }
        // The client got no new refresh token, so it uses the one it holds.
        let body = format!("{REFRESH}&refresh_token={refresh}");
        let response = token_request(&app, &client, body).await;
        let status = response.status();
        assert_ne!(status, StatusCode::INTERNAL_SERVER_ERROR);
        let json: Value = response.json().await.unwrap();
        if status != StatusCode::OK {
            failures.push(format!("after asking for scope {scope:?}: {status} {json}"));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[tokio::test]
async fn id_token_hints_not_issued_here_are_refused_before_sign_in() {
    let app = TestApp::spawn().await;
    let ada = app.person("ada", Role::Consumer).await;
    let client = app.web_client(CLIENT_SCOPE).await;
    let browser = Browser::new(&app);
    let tokens = browser.tokens(&app, &client, SCOPE).await;
    let id_token = tokens["id_token"].as_str().unwrap().to_string();
    let access_token = tokens["access_token"].as_str().unwrap().to_string();
    let parts: Vec<&str> = id_token.split('.').collect();
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    let b64 = |value: &Value| URL_SAFE_NO_PAD.encode(value.to_string());

    let mut other_sub = claims.clone();
    other_sub["sub"] = json!("someone-else");
    let mut other_iss = claims.clone();
    other_iss["iss"] = json!("https://evil.example");
    let alg_none = format!(
        "{}.{}.",
        b64(&json!({"alg": "none", "typ": "JWT"})),
        parts[1]
    );
    let alg_hs256 = format!(
        "{}.{}.{}",
        b64(&json!({"alg": "HS256", "typ": "JWT"})),
        parts[1],
        parts[2]
    );
    let foreign = foreign_signed(&json!({
        "iss": app.issuer, "sub": ada, "aud": client.id,
        "iat": claims["iat"], "exp": claims["exp"], "auth_time": claims["auth_time"],
    }))
    .await;
    let cases = vec![
        ("not a JWT", "not-a-jwt".to_string()),
        ("two dots", "..".to_string()),
        (
            "a payload with another sub",
            format!("{}.{}.{}", parts[0], b64(&other_sub), parts[2]),
        ),
        (
            "a payload with another iss",
            format!("{}.{}.{}", parts[0], b64(&other_iss), parts[2]),
        ),
        (
            "a signature cut short",
            id_token[..id_token.len() - 4].to_string(),
        ),
        ("alg none", alg_none),
        ("alg HS256", alg_hs256),
        ("signed by another provider's key", foreign),
        ("an access token", access_token),
        ("9000 characters", "a".repeat(9000)),
        ("a NUL byte", format!("{id_token}\0")),
    ];
    let mut table: Vec<(&str, Vec<Change>, Expect)> = cases
        .iter()
        .map(|(what, hint)| {
            (
                *what,
                vec![set("id_token_hint", hint.clone())],
                Expect::Error("invalid_request"),
            )
        })
        .collect();
    table.push((
        "repeated",
        vec![
            set("id_token_hint", id_token.clone()),
            again("id_token_hint", id_token.clone()),
        ],
        Expect::Error("invalid_request"),
    ));
    // A hint issued here is fine, even once expired (Core §3.1.2.1).
    table.push((
        "issued here",
        vec![set("id_token_hint", id_token.clone())],
        Expect::SignIn,
    ));
    run_table(&app, &client.id, table).await;
    app.clock.advance(2 * 3600);
    let response = authorize(
        &app,
        &query(&client.id, &[set("id_token_hint", id_token.clone())]),
    )
    .await;
    assert_eq!(mismatch(&app, response, Expect::SignIn).await, None);
}

/// An ID token with `claims` signed by another provider's key (its own database and key).
async fn foreign_signed(claims: &Value) -> String {
    let database = TestDatabase::new().await;
    let store = farm_auth::store::Store::connect(&database.url)
        .await
        .unwrap();
    store.migrate().await.unwrap();
    let keys = farm_auth::keys::KeyRing::load(store.clone(), farm_auth::Clock::System, 3600)
        .await
        .unwrap();
    let token = keys
        .current()
        .sign(farm_auth::keys::JwtType::IdToken, claims)
        .unwrap();
    store.close().await;
    token
}

#[tokio::test]
async fn a_nonce_with_a_nul_byte_does_not_break_code_issuance() {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    let client = app.web_client(CLIENT_SCOPE).await;
    let browser = Browser::new(&app);
    // Signed in and consented, so the request goes straight to issuing a code.
    browser.code(&app, &client, SCOPE, &[]).await;
    let url = app.authorize_url(&client, SCOPE, &[("nonce", "n\0x")]);
    let response = browser.agent.get(&url).await;
    let status = response.status();
    let location = response.headers().get(LOCATION).cloned();
    let body = response.text().await.unwrap_or_default();
    let title = body
        .split("<title>")
        .nth(1)
        .and_then(|t| t.split('<').next());
    assert_ne!(
        status,
        StatusCode::INTERNAL_SERVER_ERROR,
        "a NUL byte in the nonce: {title:?}"
    );
    assert_eq!(status, StatusCode::SEE_OTHER);
    // Either refused as invalid_request, or a code whose ID token carries the exact nonce.
    let back = url::Url::parse(location.unwrap().to_str().unwrap()).unwrap();
    assert!(back.as_str().starts_with(REDIRECT_URI), "{back}");
    match Landing::param(&back, "code") {
        None => {
            assert_eq!(
                Landing::param(&back, "error").as_deref(),
                Some("invalid_request")
            );
            assert_eq!(Landing::param(&back, "state").as_deref(), Some("xyz"));
        }
        Some(code) => {
            let response = app.exchange_code(&client, &code).await;
            assert_eq!(response.status(), StatusCode::OK);
            let tokens: Value = response.json().await.unwrap();
            let id_token = tokens["id_token"].as_str().unwrap();
            let payload = id_token.split('.').nth(1).unwrap();
            let claims: Value =
                serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
            assert_eq!(claims["nonce"], "n\0x");
        }
    }
}

#[tokio::test]
async fn userinfo_answers_malformed_bearer_requests_with_rfc_6750_errors() {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    let client = app.web_client(CLIENT_SCOPE).await;
    let machine = app.machine_client("orders:read").await;
    let browser = Browser::new(&app);
    let tokens = browser.tokens(&app, &client, SCOPE).await;
    let access = tokens["access_token"].as_str().unwrap().to_string();
    let id_token = tokens["id_token"].as_str().unwrap().to_string();
    let no_openid = app.access_token(&machine, None).await;
    let userinfo = app.endpoint("userinfo_endpoint").await;
    let long = "a".repeat(20_000);

    // (what, Authorization header, form body, status, error code; None: no error code)
    type Case<'a> = (
        &'a str,
        Option<HeaderValue>,
        Option<String>,
        StatusCode,
        Option<&'a str>,
    );
    let header = |text: &str| Some(HeaderValue::from_str(text).unwrap());
    let cases: Vec<Case> = vec![
        ("no token", None, None, StatusCode::UNAUTHORIZED, None),
        (
            "another scheme",
            header("Basic YTpi"),
            None,
            StatusCode::UNAUTHORIZED,
            None,
        ),
        (
            "a token in header and body",
            header(&format!("Bearer {access}")),
            Some(format!("access_token={access}")),
            StatusCode::BAD_REQUEST,
            Some("invalid_request"),
        ),
        (
            "a repeated body token",
            None,
            Some(format!("access_token={access}&access_token={access}")),
            StatusCode::BAD_REQUEST,
            Some("invalid_request"),
        ),
        (
            "garbage",
            header("Bearer garbage"),
            None,
            StatusCode::UNAUTHORIZED,
            Some("invalid_token"),
        ),
        (
            "a token with a space",
            header("Bearer a b"),
            None,
            StatusCode::UNAUTHORIZED,
            Some("invalid_token"),
        ),
        (
            "characters outside b64token",
            header("Bearer !!!"),
            None,
            StatusCode::UNAUTHORIZED,
            Some("invalid_token"),
        ),
        (
            "20000 characters",
            header(&format!("Bearer {long}")),
            None,
            StatusCode::UNAUTHORIZED,
            Some("invalid_token"),
        ),
        (
            "an ID token",
            header(&format!("Bearer {id_token}")),
            None,
            StatusCode::UNAUTHORIZED,
            Some("invalid_token"),
        ),
        (
            "a tampered token",
            header(&format!("Bearer {}x", &access[..access.len() - 1])),
            None,
            StatusCode::UNAUTHORIZED,
            Some("invalid_token"),
        ),
        (
            "a body token that is garbage",
            None,
            Some("access_token=%00%FF".into()),
            StatusCode::UNAUTHORIZED,
            Some("invalid_token"),
        ),
        (
            "a token without openid",
            header(&format!("Bearer {no_openid}")),
            None,
            StatusCode::FORBIDDEN,
            Some("insufficient_scope"),
        ),
    ];
    let mut failures = Vec::new();
    for (what, authorization, body, status, error) in cases {
        let mut request = app.http.post(&userinfo);
        if let Some(value) = authorization {
            request = request.header(AUTHORIZATION, value);
        }
        if let Some(body) = body {
            request = request.header(CONTENT_TYPE, FORM).body(body);
        }
        let response = request.send().await.unwrap();
        let got = response.status();
        assert_ne!(got, StatusCode::INTERNAL_SERVER_ERROR, "{what}");
        let challenge = response
            .headers()
            .get("www-authenticate")
            .map(|v| v.to_str().unwrap().to_string());
        let json: Value = response.json().await.unwrap_or_default();
        let challenge_ok = match (got, error, &challenge) {
            (StatusCode::BAD_REQUEST, _, _) => true,
            (_, None, Some(c)) => c.starts_with("Bearer") && !c.contains("error="),
            (_, Some(code), Some(c)) => {
                c.starts_with("Bearer") && c.contains(&format!("error=\"{code}\""))
            }
            (_, _, None) => false,
        };
        if got != status || json.get("error").and_then(Value::as_str) != error || !challenge_ok {
            failures.push(format!(
                "{what}: {got} {json} {challenge:?}, expected {status} {error:?}"
            ));
        }
    }
    // Malformed headers: 400 or 401, never more.
    for raw in [
        &b"Bearer"[..],
        b"Bearer ",
        b"Bearer \xff\xfe",
        b"bearer",
        b"",
    ] {
        let response = app
            .http
            .get(&userinfo)
            .header(AUTHORIZATION, HeaderValue::from_bytes(raw).unwrap())
            .send()
            .await
            .unwrap();
        let got = response.status();
        if got != StatusCode::BAD_REQUEST && got != StatusCode::UNAUTHORIZED {
            failures.push(format!("header {:?}: {got}", String::from_utf8_lossy(raw)));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    let response = app
        .http
        .get(&userinfo)
        .bearer_auth(&access)
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "the valid token, for contrast"
    );
    assert_not_logged(&[&access, &id_token, &no_openid]);
}
