//! Hostile input on the browser pages: forged or missing CSRF tokens, forms that are too
//! large, not URL-encoded or not UTF-8, NUL bytes, markup, over-long credentials, unknown
//! request ids and untrusted logout requests. Each gets a page with the exact status and the
//! page security headers, never a 500, and nothing is written.

use std::time::{Duration, Instant};

use farm_auth::accounts::users::Role;
use reqwest::header::{CONTENT_TYPE, COOKIE, HeaderMap, LOCATION};
use reqwest::{Response, StatusCode};
use serde_json::Value;

use crate::helpers::{TestApp, TestClient, captured_logs, raw_http};
use crate::user_agent::{
    Landing, PASSWORD, POST_LOGOUT_URI, REDIRECT_URI, UserAgent, hidden_fields,
};

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

/// Forged values for a CSRF token, given the real one and another browser's real one.
fn forgeries(real: &str, other_browsers: &str) -> Vec<(&'static str, Option<String>)> {
    vec![
        ("missing", None),
        ("empty", Some(String::new())),
        ("random", Some("A".repeat(43))),
        ("another browser's token", Some(other_browsers.to_string())),
        ("truncated", Some(real[..real.len() - 1].to_string())),
        ("extended", Some(format!("{real}A"))),
        ("with a NUL byte", Some(format!("{real}\0"))),
    ]
}

/// `fields` plus `csrf_token` when given.
fn with_csrf<'a>(fields: &[(&'a str, &'a str)], csrf: Option<&'a str>) -> Vec<(&'a str, &'a str)> {
    let mut form = fields.to_vec();
    if let Some(token) = csrf {
        form.push(("csrf_token", token));
    }
    form
}

/// Asserts a 403 CSRF page.
async fn assert_csrf_refused(what: &str, response: Response) {
    let status = response.status();
    assert_ne!(status, StatusCode::INTERNAL_SERVER_ERROR, "{what}");
    assert_eq!(status, StatusCode::FORBIDDEN, "{what}");
    assert!(response.headers().get(LOCATION).is_none(), "{what}");
    assert_page_headers(what, &response);
    let body = response.text().await.unwrap();
    assert!(body.contains("This form has expired"), "{what}: {body}");
}

#[tokio::test]
async fn a_login_without_the_sessions_csrf_token_is_refused_and_signs_nobody_in() {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    let agent = UserAgent::new(&app);
    let attacker = UserAgent::new(&app);
    let real = csrf_of(&page(&agent, "/login").await, "/login");
    let others = csrf_of(&page(&attacker, "/login").await, "/login");
    assert_ne!(real, others, "each browser has its own token");

    let credentials = [("username", "ada"), ("password", PASSWORD)];
    for (what, token) in forgeries(&real, &others) {
        let form = with_csrf(&credentials, token.as_deref());
        let response = agent.post("/login", &form).await;
        assert_csrf_refused(&format!("login, CSRF token {what}"), response).await;
        assert!(!signed_in(&agent).await, "signed in with a {what} token");
    }
    // The right token from a browser without the session (no cookie) is refused too.
    let stranger = UserAgent::new(&app);
    let response = stranger
        .post("/login", &with_csrf(&credentials, Some(&real)))
        .await;
    assert_csrf_refused("login, a token without its session", response).await;
    assert!(!signed_in(&stranger).await);

    // The same form with the real token works: the refusals above were about the token.
    let response = agent
        .post("/login", &with_csrf(&credentials, Some(&real)))
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()[LOCATION], "/account");
    assert!(signed_in(&agent).await);
    assert_not_logged(&[&real, &others, PASSWORD]);
}

#[tokio::test]
async fn a_signup_without_the_sessions_csrf_token_is_refused_and_creates_no_account() {
    let app = TestApp::spawn().await;
    let agent = UserAgent::new(&app);
    let attacker = UserAgent::new(&app);
    let real = csrf_of(&page(&agent, "/signup").await, "/signup");
    let others = csrf_of(&page(&attacker, "/signup").await, "/signup");
    let fields = [
        ("username", "mallory"),
        ("email", "mallory@farm.example"),
        ("password", "a crop of turnips 9"),
        ("role", "farmer"),
    ];
    for (what, token) in forgeries(&real, &others) {
        let response = agent
            .post("/signup", &with_csrf(&fields, token.as_deref()))
            .await;
        assert_csrf_refused(&format!("signup, CSRF token {what}"), response).await;
        assert!(
            app.store
                .find_user_by_username("mallory")
                .await
                .unwrap()
                .is_none(),
            "an account was created with a {what} token"
        );
    }
    let response = agent
        .post("/signup", &with_csrf(&fields, Some(&real)))
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let user = app.store.find_user_by_username("mallory").await.unwrap();
    assert_eq!(user.map(|u| u.roles), Some(vec!["farmer".to_string()]));
    assert_not_logged(&[&real, &others, "a crop of turnips 9"]);
}

