//! Provider metadata, the JWKS and the health probes.

use reqwest::StatusCode;

use crate::helpers::{Options, TestApp};

#[tokio::test]
async fn discovery_advertises_exactly_the_endpoints_that_answer() {
    let app = TestApp::spawn().await;
    let metadata = app.discovery().await;
    assert_eq!(metadata["issuer"], app.issuer.as_str());
    assert_eq!(
        metadata["grant_types_supported"],
        serde_json::json!(["client_credentials"])
    );
    assert_eq!(
        metadata["token_endpoint_auth_methods_supported"],
        serde_json::json!(["client_secret_basic", "client_secret_post"])
    );
    // Nothing is advertised that does not exist yet.
    for absent in [
        "authorization_endpoint",
        "userinfo_endpoint",
        "end_session_endpoint",
        "registration_endpoint",
    ] {
        assert!(metadata.get(absent).is_none(), "{absent} advertised");
    }
    // Every advertised endpoint answers (POST endpoints refuse a bare POST with an OAuth error).
    let jwks = app
        .http
        .get(app.endpoint("jwks_uri").await)
        .send()
        .await
        .unwrap();
    assert_eq!(jwks.status(), StatusCode::OK);
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
