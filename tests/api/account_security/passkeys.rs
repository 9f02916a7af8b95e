//! Passkeys over HTTP, with a software authenticator playing the browser's part: adding one
//! from the account page, using it after the password, signing in with it alone, and every
//! way a ceremony can be answered wrongly.

use farm_auth::accounts::users::Role;
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

use super::soft_authenticator::SoftAuthenticator;
use crate::helpers::{Options, TestApp};
use crate::user_agent::{Landing, PASSWORD, UserAgent, code_from, hidden_fields, token_json};

const REGISTER_START: &str = "/account/passkeys/register/start";
const REGISTER_FINISH: &str = "/account/passkeys/register/finish";
const LOGIN_START: &str = "/login/passkey/start";
const LOGIN_FINISH: &str = "/login/passkey/finish";

/// A server whose issuer names a host (`localhost`), as passkeys need.
async fn passkey_app() -> TestApp {
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
async fn post_raw(
    app: &TestApp,
    agent: &UserAgent,
    path: &str,
    csrf: Option<&str>,
    body: impl Into<reqwest::Body>,
) -> Response {
    let mut request = agent
        .http
        .post(app.url(path))
        .header("content-type", "application/json")
        .body(body);
    if let Some(csrf) = csrf {
        request = request.header("x-csrf-token", csrf);
    }
    request.send().await.unwrap()
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
    json_reply(post_raw(app, agent, path, Some(csrf), body.to_string()).await).await
}

/// Asserts a refusal: `status` and a JSON `error` message, which it returns.
fn assert_refused(reply: &(StatusCode, Value), status: StatusCode) -> String {
    assert_eq!(reply.0, status, "{}", reply.1);
    reply.1["error"]
        .as_str()
        .unwrap_or_else(|| panic!("no error message: {}", reply.1))
        .to_string()
}

/// A new browser signed in as `username` with the password alone; the account page.
async fn signed_in(username: &str, app: &TestApp) -> (UserAgent, String) {
    let agent = UserAgent::new(app);
    let landing = agent.navigate("/login").await;
    let (path, status, page) = agent.log_in(landing, username, PASSWORD).await.page();
    assert_eq!(path, "/account", "{status}:\n{page}");
    (agent, page)
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
async fn person_with_passkey(app: &TestApp, username: &str) -> (String, SoftAuthenticator) {
    let user_id = app.person(username, Role::Consumer).await;
    let (agent, _) = signed_in(username, app).await;
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

/// Whether `agent` is signed in: `/account` shows the account rather than sending to login.
async fn is_signed_in(agent: &UserAgent) -> bool {
    let (path, _, _) = agent.navigate("/account").await.page();
    path == "/account"
}

/// The `amr` of the ID token `client` gets from the authorization flow that `agent`'s
/// browser is at (`landing`): allowed on the consent page if asked, the code traded.
async fn amr_of(
    app: &TestApp,
    agent: &UserAgent,
    client: &crate::helpers::TestClient,
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

#[tokio::test]
async fn a_signed_in_person_adds_a_discoverable_passkey_with_user_verification() {
    let app = passkey_app().await;
    let user_id = app.person("ada", Role::Consumer).await;
    let (agent, page) = signed_in("ada", &app).await;
    assert!(page.contains("data-passkey-register"), "{page}");
    assert!(page.contains("Add a passkey"), "{page}");
    assert!(page.contains("No passkeys yet"), "{page}");

    let (csrf, options) = start_registration(&app, &agent).await;
    let public_key = &options["publicKey"];
    let selection = &public_key["authenticatorSelection"];
    assert_eq!(selection["residentKey"], "required", "{options}");
    assert_eq!(selection["requireResidentKey"], true, "{options}");
    assert_eq!(selection["userVerification"], "required", "{options}");
    assert_eq!(public_key["rp"]["id"], "localhost", "{options}");
    assert_eq!(public_key["user"]["name"], "ada", "{options}");
    assert!(
        public_key["excludeCredentials"]
            .as_array()
            .is_none_or(|list| list.is_empty()),
        "{options}"
    );

    let mut authenticator = SoftAuthenticator::default();
    let credential = authenticator.register(&options, &app.issuer).unwrap();
    let body = json!({ "name": "Kitchen laptop", "credential": credential });
    let reply = post_json(&app, &agent, REGISTER_FINISH, &csrf, &body).await;
    assert_eq!(reply, (StatusCode::OK, json!({ "next": "/account" })));

    let page = account_page(&agent).await;
    assert!(page.contains("<strong>Kitchen laptop</strong>"), "{page}");
    assert!(page.contains("Your passkey is added."), "{page}");
    assert!(!page.contains("No passkeys yet"), "{page}");
    let stored = app.store.list_passkeys(&user_id).await.unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].name, "Kitchen laptop");
    assert_eq!(stored[0].credential_id, credential["id"].as_str().unwrap());
    assert!(page.contains(&stored[0].credential_id), "{page}");

    // The same authenticator again: the options exclude what it holds, so it refuses.
    let (csrf, options) = start_registration(&app, &agent).await;
    let excluded: Vec<&str> = options["publicKey"]["excludeCredentials"]
        .as_array()
        .expect("excludeCredentials")
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(excluded, [stored[0].credential_id.as_str()]);
    let refused = authenticator.register(&options, &app.issuer).unwrap_err();
    assert!(refused.contains("InvalidStateError"), "{refused}");
    // And an authenticator that presents the same credential anyway is refused by the server.
    let again = authenticator
        .register_existing(&options, &app.issuer, 0)
        .unwrap();
    let body = json!({ "name": "Again", "credential": again });
    let reply = post_json(&app, &agent, REGISTER_FINISH, &csrf, &body).await;
    assert_refused(&reply, StatusCode::BAD_REQUEST);
    assert_eq!(app.store.list_passkeys(&user_id).await.unwrap().len(), 1);

    // Nor can another account claim that credential: a credential has one owner.
    let other_id = app.person("bob", Role::Consumer).await;
    let (other, _) = signed_in("bob", &app).await;
    // (Presenting a credential the server has never seen is accepted: only the duplicate
    // is refused below.)
    let mut spare = SoftAuthenticator::default();
    let (_, options) = start_registration(&app, &other).await;
    spare.register(&options, &app.issuer).unwrap();
    let (csrf, options) = start_registration(&app, &other).await;
    let unseen = spare.register_existing(&options, &app.issuer, 0).unwrap();
    let body = json!({ "name": "Spare", "credential": unseen });
    let reply = post_json(&app, &other, REGISTER_FINISH, &csrf, &body).await;
    assert_eq!(reply, (StatusCode::OK, json!({ "next": "/account" })));
    let (csrf, options) = start_registration(&app, &other).await;
    let stolen = authenticator
        .register_existing(&options, &app.issuer, 0)
        .unwrap();
    let body = json!({ "name": "Not mine", "credential": stolen });
    let reply = post_json(&app, &other, REGISTER_FINISH, &csrf, &body).await;
    assert_refused(&reply, StatusCode::BAD_REQUEST);
    let others = app.store.list_passkeys(&other_id).await.unwrap();
    assert_eq!(others.len(), 1);
    assert_eq!(others[0].name, "Spare");
    let owner = app
        .store
        .find_passkey(&stored[0].credential_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(owner.user_id, user_id);

    // A name is needed, and a short one.
    for name in ["   ", &"x".repeat(65)] {
        let (csrf, options) = start_registration(&app, &agent).await;
        let mut fresh = SoftAuthenticator::default();
        let credential = fresh.register(&options, &app.issuer).unwrap();
        let body = json!({ "name": name, "credential": credential });
        let reply = post_json(&app, &agent, REGISTER_FINISH, &csrf, &body).await;
        let error = assert_refused(&reply, StatusCode::BAD_REQUEST);
        assert!(error.contains("name"), "{error}");
    }
    assert_eq!(app.store.list_passkeys(&user_id).await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_passkey_is_the_second_factor_after_the_password() {
    let app = passkey_app().await;
    let (user_id, mut authenticator) = person_with_passkey(&app, "cai").await;
    let client = app.web_client("openid profile").await;

    // A new browser, sent by a relying party: the password is right, then the passkey.
    let agent = UserAgent::new(&app);
    let landing = agent
        .navigate(&app.authorize_url(&client, "openid", &[]))
        .await;
    let (path, _, page) = agent.log_in(landing, "cai", PASSWORD).await.page();
    assert!(path.starts_with("/login/second-factor"), "{path}");
    assert!(
        page.contains(r#"data-passkey-login="second-factor""#),
        "{page}"
    );
    assert!(page.contains("Use a passkey"), "{page}");
    let csrf = data_csrf(&page);
    let request = data_request(&page);

    let options = start_login(&app, &agent, &csrf, "second-factor").await;
    let allowed = options["publicKey"]["allowCredentials"]
        .as_array()
        .expect("allowCredentials");
    let stored = app.store.list_passkeys(&user_id).await.unwrap();
    assert_eq!(allowed.len(), 1, "{options}");
    assert_eq!(allowed[0]["id"], stored[0].credential_id.as_str());
    assert_eq!(options["publicKey"]["userVerification"], "required");

    let credential = authenticator.authenticate(&options, &app.issuer).unwrap();
    let body = json!({ "credential": credential, "request": request });
    let (status, reply) = post_json(&app, &agent, LOGIN_FINISH, &csrf, &body).await;
    assert_eq!(status, StatusCode::OK, "{reply}");
    let next = reply["next"].as_str().expect("next");
    assert_eq!(next, format!("/oauth2/authorize/resume?request={request}"));

    let landing = agent.navigate(next).await;
    let amr = amr_of(&app, &agent, &client, landing).await;
    assert_eq!(amr, json!(["pwd", "hwk", "mfa"]));

    let used = app.store.list_passkeys(&user_id).await.unwrap();
    assert!(used[0].last_used_at.is_some());
}

#[tokio::test]
async fn a_new_password_required_stops_a_passkey_after_the_password_but_not_a_passkey_alone() {
    use farm_auth::accounts::admin::{self, Actor};

    let app = passkey_app().await;
    let (user_id, mut authenticator) = person_with_passkey(&app, "cai").await;

    // The password step passes, then an administrator requires a new password.
    let agent = UserAgent::new(&app);
    let landing = agent.navigate("/login").await;
    let (path, _, page) = agent.log_in(landing, "cai", PASSWORD).await.page();
    assert!(path.starts_with("/login/second-factor"), "{path}");
    let user = app.store.find_user_by_id(&user_id).await.unwrap().unwrap();
    admin::require_password_reset(&app.state, &user, Actor::CommandLine)
        .await
        .expect("a new password required");

    // The passkey as the second factor: refused, told to choose a new password.
    let csrf = data_csrf(&page);
    let options = start_login(&app, &agent, &csrf, "second-factor").await;
    let credential = authenticator.authenticate(&options, &app.issuer).unwrap();
    let body = json!({ "credential": credential, "request": null });
    let reply = post_json(&app, &agent, LOGIN_FINISH, &csrf, &body).await;
    let message = assert_refused(&reply, StatusCode::FORBIDDEN);
    assert!(
        message.contains("You need to choose a new password before you sign in"),
        "{message}"
    );
    assert!(!is_signed_in(&agent).await);
    let live = app
        .store
        .list_live_login_sessions(&user_id, app.clock.now())
        .await
        .unwrap();
    assert!(live.is_empty(), "{live:?}");
    let events = app
        .store
        .list_audit_events(Some(&user_id), 100)
        .await
        .unwrap();
    let stopped: Vec<_> = events
        .iter()
        .filter(|e| {
            e.event == "login.passkey"
                && e.outcome == "failure"
                && e.detail.as_deref() == Some("an administrator required a new password")
        })
        .collect();
    assert_eq!(stopped.len(), 1, "{events:#?}");

    // The passkey alone is not the password: it still signs in.
    let (agent, csrf) = at_login_page(&app).await;
    let options = start_login(&app, &agent, &csrf, "passwordless").await;
    let credential = authenticator.authenticate(&options, &app.issuer).unwrap();
    let body = json!({ "credential": credential, "request": null });
    let reply = post_json(&app, &agent, LOGIN_FINISH, &csrf, &body).await;
    assert_eq!(reply, (StatusCode::OK, json!({ "next": "/account" })));
    assert!(is_signed_in(&agent).await);
    assert!(
        app.store
            .find_user_by_id(&user_id)
            .await
            .unwrap()
            .unwrap()
            .password_reset_required,
        "the requirement stays until a new password is chosen"
    );
}

#[tokio::test]
async fn a_passkey_alone_signs_in_without_a_username() {
    let app = passkey_app().await;
    let (user_id, mut authenticator) = person_with_passkey(&app, "dev").await;
    let client = app.web_client("openid profile").await;

    let (agent, csrf) = at_login_page(&app).await;
    let (_, _, page) = agent.navigate("/login").await.page();
    assert!(page.contains("Sign in with a passkey"), "{page}");
    let options = start_login(&app, &agent, &csrf, "passwordless").await;
    assert!(
        options["publicKey"]["allowCredentials"]
            .as_array()
            .is_none_or(|list| list.is_empty()),
        "{options}"
    );
    assert_eq!(options["publicKey"]["userVerification"], "required");
    let credential = authenticator.authenticate(&options, &app.issuer).unwrap();
    let body = json!({ "credential": credential, "request": null });
    let reply = post_json(&app, &agent, LOGIN_FINISH, &csrf, &body).await;
    assert_eq!(reply, (StatusCode::OK, json!({ "next": "/account" })));
    let page = account_page(&agent).await;
    assert!(page.contains("<strong>Phone</strong>"), "{page}");

    // The next authorization request needs no password: the passkey was two factors.
    let landing = agent
        .navigate(&app.authorize_url(&client, "openid", &[]))
        .await;
    let amr = amr_of(&app, &agent, &client, landing).await;
    assert_eq!(amr, json!(["hwk", "mfa"]));

    // From a relying party's request, the sign-in resumes it.
    let agent = UserAgent::new(&app);
    let landing = agent
        .navigate(&app.authorize_url(&client, "openid", &[]))
        .await;
    let (path, _, page) = landing.page();
    assert!(path.starts_with("/login"), "{path}");
    let csrf = data_csrf(&page);
    let request = data_request(&page);
    let options = start_login(&app, &agent, &csrf, "passwordless").await;
    let credential = authenticator.authenticate(&options, &app.issuer).unwrap();
    let body = json!({ "credential": credential, "request": request });
    let (status, reply) = post_json(&app, &agent, LOGIN_FINISH, &csrf, &body).await;
    assert_eq!(status, StatusCode::OK, "{reply}");
    let next = reply["next"].as_str().expect("next");
    assert_eq!(next, format!("/oauth2/authorize/resume?request={request}"));
    let landing = agent.navigate(next).await;
    let amr = amr_of(&app, &agent, &client, landing).await;
    assert_eq!(amr, json!(["hwk", "mfa"]));

    let used = app.store.list_passkeys(&user_id).await.unwrap();
    assert!(used[0].last_used_at.is_some());
    assert_eq!(authenticator.credentials[0].counter, 2);
}

#[tokio::test]
async fn a_replayed_or_stale_assertion_does_not_sign_in() {
    let app = passkey_app().await;
    let (_, mut authenticator) = person_with_passkey(&app, "eli").await;

    // Answered once, and only once.
    let (agent, csrf) = at_login_page(&app).await;
    let options = start_login(&app, &agent, &csrf, "passwordless").await;
    let credential = authenticator.authenticate(&options, &app.issuer).unwrap();
    let body = json!({ "credential": credential, "request": null });
    let reply = post_json(&app, &agent, LOGIN_FINISH, &csrf, &body).await;
    assert_eq!(reply.0, StatusCode::OK, "{}", reply.1);
    // The sign-in gave the session a new CSRF token; the same answer again is refused.
    let csrf = data_csrf(&account_page(&agent).await);
    let reply = post_json(&app, &agent, LOGIN_FINISH, &csrf, &body).await;
    assert_refused(&reply, StatusCode::BAD_REQUEST);

    // Another browser with a ceremony of its own cannot use that answer either.
    let (thief, csrf) = at_login_page(&app).await;
    start_login(&app, &thief, &csrf, "passwordless").await;
    let reply = post_json(&app, &thief, LOGIN_FINISH, &csrf, &body).await;
    assert_refused(&reply, StatusCode::BAD_REQUEST);
    assert!(!is_signed_in(&thief).await);
    // Nor with none.
    let (thief, csrf) = at_login_page(&app).await;
    let reply = post_json(&app, &thief, LOGIN_FINISH, &csrf, &body).await;
    assert_refused(&reply, StatusCode::BAD_REQUEST);
    assert!(!is_signed_in(&thief).await);

    // An answer to an earlier challenge, after a new one was asked for.
    let (agent, csrf) = at_login_page(&app).await;
    let first = start_login(&app, &agent, &csrf, "passwordless").await;
    let second = start_login(&app, &agent, &csrf, "passwordless").await;
    assert_ne!(
        first["publicKey"]["challenge"],
        second["publicKey"]["challenge"]
    );
    let stale = authenticator.authenticate(&first, &app.issuer).unwrap();
    let body = json!({ "credential": stale, "request": null });
    let reply = post_json(&app, &agent, LOGIN_FINISH, &csrf, &body).await;
    assert_refused(&reply, StatusCode::BAD_REQUEST);
    assert!(!is_signed_in(&agent).await);

    // An answer made for another origin (a phishing site relaying the challenge).
    let (agent, csrf) = at_login_page(&app).await;
    let options = start_login(&app, &agent, &csrf, "passwordless").await;
    let phished = authenticator
        .authenticate(&options, "http://localhost.evil.example")
        .unwrap();
    let body = json!({ "credential": phished, "request": null });
    let reply = post_json(&app, &agent, LOGIN_FINISH, &csrf, &body).await;
    assert_refused(&reply, StatusCode::BAD_REQUEST);
    assert!(!is_signed_in(&agent).await);
}

#[tokio::test]
async fn malformed_passkey_requests_get_json_errors_never_a_server_error() {
    let app = passkey_app().await;
    let (user_id, mut authenticator) = person_with_passkey(&app, "fia").await;
    let (agent, csrf) = at_login_page(&app).await;
    let hundred_kb = "a".repeat(100 * 1024);

    let starts: [(&str, Vec<u8>, StatusCode); 6] = [
        ("not JSON", b"{\"mode\": ".to_vec(), StatusCode::BAD_REQUEST),
        ("empty", Vec::new(), StatusCode::BAD_REQUEST),
        ("no mode", b"{}".to_vec(), StatusCode::BAD_REQUEST),
        (
            "an unknown mode",
            br#"{"mode":"sideways"}"#.to_vec(),
            StatusCode::BAD_REQUEST,
        ),
        (
            "second factor without a password",
            br#"{"mode":"second-factor"}"#.to_vec(),
            StatusCode::BAD_REQUEST,
        ),
        (
            "100 KB",
            format!(r#"{{"mode":"{hundred_kb}"}}"#).into_bytes(),
            StatusCode::PAYLOAD_TOO_LARGE,
        ),
    ];
    for (what, body, status) in starts {
        let response = post_raw(&app, &agent, LOGIN_START, Some(&csrf), body).await;
        let reply = json_reply(response).await;
        assert_eq!(reply.0, status, "start, {what}: {}", reply.1);
        assert_refused(&reply, status);
    }

    // Finishing with no ceremony started.
    let body = json!({ "credential": {}, "request": null });
    let reply = post_json(&app, &agent, LOGIN_FINISH, &csrf, &body).await;
    assert_refused(&reply, StatusCode::BAD_REQUEST);

    // Bodies that are no answer at all; each spends a ceremony of its own.
    let bodies: [(&str, Vec<u8>, StatusCode); 4] = [
        (
            "not JSON",
            b"{\"credential\": [".to_vec(),
            StatusCode::BAD_REQUEST,
        ),
        ("empty", Vec::new(), StatusCode::BAD_REQUEST),
        (
            "100 KB",
            format!(r#"{{"request":"{hundred_kb}"}}"#).into_bytes(),
            StatusCode::PAYLOAD_TOO_LARGE,
        ),
        (
            "a credential that is not one",
            br#"{"credential":{"id":1},"request":null}"#.to_vec(),
            StatusCode::BAD_REQUEST,
        ),
    ];
    for (what, body, status) in bodies {
        start_login(&app, &agent, &csrf, "passwordless").await;
        let response = post_raw(&app, &agent, LOGIN_FINISH, Some(&csrf), body).await;
        let reply = json_reply(response).await;
        assert_eq!(reply.0, status, "finish, {what}: {}", reply.1);
        assert_refused(&reply, status);
        assert!(!is_signed_in(&agent).await, "{what} signed in");
    }

    // Right answers to this ceremony, then broken one part at a time.
    let breakages: [Breakage; 7] = [
        ("garbage base64 in the signature", |c| {
            c["response"]["signature"] = json!("!!not*base64!!")
        }),
        ("garbage base64 in the client data", |c| {
            c["response"]["clientDataJSON"] = json!("%%%")
        }),
        ("a wrong signature", |c| {
            c["response"]["signature"] = json!("c2lnbmF0dXJl")
        }),
        ("short authenticator data", |c| {
            c["response"]["authenticatorData"] = json!("AAAA")
        }),
        ("client data that is not JSON", |c| {
            c["response"]["clientDataJSON"] = json!("bm90IGpzb24")
        }),
        ("an unknown credential", |c| {
            c["id"] = json!("AAAAAAAAAAAAAAAAAAAAAA");
            c["rawId"] = json!("AAAAAAAAAAAAAAAAAAAAAA");
        }),
        ("another user handle", |c| {
            c["response"]["userHandle"] = json!("AAAAAAAAAAAAAAAAAAAAAA")
        }),
    ];
    for (what, breakage) in breakages {
        let options = start_login(&app, &agent, &csrf, "passwordless").await;
        let mut credential = authenticator.authenticate(&options, &app.issuer).unwrap();
        breakage(&mut credential);
        let body = json!({ "credential": credential, "request": null });
        let reply = post_json(&app, &agent, LOGIN_FINISH, &csrf, &body).await;
        assert_refused(&reply, StatusCode::BAD_REQUEST);
        assert!(!is_signed_in(&agent).await, "{what} signed in");
    }

    // Registering needs a signed-in person.
    let reply = post_json(
        &app,
        &agent,
        REGISTER_START,
        &csrf,
        &json!({"password": PASSWORD}),
    )
    .await;
    assert_refused(&reply, StatusCode::UNAUTHORIZED);

    // The registration endpoints, for a signed-in person.
    let (signed, _) = signed_in_with_passkey(&app, "fia", &mut authenticator).await;
    let signed_csrf = data_csrf(&account_page(&signed).await);
    let reply = post_json(&app, &signed, REGISTER_FINISH, &signed_csrf, &json!({})).await;
    assert_refused(&reply, StatusCode::BAD_REQUEST);
    let registrations: [(&str, Vec<u8>, StatusCode); 5] = [
        ("not JSON", b"{\"name\": ".to_vec(), StatusCode::BAD_REQUEST),
        ("empty", Vec::new(), StatusCode::BAD_REQUEST),
        (
            "no credential",
            br#"{"name":"x"}"#.to_vec(),
            StatusCode::BAD_REQUEST,
        ),
        (
            "100 KB",
            format!(r#"{{"name":"{hundred_kb}"}}"#).into_bytes(),
            StatusCode::PAYLOAD_TOO_LARGE,
        ),
        (
            "garbage base64",
            json!({ "name": "x", "credential": {
                "id": "%%%", "rawId": "%%%", "type": "public-key",
                "response": { "attestationObject": "%%%", "clientDataJSON": "%%%" },
                "clientExtensionResults": {}
            }})
            .to_string()
            .into_bytes(),
            StatusCode::BAD_REQUEST,
        ),
    ];
    for (what, body, status) in registrations {
        let (csrf, _) = start_registration(&app, &signed).await;
        let response = post_raw(&app, &signed, REGISTER_FINISH, Some(&csrf), body).await;
        let reply = json_reply(response).await;
        assert_eq!(reply.0, status, "register, {what}: {}", reply.1);
        assert_refused(&reply, status);
    }
    // A real registration's answer, broken: an attestation object that is not CBOR.
    let (csrf, options) = start_registration(&app, &signed).await;
    let mut fresh = SoftAuthenticator::default();
    let mut credential = fresh.register(&options, &app.issuer).unwrap();
    credential["response"]["attestationObject"] = json!("AAAA");
    let body = json!({ "name": "Broken", "credential": credential });
    let reply = post_json(&app, &signed, REGISTER_FINISH, &csrf, &body).await;
    assert_refused(&reply, StatusCode::BAD_REQUEST);
    assert_eq!(app.store.list_passkeys(&user_id).await.unwrap().len(), 1);

    // After all that, a right answer still signs in.
    let options = start_login(&app, &agent, &csrf_of(&agent).await, "passwordless").await;
    let credential = authenticator.authenticate(&options, &app.issuer).unwrap();
    let body = json!({ "credential": credential });
    let reply = post_json(&app, &agent, LOGIN_FINISH, &csrf_of(&agent).await, &body).await;
    assert_eq!(reply.0, StatusCode::OK, "{}", reply.1);
    assert!(is_signed_in(&agent).await);
}

/// What a test does to a right answer, named.
type Breakage = (&'static str, fn(&mut Value));

/// The CSRF token of `agent`'s (signed-out) session, as the login page shows it.
async fn csrf_of(agent: &UserAgent) -> String {
    let (_, _, page) = agent.navigate("/login").await.page();
    data_csrf(&page)
}

#[tokio::test]
async fn passkey_requests_without_the_csrf_token_are_forbidden() {
    let app = passkey_app().await;
    let (_, mut authenticator) = person_with_passkey(&app, "gus").await;
    let (agent, csrf) = at_login_page(&app).await;
    let start = json!({ "mode": "passwordless" }).to_string();

    for token in [None, Some("wrong"), Some("")] {
        let response = post_raw(&app, &agent, LOGIN_START, token, start.clone()).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{token:?}");
    }
    let options = start_login(&app, &agent, &csrf, "passwordless").await;
    let credential = authenticator.authenticate(&options, &app.issuer).unwrap();
    let finish = json!({ "credential": credential }).to_string();
    for token in [None, Some("wrong")] {
        let response = post_raw(&app, &agent, LOGIN_FINISH, token, finish.clone()).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{token:?}");
    }
    assert!(!is_signed_in(&agent).await);
    // The token of another session is no better.
    let (other, other_csrf) = at_login_page(&app).await;
    let response = post_raw(&app, &other, LOGIN_START, Some(&csrf), start.clone()).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let response = post_raw(&app, &agent, LOGIN_START, Some(&other_csrf), start).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);

    let (signed, page) = signed_in_with_passkey(&app, "gus", &mut authenticator).await;
    let csrf = data_csrf(&page);
    for path in [REGISTER_START, REGISTER_FINISH] {
        for token in [None, Some("wrong")] {
            let response = post_raw(&app, &signed, path, token, "{}").await;
            assert_eq!(response.status(), StatusCode::FORBIDDEN, "{path} {token:?}");
        }
    }
    // The person's own token still works afterwards.
    let (status, _) = post_json(
        &app,
        &signed,
        REGISTER_START,
        &csrf,
        &json!({"password": PASSWORD}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn the_passkey_of_another_person_is_no_second_factor() {
    let app = passkey_app().await;
    let (_, mut eves) = person_with_passkey(&app, "eve").await;
    let (fay_id, _) = person_with_passkey(&app, "fay").await;

    let agent = UserAgent::new(&app);
    let landing = agent.navigate("/login").await;
    let (path, _, page) = agent.log_in(landing, "fay", PASSWORD).await.page();
    assert!(path.starts_with("/login/second-factor"), "{path}");
    let csrf = data_csrf(&page);
    let mut options = start_login(&app, &agent, &csrf, "second-factor").await;
    // Eve's authenticator would find nothing it holds among Fay's passkeys; made to answer
    // anyway (as a discoverable request), it signs with Eve's.
    options["publicKey"]["allowCredentials"] = json!([]);
    let credential = eves.authenticate(&options, &app.issuer).unwrap();
    let body = json!({ "credential": credential });
    let reply = post_json(&app, &agent, LOGIN_FINISH, &csrf, &body).await;
    assert_refused(&reply, StatusCode::BAD_REQUEST);
    assert!(!is_signed_in(&agent).await);

    let events = app
        .store
        .list_audit_events(Some(&fay_id), 100)
        .await
        .unwrap();
    assert!(
        events
            .iter()
            .any(|e| e.event == "login.passkey" && e.outcome == "failure"),
        "{events:?}"
    );
    assert!(
        !events
            .iter()
            .any(|e| e.event == "login.passkey" && e.outcome == "success"),
        "{events:?}"
    );
}

#[tokio::test]
async fn a_passkey_without_user_verification_is_refused() {
    let app = passkey_app().await;
    let user_id = app.person("hal", Role::Consumer).await;
    let (agent, _) = signed_in("hal", &app).await;

    let mut presence_only = SoftAuthenticator {
        user_verified: false,
        ..Default::default()
    };
    let (csrf, options) = start_registration(&app, &agent).await;
    let credential = presence_only.register(&options, &app.issuer).unwrap();
    let body = json!({ "name": "Old key", "credential": credential });
    let reply = post_json(&app, &agent, REGISTER_FINISH, &csrf, &body).await;
    assert_refused(&reply, StatusCode::BAD_REQUEST);
    assert!(app.store.list_passkeys(&user_id).await.unwrap().is_empty());

    // A registered passkey that later answers without verifying the person does not sign in.
    let mut authenticator = SoftAuthenticator::default();
    add_passkey(&app, &agent, &mut authenticator, "Phone").await;
    authenticator.user_verified = false;
    let (stranger, csrf) = at_login_page(&app).await;
    let options = start_login(&app, &stranger, &csrf, "passwordless").await;
    let credential = authenticator.authenticate(&options, &app.issuer).unwrap();
    let body = json!({ "credential": credential });
    let reply = post_json(&app, &stranger, LOGIN_FINISH, &csrf, &body).await;
    assert_refused(&reply, StatusCode::BAD_REQUEST);
    assert!(!is_signed_in(&stranger).await);
}

#[tokio::test]
async fn a_removed_passkey_no_longer_signs_in_and_every_step_is_audited() {
    let app = passkey_app().await;
    let (user_id, mut authenticator) = person_with_passkey(&app, "ivy").await;
    let credential_id = app.store.list_passkeys(&user_id).await.unwrap()[0]
        .credential_id
        .clone();

    // A sign-in with it, and a refused one.
    let (agent, csrf) = at_login_page(&app).await;
    let options = start_login(&app, &agent, &csrf, "passwordless").await;
    let credential = authenticator.authenticate(&options, &app.issuer).unwrap();
    let reply = post_json(
        &app,
        &agent,
        LOGIN_FINISH,
        &csrf,
        &json!({ "credential": credential }),
    )
    .await;
    assert_eq!(reply.0, StatusCode::OK, "{}", reply.1);
    let (stranger, csrf) = at_login_page(&app).await;
    let stale = start_login(&app, &stranger, &csrf, "passwordless").await;
    start_login(&app, &stranger, &csrf, "passwordless").await;
    let credential = authenticator.authenticate(&stale, &app.issuer).unwrap();
    let body = json!({ "credential": credential });
    let reply = post_json(&app, &stranger, LOGIN_FINISH, &csrf, &body).await;
    assert_refused(&reply, StatusCode::BAD_REQUEST);

    // Someone else cannot remove it.
    app.person("jon", Role::Consumer).await;
    let (jon, page) = signed_in("jon", &app).await;
    let csrf = hidden_fields(&page, "/logout")
        .into_iter()
        .find(|(n, _)| n == "csrf_token")
        .unwrap()
        .1;
    let response = jon
        .post(
            "/account/passkeys/delete",
            &[
                ("csrf_token", &csrf),
                ("credential_id", &credential_id),
                ("password", PASSWORD),
            ],
        )
        .await;
    let (_, _, page) = jon.follow(response).await.page();
    assert!(page.contains("That passkey was already gone."), "{page}");
    assert_eq!(app.store.list_passkeys(&user_id).await.unwrap().len(), 1);

    // Its owner can.
    let (owner, page) = signed_in_with_passkey(&app, "ivy", &mut authenticator).await;
    assert!(page.contains("Remove Phone"), "{page}");
    // Not without the password once more.
    let landing = owner
        .submit(&page, "/account/passkeys/delete", &[("password", "not it")])
        .await;
    let (_, _, page) = landing.page();
    assert!(
        page.contains("Your current password is not right."),
        "{page}"
    );
    assert_eq!(app.store.list_passkeys(&user_id).await.unwrap().len(), 1);
    let landing = owner
        .submit(&page, "/account/passkeys/delete", &[("password", PASSWORD)])
        .await;
    let (path, _, page) = landing.page();
    assert_eq!(path, "/account");
    assert!(page.contains("The passkey is removed."), "{page}");
    assert!(!page.contains("Remove Phone"), "{page}");
    assert!(app.store.list_passkeys(&user_id).await.unwrap().is_empty());
    // A second removal finds nothing.
    let csrf = data_csrf(&page);
    let response = owner
        .post(
            "/account/passkeys/delete",
            &[
                ("csrf_token", &csrf),
                ("credential_id", &credential_id),
                ("password", PASSWORD),
            ],
        )
        .await;
    let (_, _, page) = owner.follow(response).await.page();
    assert!(page.contains("That passkey was already gone."), "{page}");

    // The authenticator still holds it, but it signs no one in.
    let (agent, csrf) = at_login_page(&app).await;
    let options = start_login(&app, &agent, &csrf, "passwordless").await;
    let credential = authenticator.authenticate(&options, &app.issuer).unwrap();
    let body = json!({ "credential": credential });
    let reply = post_json(&app, &agent, LOGIN_FINISH, &csrf, &body).await;
    assert_refused(&reply, StatusCode::BAD_REQUEST);
    assert!(!is_signed_in(&agent).await);
    // And the password alone is enough again: no second-factor step.
    signed_in("ivy", &app).await;

    let events = app.store.list_audit_events(None, 100).await.unwrap();
    let has = |event: &str, outcome: &str, user: Option<&str>| {
        events
            .iter()
            .any(|e| e.event == event && e.outcome == outcome && e.user_id.as_deref() == user)
    };
    assert!(
        has("passkey.added", "success", Some(&user_id)),
        "{events:?}"
    );
    assert!(
        has("login.passkey", "success", Some(&user_id)),
        "{events:?}"
    );
    assert!(
        has("login.passkey", "failure", Some(&user_id)),
        "{events:?}"
    );
    assert!(has("login.passkey", "failure", None), "{events:?}");
    assert!(
        has("passkey.removed", "success", Some(&user_id)),
        "{events:?}"
    );
    let removed = events
        .iter()
        .filter(|e| e.event == "passkey.removed")
        .count();
    assert_eq!(removed, 1, "{events:?}");
    let added = events.iter().find(|e| e.event == "passkey.added").unwrap();
    assert_eq!(added.detail.as_deref(), Some("Phone"));
}

#[tokio::test]
async fn without_a_host_named_issuer_there_are_no_passkeys() {
    let app = TestApp::spawn().await;
    assert!(
        app.issuer.starts_with("http://127.0.0.1:"),
        "{}",
        app.issuer
    );
    app.person("kim", Role::Consumer).await;

    let agent = UserAgent::new(&app);
    let (_, _, page) = agent.navigate("/login").await.page();
    assert!(!page.contains("Sign in with a passkey"), "{page}");
    assert!(!page.contains("data-passkey-login"), "{page}");
    assert!(!page.contains("passkeys.js"), "{page}");
    let csrf = hidden_fields(&page, "/login")
        .into_iter()
        .find(|(n, _)| n == "csrf_token")
        .unwrap()
        .1;
    for mode in ["passwordless", "second-factor"] {
        let body = json!({ "mode": mode });
        let reply = post_json(&app, &agent, LOGIN_START, &csrf, &body).await;
        assert_refused(&reply, StatusCode::NOT_FOUND);
    }
    let reply = post_json(&app, &agent, LOGIN_FINISH, &csrf, &json!({})).await;
    assert_refused(&reply, StatusCode::NOT_FOUND);

    let (signed, page) = signed_in("kim", &app).await;
    assert!(!page.contains("Add a passkey"), "{page}");
    assert!(!page.contains("data-passkey-register"), "{page}");
    let csrf = hidden_fields(&page, "/logout")
        .into_iter()
        .find(|(n, _)| n == "csrf_token")
        .unwrap()
        .1;
    for path in [REGISTER_START, REGISTER_FINISH] {
        let reply = post_json(&app, &signed, path, &csrf, &json!({})).await;
        assert_refused(&reply, StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn a_cloned_authenticator_whose_counter_lags_is_refused() {
    let app = passkey_app().await;
    let (user_id, mut authenticator) = person_with_passkey(&app, "lou").await;

    // Used once alone (the stored counter becomes 1)...
    let (agent, csrf) = at_login_page(&app).await;
    let options = start_login(&app, &agent, &csrf, "passwordless").await;
    let credential = authenticator.authenticate(&options, &app.issuer).unwrap();
    let body = json!({ "credential": credential });
    let reply = post_json(&app, &agent, LOGIN_FINISH, &csrf, &body).await;
    assert_eq!(reply.0, StatusCode::OK, "{}", reply.1);
    // ...and once after the password (2).
    signed_in_with_passkey(&app, "lou", &mut authenticator).await;
    assert_eq!(authenticator.credentials[0].counter, 2);

    // A copy of the key taken before those, counting from where it was copied.
    authenticator.credentials[0].counter = 0;
    let (agent, csrf) = at_login_page(&app).await;
    let options = start_login(&app, &agent, &csrf, "passwordless").await;
    let credential = authenticator.authenticate(&options, &app.issuer).unwrap();
    let body = json!({ "credential": credential });
    let reply = post_json(&app, &agent, LOGIN_FINISH, &csrf, &body).await;
    assert_refused(&reply, StatusCode::BAD_REQUEST);
    assert!(!is_signed_in(&agent).await);

    // Nor as a second factor.
    authenticator.credentials[0].counter = 0;
    let agent = UserAgent::new(&app);
    let landing = agent.navigate("/login").await;
    let (path, _, page) = agent.log_in(landing, "lou", PASSWORD).await.page();
    assert!(path.starts_with("/login/second-factor"), "{path}");
    let csrf = data_csrf(&page);
    let options = start_login(&app, &agent, &csrf, "second-factor").await;
    let credential = authenticator.authenticate(&options, &app.issuer).unwrap();
    let body = json!({ "credential": credential });
    let reply = post_json(&app, &agent, LOGIN_FINISH, &csrf, &body).await;
    assert_refused(&reply, StatusCode::BAD_REQUEST);
    assert!(!is_signed_in(&agent).await);

    let events = app
        .store
        .list_audit_events(Some(&user_id), 100)
        .await
        .unwrap();
    let failures = events
        .iter()
        .filter(|e| e.event == "login.passkey" && e.outcome == "failure")
        .count();
    assert_eq!(failures, 2, "{events:?}");
}

#[tokio::test]
async fn a_passkey_for_another_relying_party_is_refused() {
    let app = passkey_app().await;
    let (_, mut authenticator) = person_with_passkey(&app, "max").await;
    let (agent, csrf) = at_login_page(&app).await;
    let mut options = start_login(&app, &agent, &csrf, "passwordless").await;
    // Signed for another relying party id (its hash leads the authenticator data).
    options["publicKey"]["rpId"] = json!("evil.example");
    authenticator.credentials[0].rp_id = "evil.example".into();
    let credential = authenticator.authenticate(&options, &app.issuer).unwrap();
    let body = json!({ "credential": credential });
    let reply = post_json(&app, &agent, LOGIN_FINISH, &csrf, &body).await;
    assert_refused(&reply, StatusCode::BAD_REQUEST);
    assert!(!is_signed_in(&agent).await);
}

#[tokio::test]
async fn the_passkey_step_after_the_password_expires() {
    let app = passkey_app().await;
    let (_, mut authenticator) = person_with_passkey(&app, "ned").await;
    let agent = UserAgent::new(&app);
    let landing = agent.navigate("/login").await;
    let (path, _, page) = agent.log_in(landing, "ned", PASSWORD).await.page();
    assert!(path.starts_with("/login/second-factor"), "{path}");
    let csrf = data_csrf(&page);
    let options = start_login(&app, &agent, &csrf, "second-factor").await;
    let credential = authenticator.authenticate(&options, &app.issuer).unwrap();

    // The password was right more than five minutes ago (and the challenge, as old, ran
    // out with it).
    app.clock.advance(301);
    let body = json!({ "credential": credential });
    let reply = post_json(&app, &agent, LOGIN_FINISH, &csrf, &body).await;
    let error = assert_refused(&reply, StatusCode::BAD_REQUEST);
    assert!(
        error.contains("password") || error.contains("expired"),
        "{error}"
    );
    assert!(!is_signed_in(&agent).await);
    let reply = post_json(
        &app,
        &agent,
        LOGIN_START,
        &csrf,
        &json!({ "mode": "second-factor" }),
    )
    .await;
    assert_refused(&reply, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn passkey_names_are_shown_as_text_and_an_account_holds_twenty() {
    let app = passkey_app().await;
    let user_id = app.person("oto", Role::Consumer).await;
    let (agent, _) = signed_in("oto", &app).await;
    let mut authenticator = SoftAuthenticator::default();
    add_passkey(
        &app,
        &agent,
        &mut authenticator,
        "<b>Bold</b> & \"quoted\"\u{7}",
    )
    .await;
    let page = account_page(&agent).await;
    assert!(!page.contains("<b>Bold</b>"), "{page}");
    assert!(page.contains("&#60;b&#62;Bold&#60;/b&#62;"), "{page}");
    let stored = app.store.list_passkeys(&user_id).await.unwrap();
    assert_eq!(
        stored[0].name, "<b>Bold</b> & \"quoted\"",
        "control characters dropped"
    );

    for n in 2..=20 {
        let mut fresh = SoftAuthenticator::default();
        add_passkey(&app, &agent, &mut fresh, &format!("Key {n}")).await;
    }
    assert_eq!(app.store.list_passkeys(&user_id).await.unwrap().len(), 20);
    let csrf = data_csrf(&account_page(&agent).await);
    let reply = post_json(
        &app,
        &agent,
        REGISTER_START,
        &csrf,
        &json!({"password": PASSWORD}),
    )
    .await;
    let error = assert_refused(&reply, StatusCode::BAD_REQUEST);
    assert!(error.contains("as many passkeys"), "{error}");
}

#[tokio::test]
async fn a_passkey_challenge_left_unanswered_for_five_minutes_expires() {
    let app = passkey_app().await;
    let (_, mut authenticator) = person_with_passkey(&app, "ned").await;
    let agent = UserAgent::new(&app);
    let (_, _, page) = agent.navigate("/login").await.page();
    let csrf = data_csrf(&page);
    let options = start_login(&app, &agent, &csrf, "passwordless").await;
    let credential = authenticator.authenticate(&options, &app.issuer).unwrap();
    app.clock.advance(301);
    let body = json!({ "credential": credential });
    let reply = post_json(&app, &agent, LOGIN_FINISH, &csrf, &body).await;
    let error = assert_refused(&reply, StatusCode::BAD_REQUEST);
    assert!(error.contains("expired"), "{error}");
    assert!(!is_signed_in(&agent).await);
}

#[tokio::test]
async fn adding_a_passkey_needs_the_password() {
    let app = passkey_app().await;
    app.person("ned", Role::Consumer).await;
    let (agent, page) = signed_in("ned", &app).await;
    let csrf = data_csrf(&page);
    let reply = post_json(
        &app,
        &agent,
        REGISTER_START,
        &csrf,
        &json!({"password": "nope"}),
    )
    .await;
    let error = assert_refused(&reply, StatusCode::BAD_REQUEST);
    assert!(error.contains("password"), "{error}");
    let reply = post_json(&app, &agent, REGISTER_START, &csrf, &json!({})).await;
    assert_refused(&reply, StatusCode::BAD_REQUEST);
}
