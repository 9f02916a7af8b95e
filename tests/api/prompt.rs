//! When the provider asks the person something, and when it must not: `prompt`, `max_age`,
//! `id_token_hint` (OpenID Connect Core §3.1.2.1) and remembered consent.

use crate::support::{
    Landing, PASSWORD, REDIRECT_URI, TestApp, TestClient, UserAgent, assert_redirect_error,
    code_from, token_json,
};
use farm_auth::accounts::users::Role;
use reqwest::StatusCode;

const SCOPE: &str = "openid profile";

/// A server where `ada` has signed in with a fresh browser and allowed a client for
/// [`SCOPE`]; returns the browser and the client.
async fn ada_signed_in(app: &TestApp) -> (UserAgent, TestClient) {
    app.person("ada", Role::Consumer).await;
    let client = app.web_client("openid profile email").await;
    let agent = UserAgent::new(app);
    let back = app.sign_in_and_allow(&agent, &client, "ada", SCOPE).await;
    code_from(app, &back);
    (agent, client)
}

/// The ID token claims for a code.
async fn id_token_for(app: &TestApp, client: &TestClient, code: &str) -> serde_json::Value {
    let tokens = token_json(app.exchange_code(client, code).await).await;
    app.verify_id_token(client, tokens["id_token"].as_str().unwrap())
        .await
}

/// Asserts the first answer to an authorization request is a redirect to the login page.
async fn assert_login_page(agent: &UserAgent, url: &str) -> Landing {
    let landing = agent.navigate(url).await;
    match &landing {
        Landing::Page { path, status, body } => {
            assert!(
                path.starts_with("/login?request="),
                "not the login page: {path}"
            );
            assert_eq!(*status, StatusCode::OK);
            assert!(body.contains("autocomplete=\"current-password\""));
        }
        Landing::Client(url) => panic!("expected the login page, went back to the client: {url}"),
    }
    landing
}

#[tokio::test]
async fn prompt_none_answers_at_once_when_signed_in_and_consented() {
    let app = TestApp::spawn().await;
    let (agent, client) = ada_signed_in(&app).await;
    let url = app.authorize_url(&client, SCOPE, &[("prompt", "none")]);
    // The very first response goes back to the client: no page at all.
    let response = agent.get(&url).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let location = response.headers()["location"].to_str().unwrap();
    let back = url::Url::parse(location).unwrap();
    let code = code_from(&app, &back);
    let claims = id_token_for(&app, &client, &code).await;
    assert_eq!(claims["preferred_username"], "ada");
    assert_eq!(claims["nonce"], "n-0S6");
}

#[tokio::test]
async fn prompt_none_without_a_session_answers_login_required() {
    let app = TestApp::spawn().await;
    let client = app.web_client(SCOPE).await;
    let agent = UserAgent::new(&app);
    let url = app.authorize_url(&client, SCOPE, &[("prompt", "none")]);
    let back = agent.navigate(&url).await.client();
    assert_redirect_error(&app, &back, "login_required");
}

#[tokio::test]
async fn prompt_none_before_consent_answers_consent_required() {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    let client = app.web_client(SCOPE).await;
    let agent = UserAgent::new(&app);
    // Signed in, but the consent page is left unanswered.
    let landing = agent
        .navigate(&app.authorize_url(&client, SCOPE, &[]))
        .await;
    let (path, _, _) = agent.log_in(landing, "ada", PASSWORD).await.page();
    assert!(path.starts_with("/consent?request="), "{path}");

    let url = app.authorize_url(&client, SCOPE, &[("prompt", "none")]);
    let back = agent.navigate(&url).await.client();
    assert_redirect_error(&app, &back, "consent_required");
}

#[tokio::test]
async fn prompt_login_asks_for_the_password_again_and_moves_auth_time() {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    let client = app.web_client(SCOPE).await;
    let agent = UserAgent::new(&app);
    let first_sign_in = app.clock.now();
    let back = app.sign_in_and_allow(&agent, &client, "ada", SCOPE).await;
    let first = id_token_for(&app, &client, &code_from(&app, &back)).await;
    assert_eq!(first["auth_time"], first_sign_in);

    app.clock.advance(30);
    let url = app.authorize_url(&client, SCOPE, &[("prompt", "login")]);
    let landing = assert_login_page(&agent, &url).await;
    // Consent is remembered: after the password, straight back to the client.
    let back = agent.log_in(landing, "ada", PASSWORD).await.client();
    let second = id_token_for(&app, &client, &code_from(&app, &back)).await;
    assert_eq!(second["auth_time"], first_sign_in + 30);
    assert_ne!(
        first["sid"], second["sid"],
        "a new sign-in is a new session"
    );
}

