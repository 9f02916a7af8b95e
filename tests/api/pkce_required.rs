//! PKCE is required of every vendor's app, as of public clients (RFC 9700 §2.1.1, against
//! code injection, §4.5); the platform's own confidential clients, registered by an
//! administrator, may do without, as the OpenID certification profiles expect.

use farm_auth::accounts::users::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{
    Landing, REDIRECT_URI, TestApp, UserAgent, assert_redirect_error, code_from, token_json,
};

const SCOPE: &str = "openid profile";
const NO_PKCE: [(&str, &str); 2] = [("code_challenge", ""), ("code_challenge_method", "")];

#[tokio::test]
async fn a_vendor_apps_request_without_a_code_challenge_is_refused() {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    let client = app.vendor_web_client(SCOPE).await;
    let agent = UserAgent::new(&app);
    let back = app.sign_in_and_allow(&agent, &client, "ada", SCOPE).await;
    code_from(&app, &back);

    let url = app.authorize_url(&client, SCOPE, &NO_PKCE);
    let back = agent.navigate(&url).await.client();
    assert_redirect_error(&app, &back, "invalid_request");
    let why = Landing::param(&back, "error_description").unwrap();
    assert!(why.contains("code_challenge required"), "{why}");
}

#[tokio::test]
async fn before_sign_in_the_refusal_is_shown_at_the_provider() {
    let app = TestApp::spawn().await;
    let client = app.vendor_web_client(SCOPE).await;
    let url = app.authorize_url(&client, SCOPE, &NO_PKCE);
    let response = UserAgent::new(&app).get(&url).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(response.headers().get("location").is_none());
    let page = response.text().await.unwrap();
    assert!(page.contains("code_challenge required"), "{page}");
    assert!(page.contains("error=invalid_request"), "{page}");
}

#[tokio::test]
async fn a_platform_confidential_client_may_still_do_without_pkce() {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    let client = app.web_client(SCOPE).await;
    let agent = UserAgent::new(&app);
    let landing = agent
        .navigate(&app.authorize_url(&client, SCOPE, &NO_PKCE))
        .await;
    let landing = agent.log_in(landing, "ada", crate::support::PASSWORD).await;
    let back = agent.consent(landing, "allow").await.client();
    let code = code_from(&app, &back);
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT_URI),
    ];
    let tokens = token_json(app.post_form("token_endpoint", Some(&client), &form).await).await;
    assert!(tokens["id_token"].is_string());
}

#[tokio::test]
async fn registration_says_a_vendors_app_must_use_pkce() {
    let app = TestApp::spawn().await;
    let metadata = json!({
        "client_name": "Acme Till",
        "redirect_uris": [REDIRECT_URI],
        "scope": SCOPE,
    });
    let response = app.register_vendor_app(&metadata).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let info: Value = response.json().await.unwrap();
    assert_eq!(info["require_pkce"], true, "{info}");
}
