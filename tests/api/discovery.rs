//! Provider metadata, the JWKS and the health probes.

use crate::support::{Options, TestApp};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn discovery_advertises_exactly_the_endpoints_that_answer() {
    let app = TestApp::spawn().await;
    let metadata = app.discovery().await;
    assert_eq!(metadata["issuer"], app.issuer.as_str());
    let issuer = &app.issuer;
    for (field, path) in [
        ("authorization_endpoint", "/oauth2/authorize"),
        ("token_endpoint", "/oauth2/token"),
        ("userinfo_endpoint", "/oauth2/userinfo"),
        ("jwks_uri", "/oauth2/jwks"),
        ("end_session_endpoint", "/logout"),
        ("introspection_endpoint", "/oauth2/introspect"),
        ("revocation_endpoint", "/oauth2/revoke"),
        (
            "device_authorization_endpoint",
            "/oauth2/device_authorization",
        ),
    ] {
        assert_eq!(metadata[field], format!("{issuer}{path}"), "{field}");
    }
    assert_eq!(
        metadata["grant_types_supported"],
        json!([
            "authorization_code",
            "refresh_token",
            "client_credentials",
            "urn:ietf:params:oauth:grant-type:device_code"
        ])
    );
    assert_eq!(
        metadata["token_endpoint_auth_methods_supported"],
        json!(["client_secret_basic", "client_secret_post", "none"])
    );
    // OpenID Connect Discovery 1.0 §3: the REQUIRED members.
    assert_eq!(metadata["response_types_supported"], json!(["code"]));
    assert_eq!(metadata["ui_locales_supported"], json!(["en", "es", "fr"]));
    assert_eq!(metadata["subject_types_supported"], json!(["public"]));
    assert_eq!(
        metadata["id_token_signing_alg_values_supported"],
        json!(["RS256"])
    );
    assert_eq!(
        metadata["code_challenge_methods_supported"],
        json!(["S256"])
    );
    let scopes: Vec<&str> = metadata["scopes_supported"]
        .as_array()
        .expect("scopes_supported")
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    for scope in ["openid", "profile", "email", "offline_access"] {
        assert!(scopes.contains(&scope), "{scope} missing from {scopes:?}");
    }
    // farm-auth holds no postal address or phone number, so it offers neither.
    for scope in ["address", "phone"] {
        assert!(!scopes.contains(&scope), "{scope} advertised");
    }
    // RFC 7591: registration is advertised, and answers a request without its initial
    // access token with a bearer challenge.
    assert_eq!(
        metadata["registration_endpoint"],
        format!("{issuer}/oauth2/register")
    );
    let registration = app
        .http
        .post(app.endpoint("registration_endpoint").await)
        .json(&json!({"client_name": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(registration.status(), StatusCode::UNAUTHORIZED);
    assert!(registration.headers().contains_key("www-authenticate"));

    // Every advertised endpoint answers. GET endpoints are there (not 404) even when the
    // request is empty: the authorization endpoint with an error page, UserInfo with a
    // bearer challenge, the end-session endpoint with a "signed out" page.
    for (endpoint, status) in [
        ("jwks_uri", StatusCode::OK),
        ("authorization_endpoint", StatusCode::BAD_REQUEST),
        ("userinfo_endpoint", StatusCode::UNAUTHORIZED),
        ("end_session_endpoint", StatusCode::OK),
    ] {
        let response = app
            .http
            .get(app.endpoint(endpoint).await)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), status, "{endpoint}");
    }
    // POST endpoints refuse a bare POST with an OAuth error.
    for endpoint in [
        "token_endpoint",
        "introspection_endpoint",
        "revocation_endpoint",
    ] {
        let response = app
            .http
            .post(app.endpoint(endpoint).await)
            .form(&[("x", "y")])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{endpoint}");
    }
}

#[tokio::test]
async fn rfc_8414_metadata_is_the_same_document() {
    let app = TestApp::spawn().await;
    let oidc = app.discovery().await;
    let response = app
        .http
        .get(app.url("/.well-known/oauth-authorization-server"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/json");
    let oauth: serde_json::Value = response.json().await.unwrap();
    assert_eq!(oidc, oauth);
}

#[tokio::test]
async fn a_configured_issuer_is_used_verbatim_everywhere() {
    let app = TestApp::spawn_with(Options {
        issuer: Some("https://auth.farm.test/".into()),
        ..Default::default()
    })
    .await;
    let metadata = app.discovery().await;
    assert_eq!(metadata["issuer"], "https://auth.farm.test");
    assert_eq!(
        metadata["token_endpoint"],
        "https://auth.farm.test/oauth2/token"
    );
    assert_eq!(metadata["jwks_uri"], "https://auth.farm.test/oauth2/jwks");
}

#[tokio::test]
async fn the_jwks_publishes_one_rs256_signing_key_and_no_private_members() {
    let app = TestApp::spawn().await;
    let response = app
        .http
        .get(app.endpoint("jwks_uri").await)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("max-age")
    );
    let jwks: serde_json::Value = response.json().await.unwrap();
    let keys = jwks["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 1);
    let key = keys[0].as_object().unwrap();
    assert_eq!(key["kty"], "RSA");
    assert_eq!(key["alg"], "RS256");
    assert_eq!(key["use"], "sig");
    let mut members: Vec<&str> = key.keys().map(String::as_str).collect();
    members.sort();
    assert_eq!(members, ["alg", "e", "kid", "kty", "n", "use"]);
    // 2048-bit modulus: 256 bytes, 342 base64url characters.
    assert_eq!(key["n"].as_str().unwrap().len(), 342);
}

#[tokio::test]
async fn health_and_readiness_probes_answer() {
    let app = TestApp::spawn().await;
    let health = app.http.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    let ready = app.http.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), StatusCode::OK);
}

#[tokio::test]
async fn readiness_fails_when_the_database_is_gone() {
    let app = TestApp::spawn().await;
    app.store.close().await;
    let ready = app.http.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);
    let health = app.http.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(
        health.status(),
        StatusCode::OK,
        "the process itself is alive"
    );
}

#[tokio::test]
async fn every_response_carries_nosniff() {
    let app = TestApp::spawn().await;
    for path in [
        "/healthz",
        "/oauth2/jwks",
        "/.well-known/openid-configuration",
        "/nope",
    ] {
        let response = app.http.get(app.url(path)).send().await.unwrap();
        assert_eq!(
            response.headers()["x-content-type-options"],
            "nosniff",
            "{path}"
        );
    }
}
