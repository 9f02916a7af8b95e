//! No open redirector before the person is known (RFC 9700 §4.11.2): a vendor's app's
//! redirect URI (chosen outside the platform) receives an error from the authorization
//! endpoint by itself only once someone is signed in; before that the error is shown at the
//! provider with a button back to the app. The platform's own clients keep the RFC 6749
//! §4.1.2.1 error redirect.

use farm_auth::accounts::users::Role;
use farm_auth::oauth2::client_metadata::{self, NewClient};
use reqwest::StatusCode;

use crate::support::{
    Landing, REDIRECT_URI, TestApp, TestClient, UserAgent, assert_redirect_error, hidden_fields,
    unescape,
};

const SCOPE: &str = "openid profile";

/// Requests with an error the provider finds before anyone signs in.
fn early_errors() -> Vec<(&'static str, Vec<(&'static str, &'static str)>)> {
    vec![
        (
            "unsupported_response_type",
            vec![("response_type", "token")],
        ),
        ("invalid_request", vec![("response_type", "")]),
        ("invalid_scope", vec![("scope", "nothing-known")]),
        ("invalid_request", vec![("prompt", "bogus")]),
        ("login_required", vec![("prompt", "none")]),
    ]
}

/// Asserts the page that holds an error for an app: 400, HTML, no `Location`, and a link
/// "Return to Acme Till" that carries the error response; returns the link.
async fn assert_held(response: reqwest::Response, error: &str) -> String {
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(response.headers().get("location").is_none());
    let page = response.text().await.unwrap();
    assert!(page.contains(">Return to Acme Till</a>"), "{page}");
    assert!(page.contains("<code>https://rp.example</code>"), "{page}");
    let start = page.find("<a class=\"button\" href=\"").expect("a link") + 24;
    let href = unescape(&page[start..start + page[start..].find('"').unwrap()]);
    assert!(href.starts_with(&format!("{REDIRECT_URI}?")), "{href}");
    let url = url::Url::parse(&href).unwrap();
    assert_eq!(Landing::param(&url, "error").as_deref(), Some(error));
    assert_eq!(Landing::param(&url, "state").as_deref(), Some("xyz"));
    href
}

#[tokio::test]
async fn a_vendor_apps_errors_before_sign_in_are_shown_at_the_provider_not_redirected() {
    let app = TestApp::spawn().await;
    let client = app.vendor_web_client(SCOPE).await;
    let stranger = UserAgent::new(&app);
    for (error, params) in early_errors() {
        let url = app.authorize_url(&client, SCOPE, &params);
        assert_held(stranger.get(&url).await, error).await;
    }
}

#[tokio::test]
async fn a_farms_app_registered_by_an_administrator_is_held_too() {
    let app = TestApp::spawn().await;
    app.person("olga", Role::Farmer).await;
    let farm = app.active_farm("Olga's Orchard", "olga").await;
    let farm = farm_auth::domain::FarmId::parse(&farm).unwrap();
    let new = NewClient {
        name: "Acme Till".into(),
        redirect_uris: vec![REDIRECT_URI.into()],
        scope: Some(SCOPE.into()),
        ..Default::default()
    };
    let registered = client_metadata::register_for_farm(&app.state, new, Some(&farm))
        .await
        .unwrap();
    let client = TestClient {
        id: registered.client.id,
        secret: registered.secret.unwrap(),
    };
    let url = app.authorize_url(&client, SCOPE, &[("response_type", "token")]);
    let response = UserAgent::new(&app).get(&url).await;
    assert_held(response, "unsupported_response_type").await;
}

#[tokio::test]
async fn a_form_post_error_is_held_behind_a_button_that_posts_it() {
    let app = TestApp::spawn().await;
    let client = app.vendor_web_client(SCOPE).await;
    let url = app.authorize_url(
        &client,
        SCOPE,
        &[("response_mode", "form_post"), ("response_type", "token")],
    );
    let response = UserAgent::new(&app).get(&url).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(response.headers().get("location").is_none());
    let page = response.text().await.unwrap();
    assert!(
        !page.contains("<script"),
        "nothing submits it by itself: {page}"
    );
    assert!(page.contains(">Return to Acme Till</button>"), "{page}");
    let fields = hidden_fields(&page, REDIRECT_URI);
    assert!(
        fields.contains(&("error".into(), "unsupported_response_type".into())),
        "{fields:?}"
    );
    assert!(
        fields.contains(&("state".into(), "xyz".into())),
        "{fields:?}"
    );
}

#[tokio::test]
async fn once_someone_is_signed_in_a_vendor_apps_errors_go_back_to_it() {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    let client = app.vendor_web_client(SCOPE).await;
    let agent = UserAgent::new(&app);
    let back = app.sign_in_and_allow(&agent, &client, "ada", SCOPE).await;
    crate::support::code_from(&app, &back);
    for (error, params) in early_errors() {
        if error == "login_required" {
            continue; // signed in: prompt=none gives a code
        }
        let url = app.authorize_url(&client, SCOPE, &params);
        let back = agent.navigate(&url).await.client();
        assert_redirect_error(&app, &back, error);
    }
}

#[tokio::test]
async fn the_platforms_own_clients_keep_the_error_redirect_before_sign_in() {
    let app = TestApp::spawn().await;
    let client = app.web_client(SCOPE).await;
    let stranger = UserAgent::new(&app);
    for (error, params) in early_errors() {
        let url = app.authorize_url(&client, SCOPE, &params);
        let back = stranger.navigate(&url).await.client();
        assert_redirect_error(&app, &back, error);
    }
}

#[tokio::test]
async fn an_unregistered_redirect_uri_is_still_never_followed() {
    let app = TestApp::spawn().await;
    let client = app.vendor_web_client(SCOPE).await;
    let url = app.authorize_url(
        &client,
        SCOPE,
        &[
            ("redirect_uri", "https://evil.example/cb"),
            ("response_type", "token"),
        ],
    );
    let response = UserAgent::new(&app).get(&url).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(response.headers().get("location").is_none());
    let page = response.text().await.unwrap();
    assert!(!page.contains("evil.example"), "{page}");
    assert!(!page.contains("Return to"), "{page}");
}