#[tokio::test]
async fn a_consent_without_the_sessions_csrf_token_is_refused_and_records_nothing() {
    let app = TestApp::spawn().await;
    let ada = app.person("ada", Role::Consumer).await;
    let client = app.web_client(SCOPE).await;
    let agent = UserAgent::new(&app);
    // The token before signing in: sign-in rotates it, so it no longer counts.
    let before_sign_in = csrf_of(&page(&agent, "/login").await, "/login");
    let (_, consent) = at_consent(&app, &agent, &client, "ada").await;
    let real = csrf_of(&consent, "/consent");
    assert_ne!(real, before_sign_in, "signing in rotates the CSRF token");
    let attacker = UserAgent::new(&app);
    let others = csrf_of(&page(&attacker, "/login").await, "/login");
    let request = hidden_fields(&consent, "/consent")
        .into_iter()
        .find(|(n, _)| n == "request")
        .unwrap()
        .1;

    let mut cases = forgeries(&real, &others);
    cases.push(("from before sign-in", Some(before_sign_in.clone())));
    for (what, token) in cases {
        let fields = [("request", request.as_str()), ("decision", "allow")];
        let response = agent
            .post("/consent", &with_csrf(&fields, token.as_deref()))
            .await;
        assert_csrf_refused(&format!("consent, CSRF token {what}"), response).await;
        let consent = app.store.find_consent(&ada, &client.id).await.unwrap();
        assert_eq!(consent, None, "consent recorded with a {what} token");
    }
    // A forged "deny" does not end the request either: it can still be allowed.
    let fields = [("request", request.as_str()), ("decision", "deny")];
    let response = agent.post("/consent", &with_csrf(&fields, None)).await;
    assert_csrf_refused("a deny without a token", response).await;
    let back = agent
        .submit(&consent, "/consent", &[("decision", "allow")])
        .await
        .client();
    assert!(Landing::param(&back, "code").is_some(), "{back}");
    let allowed = app.store.find_consent(&ada, &client.id).await.unwrap();
    assert_eq!(allowed.as_deref(), Some("openid profile email"));
    assert_not_logged(&[&real, &others, &before_sign_in]);
}

#[tokio::test]
async fn a_confirmed_logout_without_the_sessions_csrf_token_is_refused_and_signs_nobody_out() {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    let agent = UserAgent::new(&app);
    let landing = agent.navigate("/login").await;
    let landing = agent.log_in(landing, "ada", PASSWORD).await;
    let (path, _, account) = landing.page();
    assert_eq!(path, "/account");
    let real = csrf_of(&account, "/logout");
    let attacker = UserAgent::new(&app);
    let others = csrf_of(&page(&attacker, "/login").await, "/login");

    for (what, token) in forgeries(&real, &others) {
        let form = with_csrf(&[("confirm", "yes")], token.as_deref());
        let response = agent.post("/logout", &form).await;
        assert_csrf_refused(&format!("logout, CSRF token {what}"), response).await;
        assert!(signed_in(&agent).await, "signed out with a {what} token");
    }
    // Without confirm=yes a POST is a logout request: sent back as a GET (303), which only
    // asks: the confirmation page, still signed in.
    let posted = agent.post("/logout", &[]).await;
    assert_eq!(posted.status(), StatusCode::SEE_OTHER);
    assert_eq!(posted.headers()[LOCATION], "/logout?");
    let response = agent.get("/logout?").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_page_headers("logout confirmation", &response);
    assert!(response.text().await.unwrap().contains("Sign out?"));
    assert!(signed_in(&agent).await);

    let response = agent
        .post("/logout", &[("confirm", "yes"), ("csrf_token", &real)])
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(!signed_in(&agent).await);
    assert_not_logged(&[&real, &others]);
}

