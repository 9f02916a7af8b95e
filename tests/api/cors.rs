//! Cross-origin requests from single-page apps: the token, UserInfo, revocation, discovery and
//! JWKS endpoints answer the web origins of public clients' redirect URIs, and no other
//! origin; introspection and the pages never do.

use crate::support::{
    REDIRECT_URI, TestApp, TestClient, UserAgent, VERIFIER, code_from, token_json,
};
use farm_auth::accounts::users::Role;
use farm_auth::oauth2::client_metadata::NewClient;
use reqwest::{Method, Response, StatusCode};

/// The origin of [`REDIRECT_URI`], as a browser sends it.
const APP_ORIGIN: &str = "https://rp.example";
const SCOPE: &str = "openid profile";

async fn spa(app: &TestApp) -> TestClient {
    app.register(NewClient {
        name: "Market Stall SPA".into(),
        redirect_uris: vec![REDIRECT_URI.into()],
        grant_types: vec!["authorization_code".into(), "refresh_token".into()],
        scope: Some(SCOPE.into()),
        public: true,
        ..Default::default()
    })
    .await
}

fn allowed_origin(response: &Response) -> Option<String> {
    response
        .headers()
        .get("access-control-allow-origin")
        .map(|v| v.to_str().unwrap().to_string())
}

async fn preflight(app: &TestApp, endpoint: &str, origin: &str, method: &str) -> Response {
    app.http
        .request(Method::OPTIONS, app.endpoint(endpoint).await)
        .header("origin", origin)
        .header("access-control-request-method", method)
        .header(
            "access-control-request-headers",
            "authorization, content-type",
        )
        .send()
        .await
        .unwrap()
}

async fn get_with_origin(app: &TestApp, endpoint: &str, origin: &str) -> Response {
    app.http
        .get(app.endpoint(endpoint).await)
        .header("origin", origin)
        .send()
        .await
        .unwrap()
}

/// A signed-in browser's code for the SPA, traded from the SPA's page (with `Origin`).
async fn tokens_from_the_page(app: &TestApp, client: &TestClient) -> (Response, String) {
    app.person("ada", Role::Consumer).await;
    let agent = UserAgent::new(app);
    let back = app.sign_in_and_allow(&agent, client, "ada", SCOPE).await;
    let code = code_from(app, &back);
    let response = app
        .http
        .post(app.endpoint("token_endpoint").await)
        .header("origin", APP_ORIGIN)
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", REDIRECT_URI),
            ("client_id", client.id.as_str()),
            ("code_verifier", VERIFIER),
        ])
        .send()
        .await
        .unwrap();
    (response, code)
}

