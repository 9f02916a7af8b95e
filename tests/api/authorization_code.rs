//! The authorization code flow end to end, as a browser and a relying party see it.

use std::collections::HashMap;

use crate::support::{
    Landing, PASSWORD, REDIRECT_URI, TestApp, TestClient, UserAgent, VERIFIER, assert_oauth_error,
    assert_redirect_error, code_from, hidden_fields, set_cookie, token_json,
};
use base64::Engine;
use farm_auth::accounts::users::Role;
use farm_auth::oauth2::client_metadata::NewClient;
use reqwest::StatusCode;
use serde_json::Value;

const SCOPE: &str = "openid profile";
/// The browser session cookie's name on an `http://` issuer.
const SESSION_COOKIE: &str = "farm_auth_session";

#[tokio::test]
async fn a_person_signs_in_allows_the_app_and_the_app_gets_tokens() {
    let app = TestApp::spawn().await;
    let sub = app.person("ada", Role::Farmer).await;
    let client = app.web_client("openid profile email roles").await;
    let agent = UserAgent::new(&app);

    let back = app
        .sign_in_and_allow(&agent, &client, "ada", "openid profile email roles")
        .await;
    assert!(back.as_str().starts_with(crate::support::REDIRECT_URI));
    assert_eq!(Landing::param(&back, "state").as_deref(), Some("xyz"));
    assert_eq!(
        Landing::param(&back, "iss").as_deref(),
        Some(app.issuer.as_str())
    );
    let code = Landing::param(&back, "code").unwrap();

    let response = app.exchange_code(&client, &code).await;
    assert_eq!(response.status(), StatusCode::OK);
    let tokens: Value = response.json().await.unwrap();
    assert_eq!(tokens["token_type"], "Bearer");
    assert!(
        tokens.get("refresh_token").is_none(),
        "no offline_access asked"
    );
    let access = app
        .verify_like_a_resource_server(tokens["access_token"].as_str().unwrap())
        .await
        .unwrap();
    assert_eq!(access["sub"], sub);
    assert_eq!(access["roles"], serde_json::json!(["farmer"]));

    // The same code a second time: refused.
    let again = app.exchange_code(&client, &code).await;
    assert_oauth_error(again, StatusCode::BAD_REQUEST, "invalid_grant").await;
}

/// A server with `ada` and a web client allowed [`SCOPE`], and a browser where she signed
/// in and allowed it once.
async fn ada_signed_in(app: &TestApp) -> (UserAgent, TestClient) {
    app.person("ada", Role::Consumer).await;
    let client = app.web_client(SCOPE).await;
    let agent = UserAgent::new(app);
    let back = app.sign_in_and_allow(&agent, &client, "ada", SCOPE).await;
    code_from(app, &back);
    (agent, client)
}

/// A fresh code for `client`, from a browser that signed in and consented already.
async fn fresh_code(app: &TestApp, agent: &UserAgent, client: &TestClient) -> String {
    let back = agent
        .navigate(&app.authorize_url(client, SCOPE, &[]))
        .await
        .client();
    code_from(app, &back)
}

#[tokio::test]
async fn form_post_delivers_code_state_and_iss_in_a_self_submitting_page() {
    let app = TestApp::spawn().await;
    let (agent, client) = ada_signed_in(&app).await;
    let url = app.authorize_url(&client, SCOPE, &[("response_mode", "form_post")]);
    let response = agent.get(&url).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let csp = response.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    let page = response.text().await.unwrap();

    // The form posts to the redirect URI (hidden_fields finds it by its action).
    let fields: HashMap<String, String> = hidden_fields(&page, REDIRECT_URI).into_iter().collect();
    let mut names: Vec<&str> = fields.keys().map(String::as_str).collect();
    names.sort();
    assert_eq!(names, ["code", "iss", "state"]);
    assert_eq!(fields["state"], "xyz");
    assert_eq!(fields["iss"], app.issuer);

    // The inline script is allowed by its hash, and by nothing else.
    let script = &page[page.find("<script>").expect("a script") + 8..];
    let script = &script[..script.find("</script>").unwrap()];
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, script.as_bytes());
    let hash = base64::engine::general_purpose::STANDARD.encode(digest.as_ref());
    assert!(
        csp.contains(&format!("script-src 'sha256-{hash}';")),
        "CSP: {csp}"
    );
    assert!(
        csp.contains("form-action 'self' https://rp.example"),
        "CSP: {csp}"
    );

    let tokens = token_json(app.exchange_code(&client, &fields["code"]).await).await;
    assert_eq!(tokens["token_type"], "Bearer");
}

