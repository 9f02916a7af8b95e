//! RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0) at the end-session endpoint.

use crate::support::{
    PASSWORD, POST_LOGOUT_URI, TestApp, TestClient, UserAgent, assert_redirect_error, code_from,
    hidden_fields, is_signed_in, token_json, unescape,
};
use farm_auth::accounts::users::Role;
use reqwest::{Response, StatusCode};
use url::Url;

const SCOPE: &str = "openid profile";

/// A browser where `ada` signed in to a web client, and her ID token.
async fn ada_signed_in(app: &TestApp) -> (UserAgent, TestClient, String) {
    app.person("ada", Role::Consumer).await;
    let client = app.web_client(SCOPE).await;
    let agent = UserAgent::new(app);
    let tokens = app.sign_in_for_tokens(&agent, &client, "ada", SCOPE).await;
    let id_token = tokens["id_token"].as_str().unwrap().to_string();
    (agent, client, id_token)
}

/// The end-session URL (at the server's address) with `params`.
async fn logout_url(app: &TestApp, params: &[(&str, &str)]) -> String {
    let mut url = Url::parse(&app.endpoint("end_session_endpoint").await).unwrap();
    url.query_pairs_mut().extend_pairs(params);
    url.to_string()
}

/// Whether the browser's session still signs `ada` in without a page.
async fn still_signed_in(app: &TestApp, agent: &UserAgent, client: &TestClient) -> bool {
    let url = app.authorize_url(client, SCOPE, &[("prompt", "none")]);
    let back = agent.navigate(&url).await.client();
    if crate::support::Landing::param(&back, "code").is_some() {
        code_from(app, &back);
        return true;
    }
    assert_redirect_error(app, &back, "login_required");
    false
}

/// Asserts an error page at the provider: 400, HTML, and no redirect.
async fn assert_error_page(response: Response) -> String {
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(response.headers().get("location").is_none());
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    response.text().await.unwrap()
}

#[tokio::test]
async fn a_valid_hint_signs_out_at_once_and_returns_with_state() {
    let app = TestApp::spawn().await;
    let (agent, client, id_token) = ada_signed_in(&app).await;
    let url = logout_url(
        &app,
        &[
            ("id_token_hint", &id_token),
            ("post_logout_redirect_uri", POST_LOGOUT_URI),
            ("state", "s&1"),
        ],
    )
    .await;
    let response = agent.get(&url).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        response.headers()["location"],
        format!("{POST_LOGOUT_URI}?state=s%261").as_str()
    );
    assert!(!still_signed_in(&app, &agent, &client).await);
}

#[tokio::test]
async fn logout_without_a_hint_asks_first_and_then_ends_the_session() {
    let app = TestApp::spawn().await;
    let (agent, client, _) = ada_signed_in(&app).await;
    let url = logout_url(
        &app,
        &[
            ("client_id", &client.id),
            ("post_logout_redirect_uri", POST_LOGOUT_URI),
            ("state", "bye"),
        ],
    )
    .await;
    let (_, status, page) = agent.navigate(&url).await.page();
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("<strong>ada</strong>"),
        "who is signed in: {page}"
    );
    let fields = hidden_fields(&page, "/logout");
    let value = |name: &str| {
        fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(value("confirm"), Some("yes"));
    assert_eq!(value("client_id"), Some(client.id.as_str()));
    assert_eq!(value("post_logout_redirect_uri"), Some(POST_LOGOUT_URI));
    assert_eq!(value("state"), Some("bye"));
    assert!(value("csrf_token").is_some_and(|t| !t.is_empty()));
    // Asking did not sign anyone out.
    assert!(still_signed_in(&app, &agent, &client).await);

    let (_, _, page) = agent.navigate(&url).await.page();
    let back = agent.submit(&page, "/logout", &[]).await.client();
    assert_eq!(back.as_str(), format!("{POST_LOGOUT_URI}?state=bye"));
    assert!(!still_signed_in(&app, &agent, &client).await);
}

#[tokio::test]
async fn the_confirmation_needs_the_forms_csrf_token() {
    let app = TestApp::spawn().await;
    let (agent, client, _) = ada_signed_in(&app).await;
    let response = agent
        .post("/logout", &[("confirm", "yes"), ("csrf_token", "forged")])
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(response.headers().get("location").is_none());
    assert!(still_signed_in(&app, &agent, &client).await);
}

#[tokio::test]
async fn a_hint_for_someone_else_asks_for_confirmation() {
    let app = TestApp::spawn().await;
    let (ada_agent, client, _) = ada_signed_in(&app).await;
    app.person("bob", Role::Farmer).await;
    let bob_agent = UserAgent::new(&app);
    let bob = app
        .sign_in_for_tokens(&bob_agent, &client, "bob", SCOPE)
        .await;
    let url = logout_url(
        &app,
        &[
            ("id_token_hint", bob["id_token"].as_str().unwrap()),
            ("post_logout_redirect_uri", POST_LOGOUT_URI),
        ],
    )
    .await;
    let (_, status, page) = ada_agent.navigate(&url).await.page();
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("name=\"confirm\" value=\"yes\""), "{page}");
    assert!(still_signed_in(&app, &ada_agent, &client).await);
}