#[tokio::test]
async fn a_public_clients_page_trades_its_code_and_reads_the_answer() {
    let app = TestApp::spawn().await;
    let client = spa(&app).await;
    let (response, _) = tokens_from_the_page(&app, &client).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(allowed_origin(&response).as_deref(), Some(APP_ORIGIN));
    assert!(
        response.headers().get_all("vary").iter().any(|v| v
            .to_str()
            .unwrap()
            .to_ascii_lowercase()
            .contains("origin")),
        "caches must keep answers to different origins apart"
    );
    // No cookie crosses origins: the token endpoint never needs one.
    assert!(
        response
            .headers()
            .get("access-control-allow-credentials")
            .is_none()
    );
    let tokens = token_json(response).await;

    // Then UserInfo, with the bearer token (a preflighted request) ...
    let preflight = preflight(&app, "userinfo_endpoint", APP_ORIGIN, "GET").await;
    assert!(preflight.status().is_success(), "{}", preflight.status());
    assert_eq!(allowed_origin(&preflight).as_deref(), Some(APP_ORIGIN));
    let allowed_headers = preflight.headers()["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    assert!(
        allowed_headers.contains("authorization"),
        "{allowed_headers}"
    );
    let userinfo = app
        .http
        .get(app.endpoint("userinfo_endpoint").await)
        .header("origin", APP_ORIGIN)
        .bearer_auth(tokens["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(userinfo.status(), StatusCode::OK);
    assert_eq!(allowed_origin(&userinfo).as_deref(), Some(APP_ORIGIN));

    // ... and revocation at sign-out.
    let revoke = app
        .http
        .post(app.endpoint("revocation_endpoint").await)
        .header("origin", APP_ORIGIN)
        .form(&[
            ("token", tokens["access_token"].as_str().unwrap()),
            ("client_id", client.id.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(revoke.status(), StatusCode::OK);
    assert_eq!(allowed_origin(&revoke).as_deref(), Some(APP_ORIGIN));
}

#[tokio::test]
async fn an_error_is_readable_by_the_page_too() {
    let app = TestApp::spawn().await;
    let client = spa(&app).await;
    let response = app
        .http
        .post(app.endpoint("token_endpoint").await)
        .header("origin", APP_ORIGIN)
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", "not-a-code"),
            ("redirect_uri", REDIRECT_URI),
            ("client_id", client.id.as_str()),
            ("code_verifier", VERIFIER),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(allowed_origin(&response).as_deref(), Some(APP_ORIGIN));

    // RFC 6750 §3: the reason a bearer token was refused is in `WWW-Authenticate`.
    let userinfo = app
        .http
        .get(app.endpoint("userinfo_endpoint").await)
        .header("origin", APP_ORIGIN)
        .bearer_auth("not-a-token")
        .send()
        .await
        .unwrap();
    assert_eq!(userinfo.status(), StatusCode::UNAUTHORIZED);
    let exposed = userinfo.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    assert!(exposed.contains("www-authenticate"), "{exposed}");
}

#[tokio::test]
async fn discovery_and_the_jwks_answer_a_public_clients_origin() {
    let app = TestApp::spawn().await;
    spa(&app).await;
    for endpoint in ["jwks_uri", "issuer"] {
        let url = if endpoint == "issuer" {
            app.url("/.well-known/openid-configuration")
        } else {
            app.endpoint(endpoint).await
        };
        let response = app
            .http
            .get(url)
            .header("origin", APP_ORIGIN)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(allowed_origin(&response).as_deref(), Some(APP_ORIGIN));
    }
}

/// A verifier's fetch (no `Origin`) gets no CORS headers, but the cacheable documents say
/// they vary by origin: a shared cache must not hand that copy to a page.
#[tokio::test]
async fn a_fetch_without_origin_gets_no_cors_headers_and_caches_keep_origins_apart() {
    let app = TestApp::spawn().await;
    spa(&app).await;
    let discovery = app.url("/.well-known/openid-configuration");
    for url in [app.endpoint("jwks_uri").await, discovery] {
        let response = app.http.get(&url).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(allowed_origin(&response), None, "{url}");
        let vary = response.headers().get("vary").map(|v| v.to_str().unwrap());
        assert_eq!(vary, Some("origin"), "{url}");
    }
}

#[tokio::test]
async fn an_origin_no_public_client_redirects_to_gets_no_cors_answer() {
    let app = TestApp::spawn().await;
    spa(&app).await;
    // A confidential client's redirect origin opens nothing: its server calls us, not a page.
    app.register(NewClient {
        name: "Back-office".into(),
        redirect_uris: vec!["https://back-office.example/cb".into()],
        scope: Some(SCOPE.into()),
        ..Default::default()
    })
    .await;
    for origin in [
        "https://evil.example",
        "https://back-office.example",
        "https://rp.example.evil.example",
        "http://rp.example",
        "null",
    ] {
        for endpoint in ["token_endpoint", "userinfo_endpoint", "revocation_endpoint"] {
            let response = preflight(&app, endpoint, origin, "POST").await;
            assert_eq!(allowed_origin(&response), None, "{endpoint} for {origin}");
        }
        for endpoint in ["jwks_uri", "userinfo_endpoint"] {
            let response = get_with_origin(&app, endpoint, origin).await;
            assert_eq!(allowed_origin(&response), None, "{endpoint} for {origin}");
        }
    }
}

#[tokio::test]
async fn introspection_is_never_for_pages() {
    let app = TestApp::spawn().await;
    spa(&app).await;
    let response = preflight(&app, "introspection_endpoint", APP_ORIGIN, "POST").await;
    assert_eq!(allowed_origin(&response), None);
    let response = preflight(&app, "device_authorization_endpoint", APP_ORIGIN, "POST").await;
    assert_eq!(allowed_origin(&response), None);
}

#[tokio::test]
async fn a_client_registered_after_the_first_request_opens_its_origin_at_once() {
    let app = TestApp::spawn().await;
    // The origins are read once ...
    let before = get_with_origin(&app, "jwks_uri", APP_ORIGIN).await;
    assert_eq!(allowed_origin(&before), None);
    // ... and a client registered, changed or deleted through this server is seen at once;
    // one registered elsewhere (the command line, another replica) within the client
    // cache's lifetime.
    let client = spa(&app).await;
    let after = get_with_origin(&app, "jwks_uri", APP_ORIGIN).await;
    assert_eq!(allowed_origin(&after).as_deref(), Some(APP_ORIGIN));

    let id = farm_auth::domain::ClientId::parse(&client.id).unwrap();
    let actor = farm_auth::accounts::admin::Actor::CommandLine;
    let suspended = farm_auth::oauth2::operator::suspend_client(&app.state, actor, &id, true);
    assert!(suspended.await.expect("suspended"));
    let suspended = get_with_origin(&app, "jwks_uri", APP_ORIGIN).await;
    assert_eq!(allowed_origin(&suspended), None);
}