#[tokio::test]
async fn the_authorization_request_may_be_sent_as_a_form_post() {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    let client = app.web_client(SCOPE).await;
    let agent = UserAgent::new(&app);
    let url = url::Url::parse(&app.authorize_url(&client, SCOPE, &[])).unwrap();
    let params: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    let form: Vec<(&str, &str)> = params
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();

    let response = agent.post("/oauth2/authorize", &form).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let location = response.headers()["location"].to_str().unwrap().to_string();
    let again = url::Url::parse(&format!("{}{location}", app.address)).unwrap();
    assert_eq!(again.path(), "/oauth2/authorize");
    let resent: Vec<(String, String)> = again.query_pairs().into_owned().collect();
    assert_eq!(resent, params, "the same request, as a GET");

    let landing = agent.follow(response).await;
    let landing = agent.log_in(landing, "ada", PASSWORD).await;
    let back = agent.consent(landing, "allow").await.client();
    let code = code_from(&app, &back);
    token_json(app.exchange_code(&client, &code).await).await;
}

#[tokio::test]
async fn login_hint_fills_in_the_username() {
    let app = TestApp::spawn().await;
    let client = app.web_client(SCOPE).await;
    let agent = UserAgent::new(&app);
    let url = app.authorize_url(&client, SCOPE, &[("login_hint", "ada")]);
    let (path, status, body) = agent.navigate(&url).await.page();
    assert!(path.starts_with("/login?request="), "{path}");
    assert_eq!(status, StatusCode::OK);
    let input = &body[body.find("<input id=\"username\"").expect("username input")..];
    let input = &input[..input.find('>').unwrap()];
    assert!(input.contains(" value=\"ada\""), "{input}");

    // Without a hint the field is empty.
    let url = app.authorize_url(&client, SCOPE, &[]);
    let (_, _, body) = agent.navigate(&url).await.page();
    let input = &body[body.find("<input id=\"username\"").expect("username input")..];
    let input = &input[..input.find('>').unwrap()];
    assert!(input.contains(" value=\"\""), "{input}");
}

#[tokio::test]
async fn a_code_older_than_sixty_seconds_is_refused() {
    let app = TestApp::spawn().await;
    let (agent, client) = ada_signed_in(&app).await;
    let code = fresh_code(&app, &agent, &client).await;
    app.clock.advance(61);
    let response = app.exchange_code(&client, &code).await;
    assert_oauth_error(response, StatusCode::BAD_REQUEST, "invalid_grant").await;
}

#[tokio::test]
async fn a_code_issued_to_another_client_is_refused() {
    let app = TestApp::spawn().await;
    let (agent, client) = ada_signed_in(&app).await;
    let other = app.web_client(SCOPE).await;
    let code = fresh_code(&app, &agent, &client).await;
    let response = app.exchange_code(&other, &code).await;
    assert_oauth_error(response, StatusCode::BAD_REQUEST, "invalid_grant").await;
}

#[tokio::test]
async fn a_different_redirect_uri_at_the_token_endpoint_is_refused() {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    let other_uri = "https://rp.example/other-callback";
    let client = app
        .register(NewClient {
            name: "Two Doors".into(),
            redirect_uris: vec![REDIRECT_URI.into(), other_uri.into()],
            scope: Some(SCOPE.into()),
            ..Default::default()
        })
        .await;
    let agent = UserAgent::new(&app);
    app.sign_in_and_allow(&agent, &client, "ada", SCOPE).await;
    // Registered for the client but not the one the code was sent to, unregistered, or
    // left out (RFC 6749 §4.1.3: required when the authorization request had it).
    for redirect_uri in [Some(other_uri), Some("https://evil.example/callback"), None] {
        let code = fresh_code(&app, &agent, &client).await;
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("code_verifier", VERIFIER),
        ];
        form.extend(redirect_uri.map(|uri| ("redirect_uri", uri)));
        let response = app.post_form("token_endpoint", Some(&client), &form).await;
        assert_oauth_error(response, StatusCode::BAD_REQUEST, "invalid_grant").await;
    }
}

#[tokio::test]
async fn a_wrong_code_verifier_is_refused() {
    let app = TestApp::spawn().await;
    let (agent, client) = ada_signed_in(&app).await;
    let code = fresh_code(&app, &agent, &client).await;
    let wrong = "a".repeat(43);
    let response = app
        .post_form(
            "token_endpoint",
            Some(&client),
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", REDIRECT_URI),
                ("code_verifier", &wrong),
            ],
        )
        .await;
    assert_oauth_error(response, StatusCode::BAD_REQUEST, "invalid_grant").await;
}