#[tokio::test]
async fn an_unregistered_return_address_shows_an_error_page() {
    let app = TestApp::spawn().await;
    let (agent, client, id_token) = ada_signed_in(&app).await;
    for params in [
        vec![
            ("id_token_hint", id_token.as_str()),
            ("post_logout_redirect_uri", "https://evil.example/"),
        ],
        vec![
            ("client_id", client.id.as_str()),
            ("post_logout_redirect_uri", "https://rp.example/callback"),
        ],
        // No client named at all: nothing to check the address against.
        vec![("post_logout_redirect_uri", POST_LOGOUT_URI)],
    ] {
        let response = agent.get(&logout_url(&app, &params).await).await;
        let page = assert_error_page(response).await;
        assert!(!page.contains("evil.example"), "{page}");
    }
    assert!(still_signed_in(&app, &agent, &client).await);
}

#[tokio::test]
async fn a_forged_id_token_hint_shows_an_error_page() {
    let app = TestApp::spawn().await;
    let (agent, client, id_token) = ada_signed_in(&app).await;
    // Signed by another provider's key, and one with its signature altered.
    let other = TestApp::spawn().await;
    let (_, _, foreign) = ada_signed_in(&other).await;
    let mut altered = id_token.clone();
    altered.pop();
    altered.push(if id_token.ends_with('A') { 'B' } else { 'A' });
    for hint in [foreign.as_str(), altered.as_str(), "garbage"] {
        let url = logout_url(
            &app,
            &[
                ("id_token_hint", hint),
                ("post_logout_redirect_uri", POST_LOGOUT_URI),
            ],
        )
        .await;
        assert_error_page(agent.get(&url).await).await;
    }
    assert!(still_signed_in(&app, &agent, &client).await);
}

#[tokio::test]
async fn logout_with_nobody_signed_in_says_so_or_returns() {
    let app = TestApp::spawn().await;
    let (_, client, id_token) = ada_signed_in(&app).await;
    let stranger = UserAgent::new(&app);
    let url = logout_url(&app, &[]).await;
    let (_, status, page) = stranger.navigate(&url).await.page();
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("You are signed out"), "{page}");

    let url = logout_url(
        &app,
        &[
            ("client_id", &client.id),
            ("post_logout_redirect_uri", POST_LOGOUT_URI),
        ],
    )
    .await;
    let back = stranger.navigate(&url).await.client();
    assert_eq!(back.as_str(), POST_LOGOUT_URI);
    let url = logout_url(
        &app,
        &[
            ("id_token_hint", &id_token),
            ("post_logout_redirect_uri", POST_LOGOUT_URI),
            ("state", "x"),
        ],
    )
    .await;
    let back = stranger.navigate(&url).await.client();
    assert_eq!(back.as_str(), format!("{POST_LOGOUT_URI}?state=x"));
}

/// RP-Initiated Logout §2: the OP MUST accept the request by POST. A cross-site POST carries
/// no SameSite=Lax cookie, so the provider sends it back as the same GET, which does; the
/// session really ends.
#[tokio::test]
async fn a_logout_request_posted_by_the_client_ends_the_session_it_cannot_see_at_first() {
    let app = TestApp::spawn().await;
    let (agent, client, id_token) = ada_signed_in(&app).await;
    let form = [
        ("id_token_hint", id_token.as_str()),
        ("post_logout_redirect_uri", POST_LOGOUT_URI),
        ("state", "bye"),
    ];
    // As the browser sends a cross-site form POST: without the cookie.
    let cookieless = UserAgent::new(&app);
    let posted = cookieless.post("/logout", &form).await;
    assert_eq!(posted.status(), StatusCode::SEE_OTHER);
    let again = posted.headers()["location"].to_str().unwrap().to_string();
    assert!(again.starts_with("/logout?"), "{again}");
    // The redirected GET is top-level navigation: the cookie comes along.
    let response = agent.get(&again).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        response.headers()["location"],
        format!("{POST_LOGOUT_URI}?state=bye").as_str()
    );
    assert!(!still_signed_in(&app, &agent, &client).await);
}

/// Signs `username` in again in `agent` (consent is remembered) and returns the new ID token.
async fn sign_in_again(
    app: &TestApp,
    agent: &UserAgent,
    client: &TestClient,
    username: &str,
) -> String {
    let landing = agent.navigate(&app.authorize_url(client, SCOPE, &[])).await;
    let back = agent.log_in(landing, username, PASSWORD).await.client();
    let code = code_from(app, &back);
    let tokens = token_json(app.exchange_code(client, &code).await).await;
    tokens["id_token"].as_str().unwrap().to_string()
}