#[tokio::test]
async fn prompt_login_right_after_a_sign_in_still_asks_for_the_password() {
    let app = TestApp::spawn().await;
    // Same second of the server clock as the first sign-in: a timestamp cannot tell them apart.
    let (agent, client) = ada_signed_in(&app).await;
    let url = app.authorize_url(&client, SCOPE, &[("prompt", "login")]);
    let landing = assert_login_page(&agent, &url).await;
    let back = agent.log_in(landing, "ada", PASSWORD).await.client();
    code_from(&app, &back);
}

#[tokio::test]
async fn a_browser_unused_for_seven_days_must_sign_in_again() {
    let app = TestApp::spawn().await;
    let (agent, client) = ada_signed_in(&app).await;
    app.clock.advance(7 * 86_400 + 1);
    let url = app.authorize_url(&client, SCOPE, &[("prompt", "none")]);
    let back = agent.navigate(&url).await.client();
    assert_redirect_error(&app, &back, "login_required");
    let url = app.authorize_url(&client, SCOPE, &[]);
    assert_login_page(&agent, &url).await;
}

/// Every expiry decision follows the server's clock (STYLE "Time and randomness are
/// dependencies"): a session started after the clock moved on must work like any other.
#[tokio::test]
async fn after_an_idle_expiry_the_person_signs_in_again() {
    let app = TestApp::spawn().await;
    let (agent, client) = ada_signed_in(&app).await;
    app.clock.advance(7 * 86_400 + 1);
    let url = app.authorize_url(&client, SCOPE, &[]);
    let landing = assert_login_page(&agent, &url).await;
    // Consent outlives the browser session: back to the client at once.
    let back = agent.log_in(landing, "ada", PASSWORD).await.client();
    code_from(&app, &back);
}

/// OpenID Connect Core §3.1.2.1 (errata set 2): "max_age=0 is equivalent to prompt=login".
/// The request comes right after a sign-in, within the same second of the server clock.
#[tokio::test]
async fn max_age_zero_asks_for_the_password_even_right_after_a_sign_in() {
    let app = TestApp::spawn().await;
    let (agent, client) = ada_signed_in(&app).await;
    let url = app.authorize_url(&client, SCOPE, &[("max_age", "0")]);
    let landing = assert_login_page(&agent, &url).await;
    let back = agent.log_in(landing, "ada", PASSWORD).await.client();
    let claims = id_token_for(&app, &client, &code_from(&app, &back)).await;
    assert_eq!(claims["auth_time"], app.clock.now());
}

#[tokio::test]
async fn an_exceeded_max_age_asks_for_the_password_again() {
    let app = TestApp::spawn().await;
    let (agent, client) = ada_signed_in(&app).await;
    let signed_in_at = app.clock.now();

    // Exactly max_age seconds later: not exceeded yet, answered silently.
    app.clock.advance(300);
    let url = app.authorize_url(&client, SCOPE, &[("max_age", "300")]);
    let back = agent.navigate(&url).await.client();
    let claims = id_token_for(&app, &client, &code_from(&app, &back)).await;
    assert_eq!(claims["auth_time"], signed_in_at);

    // One second more: the person signs in again, and auth_time says so.
    app.clock.advance(1);
    let landing = assert_login_page(&agent, &url).await;
    let back = agent.log_in(landing, "ada", PASSWORD).await.client();
    let claims = id_token_for(&app, &client, &code_from(&app, &back)).await;
    assert_eq!(claims["auth_time"], signed_in_at + 301);

    // With prompt=none an exceeded max_age cannot be satisfied.
    app.clock.advance(301);
    let silent = app.authorize_url(&client, SCOPE, &[("max_age", "300"), ("prompt", "none")]);
    let back = agent.navigate(&silent).await.client();
    assert_redirect_error(&app, &back, "login_required");
}