#[tokio::test]
async fn a_reused_code_revokes_the_tokens_it_gave() {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    let scope = "openid profile offline_access";
    let client = app.web_client(scope).await;
    let agent = UserAgent::new(&app);
    let back = app.sign_in_and_allow(&agent, &client, "ada", scope).await;
    let code = code_from(&app, &back);
    let tokens = token_json(app.exchange_code(&client, &code).await).await;
    let access = tokens["access_token"].as_str().unwrap();
    let refresh = tokens["refresh_token"].as_str().unwrap();
    assert_eq!(app.introspect(&client, access).await["active"], true);
    assert_eq!(app.userinfo(access).await.status(), StatusCode::OK);

    let replay = app.exchange_code(&client, &code).await;
    assert_oauth_error(replay, StatusCode::BAD_REQUEST, "invalid_grant").await;

    assert_eq!(
        app.introspect(&client, access).await,
        serde_json::json!({ "active": false })
    );
    assert_eq!(
        app.userinfo(access).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let refreshed = app.refresh(&client, refresh, None).await;
    assert_oauth_error(refreshed, StatusCode::BAD_REQUEST, "invalid_grant").await;
}

#[tokio::test]
async fn a_public_client_uses_pkce_and_no_secret() {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    let client = app
        .register(NewClient {
            name: "Farm Stand App".into(),
            redirect_uris: vec![REDIRECT_URI.into()],
            scope: Some(SCOPE.into()),
            public: true,
            ..Default::default()
        })
        .await;
    assert!(client.secret.is_empty());
    let agent = UserAgent::new(&app);

    // Without PKCE: refused, at the client (whose redirect URI is verified).
    let no_pkce = app.authorize_url(
        &client,
        SCOPE,
        &[("code_challenge", ""), ("code_challenge_method", "")],
    );
    let back = agent.navigate(&no_pkce).await.client();
    assert_redirect_error(&app, &back, "invalid_request");

    // A code without its verifier is refused.
    let back = app.sign_in_and_allow(&agent, &client, "ada", SCOPE).await;
    let code = code_from(&app, &back);
    let without = public_exchange(&app, &client, &code, None).await;
    assert_oauth_error(without, StatusCode::BAD_REQUEST, "invalid_grant").await;

    // With it, and no secret, the code gives tokens.
    let code = fresh_code(&app, &agent, &client).await;
    let response = public_exchange(&app, &client, &code, Some(VERIFIER)).await;
    let tokens = token_json(response).await;
    let claims = app
        .verify_id_token(&client, tokens["id_token"].as_str().unwrap())
        .await;
    assert_eq!(claims["aud"], client.id.as_str());
    assert_eq!(claims["preferred_username"], "ada");
}

/// The code traded by a public client: `client_id` in the body, no authentication.
async fn public_exchange(
    app: &TestApp,
    client: &TestClient,
    code: &str,
    verifier: Option<&str>,
) -> reqwest::Response {
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", REDIRECT_URI),
        ("client_id", &client.id),
    ];
    if let Some(verifier) = verifier {
        form.push(("code_verifier", verifier));
    }
    app.post_form("token_endpoint", None, &form).await
}

#[tokio::test]
async fn signing_up_creates_the_account_and_continues_the_flow() {
    let app = TestApp::spawn().await;
    let scope = "openid profile email roles";
    let client = app.web_client(scope).await;
    let agent = UserAgent::new(&app);
    let (path, _, body) = agent
        .navigate(&app.authorize_url(&client, scope, &[]))
        .await
        .page();
    let request = path
        .strip_prefix("/login?request=")
        .expect("the login page");
    let link = format!("/signup?request={request}");
    assert!(body.contains(&format!("href=\"{link}\"")), "{body}");

    let (_, status, body) = agent.navigate(&link).await.page();
    assert_eq!(status, StatusCode::OK);
    for autocomplete in ["username", "email", "new-password"] {
        assert!(body.contains(&format!("autocomplete=\"{autocomplete}\"")));
    }
    let landing = agent
        .submit(
            &body,
            "/signup",
            &[
                ("username", "wren"),
                ("email", "wren@farm.example"),
                ("password", "potatoes grow underground"),
                ("role", "farmer"),
                ("farm_name", "Wren's Orchard"),
            ],
        )
        .await;
    let back = agent.consent(landing, "allow").await.client();
    let tokens = token_json(app.exchange_code(&client, &code_from(&app, &back)).await).await;
    let claims = app
        .verify_id_token(&client, tokens["id_token"].as_str().unwrap())
        .await;
    assert_eq!(claims["preferred_username"], "wren");
    assert_eq!(claims["email"], "wren@farm.example");
    // Signing up a farm gives no farmer powers before an administrator approves it.
    assert_eq!(claims["roles"], serde_json::json!(["consumer"]));
    assert_eq!(claims["amr"], serde_json::json!(["pwd"]));

    // The account is real: a new browser signs in with it.
    let other = UserAgent::new(&app);
    let landing = other
        .navigate(&app.authorize_url(&client, scope, &[]))
        .await;
    let back = other
        .log_in(landing, "wren", "potatoes grow underground")
        .await
        .client();
    code_from(&app, &back);
}