#[tokio::test]
async fn a_repeated_form_field_is_a_400_page_even_with_the_right_csrf_token() {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    let agent = UserAgent::new(&app);
    let token = csrf_of(&page(&agent, "/login").await, "/login");
    let t = token.as_str();
    let cases: [(&str, Vec<(&str, &str)>); 6] = [
        (
            "/login",
            vec![
                ("csrf_token", t),
                ("username", "ada"),
                ("username", "bob"),
                ("password", PASSWORD),
            ],
        ),
        (
            "/login",
            vec![
                ("csrf_token", t),
                ("csrf_token", t),
                ("username", "ada"),
                ("password", PASSWORD),
            ],
        ),
        (
            "/login",
            vec![
                ("csrf_token", t),
                ("username", "ada"),
                ("password", "x"),
                ("password", PASSWORD),
            ],
        ),
        (
            "/signup",
            vec![
                ("csrf_token", t),
                ("username", "mallory"),
                ("email", "m@farm.example"),
                ("email", "n@farm.example"),
                ("password", "a crop of turnips 9"),
                ("role", "farmer"),
            ],
        ),
        (
            "/consent",
            vec![
                ("csrf_token", t),
                ("request", "x"),
                ("decision", "allow"),
                ("decision", "deny"),
            ],
        ),
        (
            "/logout",
            vec![("csrf_token", t), ("confirm", "yes"), ("confirm", "yes")],
        ),
    ];
    for (path, fields) in cases {
        let response = post_raw(&agent, &app, path, Some(FORM), encode(&fields)).await;
        let what = format!("{path} with a repeated field");
        assert_ne!(
            response.status(),
            StatusCode::INTERNAL_SERVER_ERROR,
            "{what}"
        );
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{what}");
        assert!(response.headers().get(LOCATION).is_none(), "{what}");
        assert_page_headers(&what, &response);
    }
    assert!(!signed_in(&agent).await);
    assert!(
        app.store
            .find_user_by_username("mallory")
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn page_forms_too_large_or_not_url_encoded_get_a_400_page_and_write_nothing() {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    let agent = UserAgent::new(&app);
    let token = csrf_of(&page(&agent, "/signup").await, "/signup");
    let signup = encode(&[
        ("csrf_token", &token),
        ("username", "mallory"),
        ("email", "mallory@farm.example"),
        ("password", "a crop of turnips 9"),
        ("role", "consumer"),
    ]);
    let login = encode(&[
        ("csrf_token", &token),
        ("username", "ada"),
        ("password", PASSWORD),
    ]);
    let padding = format!("&padding={}", "a".repeat(1024 * 1024));
    let just_over = format!("&padding={}", "a".repeat(16 * 1024));
    let json = format!(r#"{{"csrf_token":"{token}","username":"ada","password":"{PASSWORD}"}}"#);
    let multipart = format!(
        "--b\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{token}\r\n--b--\r\n"
    );
    let bodies: [(&str, Option<&str>, String); 7] = [
        ("a 1 MB form", Some(FORM), format!("{login}{padding}")),
        (
            "a form just over 16 KiB",
            Some(FORM),
            format!("{login}{just_over}"),
        ),
        ("JSON", Some("application/json"), json),
        ("text/plain", Some("text/plain"), login.clone()),
        (
            "multipart",
            Some("multipart/form-data; boundary=b"),
            multipart,
        ),
        ("no content type", None, login.clone()),
        (
            "a form type with junk",
            Some("application/x-www-form-urlencodedx"),
            login.clone(),
        ),
    ];
    for path in [
        "/login",
        "/signup",
        "/consent",
        "/logout",
        "/oauth2/authorize",
    ] {
        for (what, content_type, body) in &bodies {
            let body = match path {
                "/signup" if *what != "JSON" && *what != "multipart" => {
                    body.replace(&login, &signup)
                }
                _ => body.clone(),
            };
            let response = post_raw(&agent, &app, path, *content_type, body).await;
            let what = format!("{path} with {what}");
            assert_ne!(
                response.status(),
                StatusCode::INTERNAL_SERVER_ERROR,
                "{what}"
            );
            assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{what}");
            assert!(response.headers().get(LOCATION).is_none(), "{what}");
            assert_page_headers(&what, &response);
        }
        // Without a Content-Length (chunked), the 16 KiB limit holds while reading.
        let chunk = "a".repeat(8192);
        let mut request = format!(
            "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: {FORM}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        );
        for _ in 0..128 {
            request.push_str(&format!("{:x}\r\n{chunk}\r\n", chunk.len()));
        }
        request.push_str("0\r\n\r\n");
        let response = raw_http(&app.address, request.as_bytes()).await;
        assert!(
            response.starts_with("HTTP/1.1 400"),
            "{path}, 1 MB chunked: {response:.80}"
        );
    }
    assert!(!signed_in(&agent).await, "a refused form signed someone in");
    assert!(
        app.store
            .find_user_by_username("mallory")
            .await
            .unwrap()
            .is_none()
    );
    // A form of exactly 16 KiB is read: a wrong password, not a refused form.
    let wrong = encode(&[
        ("csrf_token", &token),
        ("username", "ada"),
        ("password", "wrong"),
    ]);
    let exact = format!(
        "{wrong}&padding={}",
        "a".repeat(16 * 1024 - wrong.len() - 9)
    );
    assert_eq!(exact.len(), 16 * 1024);
    let response = post_raw(&agent, &app, "/login", Some(FORM), exact).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    // A form type with parameters is still a form: the refusals were about the body.
    let response = post_raw(
        &agent,
        &app,
        "/signup",
        Some("Application/X-WWW-Form-URLEncoded; charset=UTF-8"),
        signup,
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert!(
        app.store
            .find_user_by_username("mallory")
            .await
            .unwrap()
            .is_some()
    );
}

#[tokio::test]
async fn nul_and_non_utf8_bytes_in_page_forms_are_refused_cleanly() {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    let agent = UserAgent::new(&app);
    let token = csrf_of(&page(&agent, "/login").await, "/login");
    let t = token.as_str();
    let percent = |pairs: &[(&str, &str)]| encode(pairs).into_bytes();
    let raw = |text: &[u8]| [format!("csrf_token={t}&").as_bytes(), text].concat();
    // (what, path, body, status)
    let cases: Vec<(&str, &str, Vec<u8>, StatusCode)> = vec![
        (
            "NUL inside a login username",
            "/login",
            percent(&[("csrf_token", t), ("username", "a\0da"), ("password", PASSWORD)]),
            StatusCode::UNAUTHORIZED,
        ),
        (
            "NUL after a real username",
            "/login",
            percent(&[("csrf_token", t), ("username", "ada\0"), ("password", PASSWORD)]),
            StatusCode::UNAUTHORIZED,
        ),
        (
            "NUL in a login password",
            "/login",
            percent(&[("csrf_token", t), ("username", "ada"), ("password", "a field\0of sunflowers")]),
            StatusCode::UNAUTHORIZED,
        ),
        (
            "percent-encoded non-UTF-8 login username",
            "/login",
            raw(b"username=%FF%FEada&password=x"),
            StatusCode::UNAUTHORIZED,
        ),
        (
            "raw non-UTF-8 login username",
            "/login",
            raw(b"username=ad\xffa&password=\xc3\x28"),
            StatusCode::UNAUTHORIZED,
        ),
        (
            "NUL in a signup username",
            "/signup",
            percent(&[
                ("csrf_token", t),
                ("username", "mal\0lory"),
                ("email", "mallory@farm.example"),
                ("password", "a crop of turnips 9"),
                ("role", "consumer"),
            ]),
            StatusCode::BAD_REQUEST,
        ),
        (
            "NUL in a signup email",
            "/signup",
            percent(&[
                ("csrf_token", t),
                ("username", "mallory"),
                ("email", "mallory@farm\0.example"),
                ("password", "a crop of turnips 9"),
                ("role", "consumer"),
            ]),
            StatusCode::BAD_REQUEST,
        ),
        (
            "raw non-UTF-8 signup username",
            "/signup",
            raw(b"username=mal\xfe\xfflory&email=mallory%40farm.example&password=a+crop+of+turnips+9&role=consumer"),
            StatusCode::BAD_REQUEST,
        ),
        (
            "NUL in a consent request id",
            "/consent",
            percent(&[("csrf_token", t), ("request", "\0"), ("decision", "allow")]),
            StatusCode::BAD_REQUEST,
        ),
        (
            "non-UTF-8 consent request id",
            "/consent",
            raw(b"request=%ff%fe&decision=allow"),
            StatusCode::BAD_REQUEST,
        ),
        (
            "NUL in a logout client_id",
            "/logout",
            percent(&[("csrf_token", t), ("client_id", "a\0b"), ("confirm", "yes")]),
            StatusCode::BAD_REQUEST,
        ),
        (
            "NUL in a login request id",
            "/login",
            percent(&[("csrf_token", t), ("request", "a\0"), ("username", "ada"), ("password", "wrong password")]),
            StatusCode::UNAUTHORIZED,
        ),
    ];
    let mut failures = Vec::new();
    for (what, path, body, status) in cases {
        let response = post_raw(&agent, &app, path, Some(FORM), body).await;
        let got = response.status();
        if got == StatusCode::INTERNAL_SERVER_ERROR || got != status {
            failures.push(format!("{what}: {got}, expected {status}"));
            continue;
        }
        let problems = page_header_problems(response.headers());
        if !problems.is_empty() {
            failures.push(format!("{what}: {problems:?}"));
        }
    }
    let gets: [(&str, &str, StatusCode); 7] = [
        ("NUL login request id", "/login?request=%00", StatusCode::OK),
        (
            "non-UTF-8 login request id",
            "/login?request=%FF",
            StatusCode::OK,
        ),
        (
            "NUL consent request id",
            "/consent?request=%00",
            StatusCode::BAD_REQUEST,
        ),
        (
            "non-UTF-8 consent request id",
            "/consent?request=%C3%28",
            StatusCode::BAD_REQUEST,
        ),
        (
            "NUL resume request id",
            "/oauth2/authorize/resume?request=a%00b",
            StatusCode::BAD_REQUEST,
        ),
        (
            "NUL logout client_id",
            "/logout?client_id=a%00b",
            StatusCode::BAD_REQUEST,
        ),
        (
            "non-UTF-8 logout client_id",
            "/logout?client_id=%FF%FE",
            StatusCode::BAD_REQUEST,
        ),
    ];
    for (what, path, status) in gets {
        let response = agent.get(path).await;
        let got = response.status();
        if got == StatusCode::INTERNAL_SERVER_ERROR || got != status {
            failures.push(format!("{what}: {got}, expected {status}"));
            continue;
        }
        let problems = page_header_problems(response.headers());
        if !problems.is_empty() {
            failures.push(format!("{what}: {problems:?}"));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    assert!(!signed_in(&agent).await);
    assert!(
        app.store
            .find_user_by_username("mallory")
            .await
            .unwrap()
            .is_none()
    );
    assert_not_logged(&[t, PASSWORD]);
}

#[tokio::test]
async fn markup_in_signup_and_login_input_is_escaped_when_the_page_is_shown_again() {
    let app = TestApp::spawn().await;
    let client = app.web_client(SCOPE).await;
    let agent = UserAgent::new(&app);
    let signup = page(&agent, "/signup").await;
    let script = r#"<script>alert("pwned")</script>"#;
    let attribute = r#""><img src=x onerror=alert(1)>"#;
    let cases = [
        ("a script as the username", script, "mallory@farm.example"),
        (
            "an attribute breakout as the username",
            attribute,
            "mallory@farm.example",
        ),
        ("an attribute breakout as the email", "mallory", attribute),
        ("a script as the email", "mallory", script),
    ];
    for (what, username, email) in cases {
        let landing = agent
            .submit(
                &signup,
                "/signup",
                &[
                    ("username", username),
                    ("email", email),
                    ("password", "a crop of turnips 9"),
                    ("role", "consumer"),
                ],
            )
            .await;
        let (path, status, body) = landing.page();
        assert_eq!(
            (path.as_str(), status),
            ("/signup", StatusCode::BAD_REQUEST),
            "{what}"
        );
        assert!(
            !body.contains("<script"),
            "{what}: a raw <script> on the page"
        );
        assert!(!body.contains("<img"), "{what}: a raw <img> on the page");
        let shown = match username.starts_with(['<', '"']) {
            true => username,
            false => email,
        };
        assert!(
            shows_escaped(&body, shown),
            "{what}: the value is not shown escaped"
        );
    }
    assert!(
        app.store
            .find_user_by_username("mallory")
            .await
            .unwrap()
            .is_none()
    );

    // The username echoed on a failed login, and a login_hint from the client.
    let login = page(&agent, "/login").await;
    for username in [script, attribute] {
        let landing = agent
            .submit(
                &login,
                "/login",
                &[("username", username), ("password", "x")],
            )
            .await;
        let (_, status, body) = landing.page();
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert!(
            !body.contains("<script") && !body.contains("<img"),
            "{body}"
        );
        assert!(shows_escaped(&body, username), "{body}");
    }
    for hint in [script, attribute] {
        let url = app.authorize_url(&client, SCOPE, &[("login_hint", hint)]);
        let (path, status, body) = agent.navigate(&url).await.page();
        assert!(path.starts_with("/login?request="), "{path}");
        assert_eq!(status, StatusCode::OK);
        assert!(
            !body.contains("<script") && !body.contains("<img"),
            "{body}"
        );
        assert!(shows_escaped(&body, hint), "the hint is not shown: {body}");
    }
}

#[tokio::test]
async fn a_signup_cannot_choose_the_admin_role_or_take_a_name_and_writes_nothing_when_refused() {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    let agent = UserAgent::new(&app);
    let signup = page(&agent, "/signup").await;
    let long_password = "p".repeat(129);
    // (what, username, email, password, role)
    let cases: [(&str, &str, &str, &str, &str); 11] = [
        (
            "the admin role",
            "mallory",
            "mallory@farm.example",
            "a crop of turnips 9",
            "admin",
        ),
        (
            "the Admin role",
            "mallory",
            "mallory@farm.example",
            "a crop of turnips 9",
            "Admin",
        ),
        (
            "two roles in one",
            "mallory",
            "mallory@farm.example",
            "a crop of turnips 9",
            "farmer,admin",
        ),
        (
            "no role",
            "mallory",
            "mallory@farm.example",
            "a crop of turnips 9",
            "",
        ),
        (
            "a taken username in another case",
            "ADA",
            "mallory@farm.example",
            "a crop of turnips 9",
            "consumer",
        ),
        (
            "a taken email in another case",
            "mallory",
            "ADA@farm.example",
            "a crop of turnips 9",
            "consumer",
        ),
        (
            "a username of 65 characters",
            &"m".repeat(65),
            "mallory@farm.example",
            "a crop of turnips 9",
            "consumer",
        ),
        (
            "a username of 2 characters",
            "ma",
            "mallory@farm.example",
            "a crop of turnips 9",
            "consumer",
        ),
        (
            "a password of 129 characters",
            "mallory",
            "mallory@farm.example",
            &long_password,
            "consumer",
        ),
        (
            "a password of 7 characters",
            "mallory",
            "mallory@farm.example",
            "turnips",
            "consumer",
        ),
        (
            "a common password",
            "mallory",
            "mallory@farm.example",
            "password123",
            "consumer",
        ),
    ];
    for (what, username, email, password, role) in cases {
        let landing = agent
            .submit(
                &signup,
                "/signup",
                &[
                    ("username", username),
                    ("email", email),
                    ("password", password),
                    ("role", role),
                ],
            )
            .await;
        let (path, status, body) = landing.page();
        assert_eq!(
            (path.as_str(), status),
            ("/signup", StatusCode::BAD_REQUEST),
            "{what}"
        );
        assert!(body.contains("role=\"alert\""), "{what}: no error shown");
        assert!(
            !body.contains(password),
            "{what}: the password is shown back"
        );
        for name in ["mallory", &"m".repeat(65), "ma"] {
            let user = app.store.find_user_by_username(name).await.unwrap();
            assert!(user.is_none(), "{what}: an account was created");
        }
    }
    let ada = app
        .store
        .find_user_by_username("ada")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ada.roles, vec!["consumer".to_string()], "ada is unchanged");
    assert!(!signed_in(&agent).await);
    assert_not_logged(&[&long_password, "a crop of turnips 9"]);
}

#[tokio::test]
async fn over_long_usernames_and_passwords_at_login_are_wrong_credentials() {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    let agent = UserAgent::new(&app);
    let login = page(&agent, "/login").await;
    let long_name = "a".repeat(1025);
    let huge_name = "b".repeat(12_000);
    let long_password = format!("{PASSWORD}{}", "x".repeat(1025));
    let cases: [(&str, &str, &str); 5] = [
        ("a 1025-byte username", &long_name, PASSWORD),
        ("a 12000-byte username", &huge_name, PASSWORD),
        (
            "a 1025-byte password for a real user",
            "ada",
            &long_password,
        ),
        (
            "a 1025-byte username and password",
            &long_name,
            &long_password,
        ),
        (
            "a 513-character multibyte username",
            &"é".repeat(513),
            PASSWORD,
        ),
    ];
    for (what, username, password) in cases {
        let landing = agent
            .submit(
                &login,
                "/login",
                &[("username", username), ("password", password)],
            )
            .await;
        let (path, status, body) = landing.page();
        assert_eq!(
            (path.as_str(), status),
            ("/login", StatusCode::UNAUTHORIZED),
            "{what}"
        );
        assert!(
            body.contains("The username or password is wrong."),
            "{what}"
        );
        // The name is shown back cut to what the field holds, not megabytes of it.
        let echoed: String = username.chars().take(64).collect();
        assert!(body.contains(&format!("value=\"{echoed}\"")), "{what}");
        if username.chars().count() > 64 {
            let longer: String = username.chars().take(65).collect();
            assert!(!body.contains(&longer), "{what}");
        }
    }
    assert!(!signed_in(&agent).await);
    assert_not_logged(&[&long_password]);
}

/// A login page with its CSRF token and echoed username replaced by placeholders.
fn normalised(body: &str, csrf: &str, username: &str) -> String {
    body.replace(csrf, "CSRF")
        .replace(&format!("value=\"{username}\""), "value=\"USERNAME\"")
}

#[tokio::test]
async fn login_answers_the_same_for_an_unknown_user_and_a_wrong_password() {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    let agent = UserAgent::new(&app);
    let login = page(&agent, "/login").await;
    let csrf = csrf_of(&login, "/login");

    let attempt = async |username: &str, password: &str| {
        let form = [
            ("csrf_token", csrf.as_str()),
            ("username", username),
            ("password", password),
        ];
        let started = Instant::now();
        let response = agent.post("/login", &form).await;
        let elapsed = started.elapsed();
        let status = response.status();
        assert_ne!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_page_headers("failed login", &response);
        let body = normalised(&response.text().await.unwrap(), &csrf, username);
        (status, body, elapsed)
    };
    let (wrong_status, wrong_body, _) = attempt("ada", "wrong password 1").await;
    let (unknown_status, unknown_body, _) = attempt("nobody", "wrong password 1").await;
    let (case_status, case_body, _) = attempt("ADA", "wrong password 1").await;
    let (empty_status, empty_body, _) = attempt("ada", "").await;
    for status in [wrong_status, unknown_status, case_status, empty_status] {
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(wrong_body, unknown_body);
    assert_eq!(wrong_body, case_body);
    assert_eq!(wrong_body, empty_body);

    // Timing: an unknown user costs a password verification too. The fastest of several
    // interleaved tries each (the least disturbed by other tests sharing the CPU); an answer
    // that skipped hashing would be one or two orders of magnitude faster.
    let mut known = Vec::new();
    let mut unknown = Vec::new();
    for i in 0..7 {
        known.push(attempt("ada", &format!("wrong password {i}")).await.2);
        unknown.push(attempt(&format!("nobody{i}"), "wrong password").await.2);
    }
    let known = known.into_iter().min().unwrap();
    let unknown = unknown.into_iter().min().unwrap();
    eprintln!("fastest wrong password {known:?}, fastest unknown user {unknown:?}");
    assert!(
        unknown * 3 >= known && known * 3 >= unknown,
        "fastest wrong password {known:?}, fastest unknown user {unknown:?}"
    );
    assert!(known > Duration::from_millis(1), "a password was verified");
    assert_not_logged(&[&csrf, "wrong password 1"]);
}

#[tokio::test]
async fn unknown_missing_or_expired_request_ids_get_the_expired_page() {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    let client = app.web_client(SCOPE).await;
    let agent = UserAgent::new(&app);
    let (consent_path, _) = at_consent(&app, &agent, &client, "ada").await;
    let id = consent_path
        .trim_start_matches("/consent?request=")
        .to_string();
    let stranger = UserAgent::new(&app);

    let expired = async |who: &UserAgent, path: &str| {
        let response = who.get(path).await;
        let status = response.status();
        assert_ne!(status, StatusCode::INTERNAL_SERVER_ERROR, "{path}");
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}");
        assert!(response.headers().get(LOCATION).is_none(), "{path}");
        assert_page_headers(path, &response);
        let body = response.text().await.unwrap();
        assert!(
            body.contains("This sign-in request has expired"),
            "{path}: {body}"
        );
    };
    let long = "r".repeat(5000);
    for path in [
        "/consent?request=unknown",
        &format!("/consent?request={long}"),
        "/oauth2/authorize/resume?request=unknown",
        &format!("/oauth2/authorize/resume?request={long}"),
    ] {
        expired(&agent, path).await;
    }
    // Another browser cannot use this browser's request id.
    expired(&stranger, &consent_path).await;
    expired(&stranger, &format!("/oauth2/authorize/resume?request={id}")).await;
    // A request id that waited more than 15 minutes.
    app.clock.advance(15 * 60 + 1);
    expired(&agent, &format!("/oauth2/authorize/resume?request={id}")).await;
    expired(&agent, &format!("/consent?request={id}")).await;
}

#[tokio::test]
async fn a_missing_or_repeated_request_id_gets_a_400_page_not_a_framework_error() {
    let app = TestApp::spawn().await;
    let agent = UserAgent::new(&app);
    let mut failures = Vec::new();
    for path in [
        "/consent",
        "/consent?request=",
        "/consent?request=a&request=b",
        "/oauth2/authorize/resume",
        "/oauth2/authorize/resume?request=a&request=b",
    ] {
        let response = agent.get(path).await;
        let status = response.status();
        assert_ne!(status, StatusCode::INTERNAL_SERVER_ERROR, "{path}");
        if status != StatusCode::BAD_REQUEST {
            failures.push(format!("{path}: {status}"));
        }
        let problems = page_header_problems(response.headers());
        if !problems.is_empty() {
            let body = response.text().await.unwrap();
            failures.push(format!("{path}: {problems:?}, body {body:?}"));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

/// An ID token for `client` and ada, through the whole code flow.
async fn id_token_for(app: &TestApp, agent: &UserAgent, client: &TestClient) -> String {
    let back = app.sign_in_and_allow(agent, client, "ada", SCOPE).await;
    let code = Landing::param(&back, "code").unwrap();
    let response = app.exchange_code(client, &code).await;
    assert_eq!(response.status(), StatusCode::OK);
    let tokens: Value = response.json().await.unwrap();
    tokens["id_token"].as_str().unwrap().to_string()
}

/// `token` with its payload replaced by `edit` of it, the signature kept.
fn tampered(token: &str, edit: impl Fn(&mut Value)) -> String {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let parts: Vec<&str> = token.split('.').collect();
    let mut claims: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    edit(&mut claims);
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    format!("{}.{payload}.{}", parts[0], parts[2])
}

#[tokio::test]
async fn logout_requests_that_cannot_be_trusted_get_an_error_page_and_no_redirect() {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    let client = app.web_client(SCOPE).await;
    let other = app.web_client(SCOPE).await;
    let agent = UserAgent::new(&app);
    let hint = id_token_for(&app, &agent, &client).await;
    let forged = tampered(&hint, |c| c["sub"] = "someone-else".into());
    let foreign_aud = tampered(&hint, |c| c["aud"] = other.id.clone().into());
    let unregistered = "https://evil.example/signed-out";
    let long_state = "s".repeat(2049);
    let long_client_id = "c".repeat(5000);
    let cases: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("a forged id_token_hint", vec![("id_token_hint", &forged)]),
        (
            "an id_token_hint with another aud",
            vec![("id_token_hint", &foreign_aud)],
        ),
        (
            "an id_token_hint that is not a JWT",
            vec![("id_token_hint", "not-a-token")],
        ),
        (
            "a forged id_token_hint with a registered return address",
            vec![
                ("id_token_hint", &forged),
                ("post_logout_redirect_uri", POST_LOGOUT_URI),
            ],
        ),
        (
            "an unknown client_id",
            vec![("client_id", "no-such-client")],
        ),
        (
            "a client_id of 5000 characters",
            vec![("client_id", &long_client_id)],
        ),
        ("a client_id with a NUL byte", vec![("client_id", "a\0b")]),
        (
            "a client_id other than the hint's aud",
            vec![("id_token_hint", &hint), ("client_id", &other.id)],
        ),
        (
            "an unregistered return address with a hint",
            vec![
                ("id_token_hint", &hint),
                ("post_logout_redirect_uri", unregistered),
            ],
        ),
        (
            "an unregistered return address with a client_id",
            vec![
                ("client_id", &client.id),
                ("post_logout_redirect_uri", unregistered),
            ],
        ),
        (
            "a registered return address with a different case",
            vec![
                ("client_id", &client.id),
                ("post_logout_redirect_uri", "https://RP.example/signed-out"),
            ],
        ),
        (
            "a return address without a client",
            vec![("post_logout_redirect_uri", POST_LOGOUT_URI)],
        ),
        (
            "another client's return address",
            vec![
                ("client_id", &other.id),
                ("post_logout_redirect_uri", unregistered),
            ],
        ),
        (
            "a repeated client_id",
            vec![("client_id", &client.id), ("client_id", &client.id)],
        ),
        (
            "a repeated post_logout_redirect_uri",
            vec![
                ("id_token_hint", &hint),
                ("post_logout_redirect_uri", POST_LOGOUT_URI),
                ("post_logout_redirect_uri", POST_LOGOUT_URI),
            ],
        ),
        (
            "a state over 2048 bytes",
            vec![
                ("id_token_hint", &hint),
                ("post_logout_redirect_uri", POST_LOGOUT_URI),
                ("state", &long_state),
            ],
        ),
    ];
    let mut failures = Vec::new();
    for (what, params) in &cases {
        for method in ["GET", "POST"] {
            let response = match method {
                "GET" => agent.get(&format!("/logout?{}", encode(params))).await,
                // A POSTed logout request is sent back as the same GET (303), so that the
                // browser's SameSite=Lax cookie comes with it; follow that one hop.
                _ => {
                    let posted = agent.post("/logout", params).await;
                    match posted.status() {
                        StatusCode::SEE_OTHER => {
                            let location = posted.headers()[LOCATION].to_str().unwrap();
                            assert!(location.starts_with("/logout?"), "{method} {what}");
                            agent.get(location).await
                        }
                        // Refused before that (a repeated field): the page itself.
                        _ => posted,
                    }
                }
            };
            let status = response.status();
            assert_ne!(status, StatusCode::INTERNAL_SERVER_ERROR, "{method} {what}");
            let location = response.headers().get(LOCATION).cloned();
            let problems = page_header_problems(response.headers());
            if status != StatusCode::BAD_REQUEST || location.is_some() || !problems.is_empty() {
                failures.push(format!(
                    "{method} {what}: {status}, Location {location:?}, {problems:?}"
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    assert!(
        signed_in(&agent).await,
        "an untrusted logout request signed the person out"
    );

    // The trusted request, for contrast: no question asked, back to the client with state.
    let query = encode(&[
        ("id_token_hint", &hint),
        ("post_logout_redirect_uri", POST_LOGOUT_URI),
        ("state", "s&t=1"),
    ]);
    let response = agent.get(&format!("/logout?{query}")).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        response.headers()[LOCATION],
        format!("{POST_LOGOUT_URI}?state=s%26t%3D1").as_str()
    );
    assert!(!signed_in(&agent).await);
    assert_not_logged(&[&hint]);
}

#[tokio::test]
async fn markup_in_a_logout_state_is_escaped_on_the_confirmation_page() {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    let client = app.web_client(SCOPE).await;
    let agent = UserAgent::new(&app);
    app.sign_in_and_allow(&agent, &client, "ada", SCOPE).await;
    let state = r#""><script>alert(1)</script>"#;
    let query = encode(&[
        ("client_id", &client.id),
        ("post_logout_redirect_uri", POST_LOGOUT_URI),
        ("state", state),
    ]);
    let response = agent.get(&format!("/logout?{query}")).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_page_headers("logout confirmation", &response);
    let body = response.text().await.unwrap();
    assert!(!body.contains("<script"), "{body}");
    let fields = decoded_hidden_fields(&body, "/logout");
    assert!(
        fields.contains(&("state".to_string(), state.to_string())),
        "{fields:?}"
    );
}

#[tokio::test]
async fn every_page_carries_the_security_headers() {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    let client = app.web_client(SCOPE).await;
    let agent = UserAgent::new(&app);
    let mut checked = Vec::new();
    let mut check = |what: &str, response: &Response, status: StatusCode| {
        assert_eq!(response.status(), status, "{what}");
        assert_page_headers(what, response);
        checked.push(what.to_string());
    };

    let response = agent.get("/login").await;
    check("login", &response, StatusCode::OK);
    let login = response.text().await.unwrap();
    check("signup", &agent.get("/signup").await, StatusCode::OK);
    let response = agent
        .post(
            "/login",
            &[
                ("csrf_token", "forged"),
                ("username", "ada"),
                ("password", "x"),
            ],
        )
        .await;
    check("CSRF error", &response, StatusCode::FORBIDDEN);
    let response = agent
        .post(
            "/login",
            &[
                ("csrf_token", &csrf_of(&login, "/login")),
                ("username", "ada"),
                ("password", "x"),
            ],
        )
        .await;
    check("failed login", &response, StatusCode::UNAUTHORIZED);
    let response = agent.get("/oauth2/authorize?client_id=nope").await;
    check("authorization error", &response, StatusCode::BAD_REQUEST);
    let response = agent.get("/consent?request=nope").await;
    check("expired request", &response, StatusCode::BAD_REQUEST);
    let response = agent.get("/logout?client_id=nope").await;
    check("logout error", &response, StatusCode::BAD_REQUEST);
    let response = agent.get("/no/such/page").await;
    check("not found", &response, StatusCode::NOT_FOUND);
    let response = post_raw(&agent, &app, "/login", Some("text/plain"), "x").await;
    check("bad form", &response, StatusCode::BAD_REQUEST);

    let url = app.authorize_url(&client, SCOPE, &[]);
    let landing = agent.navigate(&url).await;
    let (consent_path, _, _) = agent.log_in(landing, "ada", PASSWORD).await.page();
    check("consent", &agent.get(&consent_path).await, StatusCode::OK);
    check("account", &agent.get("/account").await, StatusCode::OK);
    let response = agent.get("/logout").await;
    check("logout confirmation", &response, StatusCode::OK);
    let confirm = response.text().await.unwrap();
    let response = agent
        .post(
            "/logout",
            &[
                ("csrf_token", &csrf_of(&confirm, "/logout")),
                ("confirm", "yes"),
            ],
        )
        .await;
    check("signed out", &response, StatusCode::OK);
    assert_eq!(checked.len(), 13);
}

#[tokio::test]
async fn hostile_session_cookies_are_a_fresh_session_not_a_server_error() {
    let app = TestApp::spawn().await;
    let long = format!("farm_auth_session={}", "A".repeat(4000));
    let cookies = [
        "farm_auth_session=",
        "farm_auth_session=not-a-session-id",
        "farm_auth_session=%00%ff",
        "farm_auth_session=AAAAAAAAAAAAAAAAAAAAAA",
        "farm_auth_session=\"quoted\"",
        "farm_auth_session=a; farm_auth_session=b",
        long.as_str(),
    ];
    for cookie in cookies {
        for path in ["/login", "/signup"] {
            let response = app
                .http
                .get(app.url(path))
                .header(COOKIE, cookie)
                .send()
                .await
                .unwrap();
            let what = format!("{path} with cookie {cookie:.40}");
            assert_ne!(
                response.status(),
                StatusCode::INTERNAL_SERVER_ERROR,
                "{what}"
            );
            assert_eq!(response.status(), StatusCode::OK, "{what}");
            assert_page_headers(&what, &response);
        }
        let response = app
            .http
            .post(app.url("/login"))
            .header(COOKIE, cookie)
            .form(&[("csrf_token", "x"), ("username", "ada"), ("password", "y")])
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::FORBIDDEN,
            "POST with cookie {cookie:.40}"
        );
    }
}

#[tokio::test]
async fn the_consent_form_refuses_decisions_other_than_allow_or_deny() {
    let app = TestApp::spawn().await;
    let ada = app.person("ada", Role::Consumer).await;
    let client = app.web_client(SCOPE).await;
    let agent = UserAgent::new(&app);
    let (_, consent) = at_consent(&app, &agent, &client, "ada").await;
    let long = "allow".repeat(1000);
    for decision in ["", "Allow", "yes", "allow\0", long.as_str()] {
        let mut form: Vec<(String, String)> = hidden_fields(&consent, "/consent");
        form.push(("decision".into(), decision.into()));
        let pairs: Vec<(&str, &str)> = form.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        let response = agent.post("/consent", &pairs).await;
        let what = format!("decision {decision:.20?}");
        assert_ne!(
            response.status(),
            StatusCode::INTERNAL_SERVER_ERROR,
            "{what}"
        );
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{what}");
        assert!(response.headers().get(LOCATION).is_none(), "{what}");
        assert_page_headers(&what, &response);
        assert_eq!(
            app.store.find_consent(&ada, &client.id).await.unwrap(),
            None,
            "{what}"
        );
    }
    // The request is still there to be answered.
    let back = agent
        .submit(&consent, "/consent", &[("decision", "deny")])
        .await
        .client();
    assert!(back.as_str().starts_with(REDIRECT_URI));
    assert_eq!(
        Landing::param(&back, "error").as_deref(),
        Some("access_denied")
    );
    assert_eq!(
        app.store.find_consent(&ada, &client.id).await.unwrap(),
        None
    );
}
