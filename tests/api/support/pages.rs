//! The browser pages: signing in on the login page, whether a browser is signed in, the CSRF
//! token of a form, posts of raw bytes, the security headers every page carries, and how a
//! page shows text it was given.

use reqwest::header::{CONTENT_TYPE, HeaderMap, LOCATION};
use reqwest::{RequestBuilder, Response, StatusCode};

use super::app::TestApp;
use super::user_agent::{PASSWORD, UserAgent, hidden_fields};

/// Where a new browser's sign-in on the login page ended: `/account` when signed in,
/// `/login` when refused, `/login/second-factor` when a second step is due.
pub struct SignIn {
    pub agent: UserAgent,
    /// The path (with query) of the page it landed on.
    pub path: String,
    pub status: StatusCode,
    pub page: String,
}

/// A new browser signs in as `username` with `password` on the login page.
pub async fn sign_in(app: &TestApp, username: &str, password: &str) -> SignIn {
    let agent = UserAgent::new(app);
    let landing = agent.navigate("/login").await;
    let (path, status, page) = agent.log_in(landing, username, password).await.page();
    SignIn {
        agent,
        path,
        status,
        page,
    }
}

/// A new browser signed in as `username` with [`PASSWORD`] alone, asserting that it landed
/// on the account page.
pub async fn signed_in(app: &TestApp, username: &str) -> SignIn {
    signed_in_with(app, username, PASSWORD).await
}

/// A new browser signed in as `username` with `password`, asserting that it landed on the
/// account page.
pub async fn signed_in_with(app: &TestApp, username: &str, password: &str) -> SignIn {
    let signed = sign_in(app, username, password).await;
    assert_eq!(
        (signed.path.as_str(), signed.status),
        ("/account", StatusCode::OK),
        "{username} did not sign in:\n{}",
        signed.page
    );
    signed
}

/// Whether `username` signs in with `password` alone (lands on `/account`) or is refused
/// (stays on `/login`).
pub async fn password_works(app: &TestApp, username: &str, password: &str) -> bool {
    match sign_in(app, username, password).await.path.as_str() {
        "/account" => true,
        "/login" => false,
        other => panic!("signing in landed on {other}"),
    }
}

/// Whether `agent` is signed in: `/account` shows the page, or sends it to `/login`.
pub async fn is_signed_in(agent: &UserAgent) -> bool {
    let response = agent.get("/account").await;
    match response.status() {
        StatusCode::OK => true,
        StatusCode::SEE_OTHER => {
            assert_eq!(response.headers()[LOCATION], "/login");
            false
        }
        other => panic!("GET /account answered {other}"),
    }
}

/// The hidden `csrf_token` of the form posting to `action` on `page`.
pub fn csrf_of(page: &str, action: &str) -> String {
    hidden_fields(page, action)
        .into_iter()
        .find(|(name, _)| name == "csrf_token")
        .map(|(_, value)| value)
        .unwrap_or_else(|| panic!("no csrf_token in the form to {action}"))
}

/// The sign-up form's challenge on `page`, solved as the page's script would: the
/// `challenge` and `solution` fields, for tests that post the form by hand.
pub fn signup_proof(page: &str) -> Vec<(String, String)> {
    let mut fields: Vec<(String, String)> = hidden_fields(page, "/signup")
        .into_iter()
        .filter(|(name, _)| name == "challenge" || name == "solution")
        .collect();
    super::user_agent::solve_challenge(&mut fields);
    fields
}

/// Opens the sign-up page in `agent` and fills it for a new consumer `username` (address
/// `username@farm.example`), as a browser without JavaScript would: its fields.
pub async fn signup_form(agent: &UserAgent, username: &str) -> Vec<(String, String)> {
    let page = agent.get("/signup").await.text().await.unwrap();
    let mut form = hidden_fields(&page, "/signup");
    let email = format!("{username}@farm.example");
    for (name, value) in [
        ("username", username),
        ("email", &email),
        ("password", "a crop of turnips 9"),
        ("role", "consumer"),
    ] {
        form.push((name.into(), value.into()));
    }
    form
}

/// Sends sign-up `form` fields as they are; the answer, not followed.
pub async fn post_signup_form(agent: &UserAgent, form: &[(String, String)]) -> Response {
    let pairs: Vec<(&str, &str)> = form.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    agent.post("/signup", &pairs).await
}

/// Signs up `username` from `agent` as a browser running the page's script would (the
/// proof of work solved); the answer, not followed.
pub async fn post_signup(agent: &UserAgent, username: &str) -> Response {
    let mut form = signup_form(agent, username).await;
    super::user_agent::solve_challenge(&mut form);
    post_signup_form(agent, &form).await
}

/// Sends `request` with `body` as-is and this content type (none: no header): for bodies a
/// browser or a well-behaved client would not send.
pub async fn post_raw(
    request: RequestBuilder,
    content_type: Option<&str>,
    body: impl Into<reqwest::Body>,
) -> Response {
    let mut request = request.body(body);
    if let Some(content_type) = content_type {
        request = request.header(CONTENT_TYPE, content_type);
    }
    request.send().await.unwrap()
}

/// What is wrong with the security headers every page must carry (empty: nothing).
pub fn page_header_problems(headers: &HeaderMap) -> Vec<String> {
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
pub fn assert_page_headers(what: &str, response: &Response) {
    let problems = page_header_problems(response.headers());
    assert!(problems.is_empty(), "{what}: {problems:?}");
}

/// The hidden fields of the form posting to `action`, with every HTML character reference
/// (named, decimal or hex) decoded: the values a browser would submit.
pub fn decoded_hidden_fields(page: &str, action: &str) -> Vec<(String, String)> {
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
pub fn shows_escaped(page: &str, text: &str) -> bool {
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
pub fn encode(pairs: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}