/// RP-Initiated Logout §2: only an ID token of the current session (its `sid`) proves the
/// request current; one kept from an earlier sign-in of the same person does not.
#[tokio::test]
async fn an_id_token_of_an_earlier_session_asks_first() {
    let app = TestApp::spawn().await;
    let (agent, client, old) = ada_signed_in(&app).await;
    let url = logout_url(&app, &[("id_token_hint", &old)]).await;
    let (_, _, page) = agent.navigate(&url).await.page();
    assert!(page.contains("You are signed out"), "{page}");
    let current = sign_in_again(&app, &agent, &client, "ada").await;

    let stale = logout_url(
        &app,
        &[
            ("id_token_hint", &old),
            ("post_logout_redirect_uri", POST_LOGOUT_URI),
        ],
    )
    .await;
    let (_, status, page) = agent.navigate(&stale).await.page();
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("name=\"confirm\" value=\"yes\""), "{page}");
    assert!(still_signed_in(&app, &agent, &client).await);

    let fresh = logout_url(
        &app,
        &[
            ("id_token_hint", &current),
            ("post_logout_redirect_uri", POST_LOGOUT_URI),
        ],
    )
    .await;
    let back = agent.navigate(&fresh).await.client();
    assert_eq!(back.as_str(), POST_LOGOUT_URI);
    assert!(!still_signed_in(&app, &agent, &client).await);
}

/// A browser where `ada` signed in to a vendor's app, the app, and her ID token.
async fn ada_signed_in_to_a_vendor_app(app: &TestApp) -> (UserAgent, TestClient, String) {
    app.person("ada", Role::Consumer).await;
    let client = app.vendor_web_client(SCOPE).await;
    let agent = UserAgent::new(app);
    let tokens = app.sign_in_for_tokens(&agent, &client, "ada", SCOPE).await;
    let id_token = tokens["id_token"].as_str().unwrap().to_string();
    (agent, client, id_token)
}

/// Asserts the signed-out page with a link back to the vendor's app, and no redirect.
async fn assert_way_back_offered(response: Response, to: &str) {
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers().get("location").is_none());
    let page = response.text().await.unwrap();
    assert!(page.contains("You are signed out"), "{page}");
    assert!(page.contains(">Return to Acme Till</a>"), "{page}");
    let href = format!("href=\"{to}\"");
    assert!(unescape(&page).contains(&href), "{page}");
}

/// RFC 9700 §4.11.2: a stranger's browser is not sent to a vendor's return address.
#[tokio::test]
async fn a_vendor_apps_return_address_is_only_offered_to_a_stranger() {
    let app = TestApp::spawn().await;
    let (_, client, id_token) = ada_signed_in_to_a_vendor_app(&app).await;
    let stranger = UserAgent::new(&app);
    for params in [
        vec![
            ("client_id", client.id.as_str()),
            ("post_logout_redirect_uri", POST_LOGOUT_URI),
            ("state", "s1"),
        ],
        vec![
            ("id_token_hint", id_token.as_str()),
            ("post_logout_redirect_uri", POST_LOGOUT_URI),
            ("state", "s1"),
        ],
    ] {
        let response = stranger.get(&logout_url(&app, &params).await).await;
        assert_way_back_offered(response, &format!("{POST_LOGOUT_URI}?state=s1")).await;
    }
}

#[tokio::test]
async fn a_vendor_apps_hint_for_the_current_session_signs_out_and_returns_at_once() {
    let app = TestApp::spawn().await;
    let (agent, _, id_token) = ada_signed_in_to_a_vendor_app(&app).await;
    let url = logout_url(
        &app,
        &[
            ("id_token_hint", &id_token),
            ("post_logout_redirect_uri", POST_LOGOUT_URI),
        ],
    )
    .await;
    let back = agent.navigate(&url).await.client();
    assert_eq!(back.as_str(), POST_LOGOUT_URI);
    assert!(!is_signed_in(&agent).await);
}

#[tokio::test]
async fn a_vendor_apps_logout_confirmed_by_the_person_returns_to_it() {
    let app = TestApp::spawn().await;
    let (agent, client, _) = ada_signed_in_to_a_vendor_app(&app).await;
    let url = logout_url(
        &app,
        &[
            ("client_id", &client.id),
            ("post_logout_redirect_uri", POST_LOGOUT_URI),
            ("state", "bye"),
        ],
    )
    .await;
    let (_, _, page) = agent.navigate(&url).await.page();
    assert!(is_signed_in(&agent).await);
    let back = agent.submit(&page, "/logout", &[]).await.client();
    assert_eq!(back.as_str(), format!("{POST_LOGOUT_URI}?state=bye"));
    assert!(!is_signed_in(&agent).await);
}