#[tokio::test]
async fn consent_is_remembered_and_asked_again_when_the_scope_grows() {
    let app = TestApp::spawn().await;
    let (agent, client) = ada_signed_in(&app).await;

    // The same scopes again: no page.
    let back = agent
        .navigate(&app.authorize_url(&client, SCOPE, &[]))
        .await
        .client();
    code_from(&app, &back);

    // One scope more: the consent page, naming what is new.
    let wider = "openid profile email";
    let landing = agent
        .navigate(&app.authorize_url(&client, wider, &[]))
        .await;
    let (path, status, body) = landing.page();
    assert!(path.starts_with("/consent?request="), "{path}");
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("See your email address"), "{body}");
    let landing = Landing::Page { path, status, body };
    let back = agent.consent(landing, "allow").await.client();
    let claims = id_token_for(&app, &client, &code_from(&app, &back)).await;
    assert_eq!(claims["email"], "ada@farm.example");

    // Everything asked since is covered, in any subset.
    for scope in [wider, "openid email", "openid"] {
        let back = agent
            .navigate(&app.authorize_url(&client, scope, &[]))
            .await
            .client();
        code_from(&app, &back);
    }
}

#[tokio::test]
async fn prompt_consent_shows_the_consent_page_again() {
    let app = TestApp::spawn().await;
    let (agent, client) = ada_signed_in(&app).await;
    let url = app.authorize_url(&client, SCOPE, &[("prompt", "consent")]);
    let landing = agent.navigate(&url).await;
    let back = agent.consent(landing, "allow").await.client();
    code_from(&app, &back);
}

#[tokio::test]
async fn denying_consent_sends_access_denied_with_state_and_iss() {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    let client = app.web_client(SCOPE).await;
    let agent = UserAgent::new(&app);
    let url = app.authorize_url(&client, SCOPE, &[]);
    let landing = agent.navigate(&url).await;
    let landing = agent.log_in(landing, "ada", PASSWORD).await;
    let back = agent.consent(landing, "deny").await.client();
    assert_redirect_error(&app, &back, "access_denied");

    // A refusal is not remembered as consent.
    let landing = agent.navigate(&url).await;
    let (path, _, _) = landing.page();
    assert!(path.starts_with("/consent?request="), "{path}");
}

#[tokio::test]
async fn an_id_token_hint_for_someone_else_asks_for_a_sign_in() {
    let app = TestApp::spawn().await;
    let (ada_agent, client) = ada_signed_in(&app).await;
    let bob = app.person("bob", Role::Farmer).await;
    let bob_agent = UserAgent::new(&app);
    let bob_tokens = app
        .sign_in_for_tokens(&bob_agent, &client, "bob", SCOPE)
        .await;
    let bob_id_token = bob_tokens["id_token"].as_str().unwrap();

    // Silently: impossible, someone else is signed in.
    let silent = app.authorize_url(
        &client,
        SCOPE,
        &[("id_token_hint", bob_id_token), ("prompt", "none")],
    );
    let back = ada_agent.navigate(&silent).await.client();
    assert_redirect_error(&app, &back, "login_required");

    // Otherwise the login page, and the code is for the person who signs in there.
    let url = app.authorize_url(&client, SCOPE, &[("id_token_hint", bob_id_token)]);
    let landing = assert_login_page(&ada_agent, &url).await;
    let back = ada_agent.log_in(landing, "bob", PASSWORD).await.client();
    let claims = id_token_for(&app, &client, &code_from(&app, &back)).await;
    assert_eq!(claims["sub"], bob);

    // A hint for the person signed in is answered silently.
    let own = app.authorize_url(
        &client,
        SCOPE,
        &[("id_token_hint", bob_id_token), ("prompt", "none")],
    );
    let back = bob_agent.navigate(&own).await.client();
    code_from(&app, &back);
}

#[tokio::test]
async fn a_wrong_password_brings_the_login_form_back_with_the_reason() {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    let client = app.web_client(SCOPE).await;
    let agent = UserAgent::new(&app);
    let landing = agent
        .navigate(&app.authorize_url(&client, SCOPE, &[]))
        .await;
    let landing = agent.log_in(landing, "ada", "not the password").await;
    let (path, status, body) = landing.page();
    // Reached through a 303 (Post/Redirect/Get): a reload does not send the password again.
    assert_eq!(status, StatusCode::OK);
    assert!(path.starts_with("/login?request="), "{path}");
    assert!(body.contains("The username or password is wrong."));
    // The same request goes on from the form shown again.
    let landing = Landing::Page { path, status, body };
    let landing = agent.log_in(landing, "ada", PASSWORD).await;
    let back = agent.consent(landing, "allow").await.client();
    assert!(back.as_str().starts_with(REDIRECT_URI));
    code_from(&app, &back);
}

