//! Passkeys over HTTP, with a software authenticator playing the browser's part: adding one
//! from the account page, using it after the password, signing in with it alone, and every
//! way a ceremony can be answered wrongly.

mod after_signup;
mod autofill;
mod ceremonies;
mod passwordless;
mod refusals;

use farm_auth::accounts::users::Role;
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

use crate::support::{
    Landing, Options, PASSWORD, SignIn, SoftAuthenticator, TestApp, UserAgent, code_from, post_raw,
    signed_in, token_json,
};

const REGISTER_START: &str = "/account/passkeys/register/start";

const REGISTER_FINISH: &str = "/account/passkeys/register/finish";

const LOGIN_START: &str = "/login/passkey/start";

const LOGIN_FINISH: &str = "/login/passkey/finish";

/// A server whose issuer names a host (`localhost`), as passkeys need.
pub(crate) async fn passkey_app() -> TestApp {
    TestApp::spawn_with(Options {
        localhost_issuer: true,
        ..Default::default()
    })
    .await
}

/// The CSRF token a page hands its passkey script (`data-csrf="..."`).
fn data_csrf(page: &str) -> String {
    let start = page
        .find("data-csrf=\"")
        .unwrap_or_else(|| panic!("no data-csrf on:\n{page}"))
        + "data-csrf=\"".len();
    let end = page[start..].find('"').expect("closing quote") + start;
    page[start..end].to_string()
}

/// The pending authorization request a page carries for its passkey script.
fn data_request(page: &str) -> String {
    let start = page
        .find("data-request=\"")
        .unwrap_or_else(|| panic!("no data-request on:\n{page}"))
        + "data-request=\"".len();
    let end = page[start..].find('"').expect("closing quote") + start;
    page[start..end].to_string()
}

/// POSTs `body` to `path` as the passkey script does, with `X-CSRF-Token: csrf` unless
/// `csrf` is `None`.
async fn post_ceremony(
    app: &TestApp,
    agent: &UserAgent,
    path: &str,
    csrf: Option<&str>,
    body: impl Into<reqwest::Body>,
) -> Response {
    let mut request = agent.http.post(app.url(path));
    if let Some(csrf) = csrf {
        request = request.header("x-csrf-token", csrf);
    }
    post_raw(request, Some("application/json"), body).await
}

/// A JSON answer: its status and body (asserting it is JSON, never cached, never a 5xx).
async fn json_reply(response: Response) -> (StatusCode, Value) {
    let status = response.status();
    assert!(!status.is_server_error(), "status {status}");
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let cache = response
        .headers()
        .get("cache-control")
        .map(|v| v.to_str().unwrap().to_string());
    let text = response.text().await.unwrap();
    assert!(
        content_type.starts_with("application/json"),
        "{status} answered {content_type}: {text}"
    );
    assert_eq!(cache.as_deref(), Some("no-store"), "{status}: {text}");
    let body = serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"));
    (status, body)
}

async fn post_json(
    app: &TestApp,
    agent: &UserAgent,
    path: &str,
    csrf: &str,
    body: &Value,
) -> (StatusCode, Value) {
    json_reply(post_ceremony(app, agent, path, Some(csrf), body.to_string()).await).await
}

/// Asserts a refusal: `status` and a JSON `error` message, which it returns.
fn assert_refused(reply: &(StatusCode, Value), status: StatusCode) -> String {
    assert_eq!(reply.0, status, "{}", reply.1);
    reply.1["error"]
        .as_str()
        .unwrap_or_else(|| panic!("no error message: {}", reply.1))
        .to_string()
}

/// A new browser signed in as `username` with the password, then the passkey in
/// `authenticator` as the second factor; the account page.
async fn signed_in_with_passkey(
    app: &TestApp,
    username: &str,
    authenticator: &mut SoftAuthenticator,
) -> (UserAgent, String) {
    let agent = UserAgent::new(app);
    let landing = agent.navigate("/login").await;
    let (path, _, page) = agent.log_in(landing, username, PASSWORD).await.page();
    assert!(path.starts_with("/login/second-factor"), "{path}:\n{page}");
    let csrf = data_csrf(&page);
    let options = start_login(app, &agent, &csrf, "second-factor").await;
    let credential = authenticator.authenticate(&options, &app.issuer).unwrap();
    let body = json!({ "credential": credential, "request": null });
    let reply = post_json(app, &agent, LOGIN_FINISH, &csrf, &body).await;
    assert_eq!(reply, (StatusCode::OK, json!({ "next": "/account" })));
    let page = account_page(&agent).await;
    (agent, page)
}