#[tokio::test]
async fn the_session_cookie_is_httponly_lax_and_renewed_at_sign_in() {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    let client = app.web_client(SCOPE).await;
    let agent = UserAgent::new(&app);
    let response = agent.get(&app.authorize_url(&client, SCOPE, &[])).await;
    let (before, header) = set_cookie(&response, SESSION_COOKIE).expect("a session cookie");
    let attributes = header.to_ascii_lowercase();
    assert!(attributes.contains("; httponly"), "{header}");
    assert!(attributes.contains("; samesite=lax"), "{header}");
    assert!(attributes.contains("; path=/"), "{header}");

    let landing = agent.follow(response).await;
    let (_, _, body) = landing.page();
    let response = agent
        .post(
            "/login",
            &hidden_fields(&body, "/login")
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .chain([("username", "ada"), ("password", PASSWORD)])
                .collect::<Vec<_>>(),
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (after, header) = set_cookie(&response, SESSION_COOKIE).expect("a new session cookie");
    assert!(
        header.to_ascii_lowercase().contains("; httponly"),
        "{header}"
    );
    assert_ne!(before, after, "the session id changes at sign-in");

    // The old id no longer signs anyone in.
    let stale = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let url = app.authorize_url(&client, SCOPE, &[("prompt", "none")]);
    let url = url.replace(&app.issuer, &app.address);
    let response = stale
        .get(&url)
        .header("cookie", format!("{SESSION_COOKIE}={before}"))
        .send()
        .await
        .unwrap();
    let location = response.headers()["location"].to_str().unwrap();
    assert!(location.contains("error=login_required"), "{location}");
}

/// Under an https issuer the session cookie is Secure, with the `__Host-` prefix (no Domain,
/// Path=/), so it never travels over plain http and no sibling host can set it.
#[tokio::test]
async fn under_an_https_issuer_the_session_cookie_is_secure_and_host_only() {
    let app = TestApp::spawn_with(crate::support::Options {
        issuer: Some("https://auth.farm.test".into()),
        ..Default::default()
    })
    .await;
    let client = app.web_client(SCOPE).await;
    let agent = UserAgent::new(&app);
    let response = agent.get(&app.authorize_url(&client, SCOPE, &[])).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (_, header) = set_cookie(&response, "__Host-farm_auth").expect("a __Host- cookie");
    let attributes = header.to_ascii_lowercase();
    assert!(attributes.contains("; secure"), "{header}");
    assert!(attributes.contains("; httponly"), "{header}");
    assert!(attributes.contains("; path=/"), "{header}");
    assert!(!attributes.contains("domain="), "{header}");
    assert!(set_cookie(&response, SESSION_COOKIE).is_none());
}

/// The login page of a kept request changes nothing in the session (its CSRF token was made
/// with the request), so it writes nothing: tower-sessions re-sends the cookie only after a
/// write. One database write fewer per sign-in.
#[tokio::test]
async fn showing_the_login_page_writes_no_session() {
    let app = TestApp::spawn().await;
    let client = app.web_client(SCOPE).await;
    let agent = UserAgent::new(&app);
    let response = agent.get(&app.authorize_url(&client, SCOPE, &[])).await;
    assert!(set_cookie(&response, SESSION_COOKIE).is_some());
    let login = response.headers()["location"].to_str().unwrap().to_string();
    let page = agent.get(&login).await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(
        set_cookie(&page, SESSION_COOKIE).is_none(),
        "the session was written"
    );
}