/// Signing in, for a request whose id_token_hint names someone else, as yet another person
/// ends the request with login_required instead of showing the login page forever.
#[tokio::test]
async fn signing_in_as_someone_other_than_the_hint_names_ends_with_login_required() {
    let app = TestApp::spawn().await;
    let (ada_agent, client) = ada_signed_in(&app).await;
    app.person("bob", Role::Farmer).await;
    let bob_agent = UserAgent::new(&app);
    let bob_tokens = app
        .sign_in_for_tokens(&bob_agent, &client, "bob", SCOPE)
        .await;
    let bob_id_token = bob_tokens["id_token"].as_str().unwrap();
    let url = app.authorize_url(&client, SCOPE, &[("id_token_hint", bob_id_token)]);
    let landing = assert_login_page(&ada_agent, &url).await;
    let back = ada_agent.log_in(landing, "ada", PASSWORD).await.client();
    assert_redirect_error(&app, &back, "login_required");
}

/// RFC 8252 §8.6: a public client with a loopback or private-use redirect URI cannot prove
/// which app it is, so remembered consent does not count for it: the person is asked each
/// time, and prompt=none cannot get a code silently.
#[tokio::test]
async fn a_native_public_client_asks_for_consent_every_time() {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    let redirect = "http://127.0.0.1:8765/callback";
    let client = app
        .register(farm_auth::oauth2::client_metadata::NewClient {
            name: "Farm app".into(),
            redirect_uris: vec![redirect.into()],
            scope: Some(SCOPE.into()),
            public: true,
            ..Default::default()
        })
        .await;
    let agent = UserAgent::new(&app);
    let url = app.authorize_url(&client, SCOPE, &[("redirect_uri", redirect)]);
    let landing = agent.navigate(&url).await;
    let landing = agent.log_in(landing, "ada", PASSWORD).await;
    agent.consent(landing, "allow").await.client();

    let again = agent.navigate(&url).await;
    agent.consent(again, "allow").await.client();
    let silent = app.authorize_url(
        &client,
        SCOPE,
        &[("redirect_uri", redirect), ("prompt", "none")],
    );
    let back = agent.navigate(&silent).await.client();
    assert_eq!(
        Landing::param(&back, "error").as_deref(),
        Some("consent_required")
    );
}

#[tokio::test]
async fn a_consent_that_would_outgrow_a_scope_replaces_the_one_before() {
    use farm_auth::accounts::admin::Actor;
    use farm_auth::oauth2::client_metadata::NewClient;
    use farm_auth::oauth2::operator;

    // A scope holds at most 50 tokens. Ada allows all 50 the app first asks for; the app is
    // then given 50 others, and she allows ten of those.
    let tokens = |prefix: &str| -> Vec<String> {
        std::iter::once("openid".to_string())
            .chain((1..50).map(|i| format!("{prefix}{i}")))
            .collect()
    };
    let (first, second) = (tokens("a").join(" "), tokens("b").join(" "));
    let app = TestApp::spawn().await;
    let ada = app.person("ada", Role::Consumer).await;
    let client = app.web_client(&first).await;
    let agent = UserAgent::new(&app);
    code_from(
        &app,
        &app.sign_in_and_allow(&agent, &client, "ada", &first).await,
    );

    let new = NewClient {
        name: "Veggie Box".into(),
        redirect_uris: vec![REDIRECT_URI.into()],
        grant_types: vec!["authorization_code".into(), "refresh_token".into()],
        scope: Some(second.clone()),
        ..Default::default()
    };
    operator::update_client(&app.state, Actor::CommandLine, &client.id, new)
        .await
        .expect("scopes replaced");
    let ten = tokens("b")[..11].join(" ");
    let landing = agent.navigate(&app.authorize_url(&client, &ten, &[])).await;
    code_from(&app, &agent.consent(landing, "allow").await.client());

    // What she allowed last is remembered (no page, no error), and nothing more: the
    // first consent made way for it.
    let back = agent
        .navigate(&app.authorize_url(&client, &ten, &[]))
        .await
        .client();
    code_from(&app, &back);
    let remembered = app.store.find_consent(&ada, &client.id).await;
    assert_eq!(
        remembered
            .expect("a readable consent")
            .map(|s| s.to_string()),
        Some(ten)
    );
}