/// A new browser signed in with a passkey of `authenticator` alone, from the login page.
async fn signed_in_with_passkey_alone(
    app: &TestApp,
    authenticator: &mut SoftAuthenticator,
) -> UserAgent {
    let (agent, csrf) = at_login_page(app).await;
    let options = start_login(app, &agent, &csrf, "passwordless").await;
    let credential = authenticator.authenticate(&options, &app.issuer).unwrap();
    let body = json!({ "credential": credential, "request": null });
    let reply = post_json(app, &agent, LOGIN_FINISH, &csrf, &body).await;
    assert_eq!(reply, (StatusCode::OK, json!({ "next": "/account" })));
    agent
}

/// The account page as `agent` sees it now.
async fn account_page(agent: &UserAgent) -> String {
    let (path, status, page) = agent.navigate("/account").await.page();
    assert_eq!((path.as_str(), status), ("/account", StatusCode::OK));
    page
}

/// Starts a registration from the account page: the options for the authenticator.
async fn start_registration(app: &TestApp, agent: &UserAgent) -> (String, Value) {
    let csrf = data_csrf(&account_page(agent).await);
    let (status, options) = post_json(
        app,
        agent,
        REGISTER_START,
        &csrf,
        &json!({"password": PASSWORD}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{options}");
    (csrf, options)
}

/// Adds a passkey named `name` from `authenticator` to the account `agent` is signed in to.
async fn add_passkey(
    app: &TestApp,
    agent: &UserAgent,
    authenticator: &mut SoftAuthenticator,
    name: &str,
) {
    let (csrf, options) = start_registration(app, agent).await;
    let credential = authenticator.register(&options, &app.issuer).unwrap();
    let body = json!({ "name": name, "credential": credential });
    let (status, reply) = post_json(app, agent, REGISTER_FINISH, &csrf, &body).await;
    assert_eq!(status, StatusCode::OK, "{reply}");
    assert_eq!(reply["next"], "/account");
}

/// A person `username` (with [`PASSWORD`]) holding one passkey in a new authenticator.
pub(crate) async fn person_with_passkey(
    app: &TestApp,
    username: &str,
) -> (String, SoftAuthenticator) {
    let user_id = app.person(username, Role::Consumer).await;
    let SignIn { agent, .. } = signed_in(app, username).await;
    let mut authenticator = SoftAuthenticator::default();
    add_passkey(app, &agent, &mut authenticator, "Phone").await;
    (user_id, authenticator)
}

/// Starts a sign-in ceremony in `mode` from `page` (which carries the CSRF token).
async fn start_login(app: &TestApp, agent: &UserAgent, csrf: &str, mode: &str) -> Value {
    let (status, options) =
        post_json(app, agent, LOGIN_START, csrf, &json!({ "mode": mode })).await;
    assert_eq!(status, StatusCode::OK, "{options}");
    options
}

/// Signs in with a passkey alone on the login page (`landing`) of a pending authorization
/// request, asserting the reply resumes that request; where the browser lands then.
pub(crate) async fn passwordless_for_request(
    app: &TestApp,
    agent: &UserAgent,
    landing: Landing,
    authenticator: &mut SoftAuthenticator,
) -> Landing {
    let (path, _, page) = landing.page();
    assert!(path.starts_with("/login"), "{path}");
    let csrf = data_csrf(&page);
    let request = data_request(&page);
    let options = start_login(app, agent, &csrf, "passwordless").await;
    let credential = authenticator.authenticate(&options, &app.issuer).unwrap();
    let body = json!({ "credential": credential, "request": request });
    let (status, reply) = post_json(app, agent, LOGIN_FINISH, &csrf, &body).await;
    assert_eq!(status, StatusCode::OK, "{reply}");
    let next = reply["next"].as_str().expect("next");
    assert_eq!(next, format!("/oauth2/authorize/resume?request={request}"));
    agent.navigate(next).await
}

/// A new browser on the login page: the agent and the page's CSRF token.
async fn at_login_page(app: &TestApp) -> (UserAgent, String) {
    let agent = UserAgent::new(app);
    let (path, _, page) = agent.navigate("/login").await.page();
    assert_eq!(path, "/login");
    assert!(
        page.contains(r#"data-passkey-login="passwordless""#),
        "{page}"
    );
    let csrf = data_csrf(&page);
    (agent, csrf)
}

/// The `amr` of the ID token `client` gets from the authorization flow that `agent`'s
/// browser is at (`landing`): allowed on the consent page if asked, the code traded.
async fn amr_of(
    app: &TestApp,
    agent: &UserAgent,
    client: &crate::support::TestClient,
    landing: Landing,
) -> Value {
    let back = match landing {
        Landing::Client(back) => back,
        page => agent.consent(page, "allow").await.client(),
    };
    let code = code_from(app, &back);
    let tokens = token_json(app.exchange_code(client, &code).await).await;
    let id_token = tokens["id_token"].as_str().expect("an id_token");
    let claims = app.verify_id_token(client, id_token).await;
    claims["amr"].clone()
}
