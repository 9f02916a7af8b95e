//! The refresh token grant: missing, repeated, oversized or wrong parameters, a refresh token
//! presented by another client, and a refused scope that leaves the refresh token usable.

use farm_auth::accounts::users::Role;
use reqwest::StatusCode;
use serde_json::Value;

use super::{Browser, CLIENT_SCOPE, token_request};
use crate::support::{TestApp, assert_not_logged, assert_oauth_error};

/// What a refresh case can draw on: the tokens of a fresh grant.
struct Issued {
    tokens: Value,
}

impl Issued {
    fn get(&self, name: &str) -> &str {
        self.tokens[name].as_str().unwrap()
    }
}

const REFRESH: &str = "grant_type=refresh_token";

#[tokio::test]
async fn refresh_requests_with_missing_repeated_oversized_or_wrong_parameters_get_rfc_errors() {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    let client = app.web_client(CLIENT_SCOPE).await;
    let browser = Browser::new(&app);
    let offline = "openid offline_access";
    type Body = fn(&Issued) -> String;
    #[rustfmt::skip]
    let cases: Vec<(&str, Body, &str)> = vec![
        ("refresh_token missing", |_| REFRESH.to_string(), "invalid_request"),
        ("refresh_token empty", |_| format!("{REFRESH}&refresh_token="), "invalid_request"),
        (
            "refresh_token repeated",
            |i| {
                format!(
                    "{REFRESH}&refresh_token={0}&refresh_token={0}",
                    i.get("refresh_token")
                )
            },
            "invalid_request",
        ),
        ("refresh_token of 129 characters",
            |_| format!("{REFRESH}&refresh_token={}", "r".repeat(129)), "invalid_grant"),
        ("refresh_token of 10000 characters",
            |_| format!("{REFRESH}&refresh_token={}", "r".repeat(10_000)), "invalid_grant"),
        ("refresh_token unknown",
            |_| format!("{REFRESH}&refresh_token=not-a-refresh-token"), "invalid_grant"),
        ("refresh_token with a NUL byte",
            |i| format!("{REFRESH}&refresh_token={}%00", i.get("refresh_token")), "invalid_grant"),
        ("refresh_token not UTF-8",
            |i| format!("{REFRESH}&refresh_token={}%C3", i.get("refresh_token")), "invalid_grant"),
        ("an access token as refresh_token",
            |i| format!("{REFRESH}&refresh_token={}", i.get("access_token")), "invalid_grant"),
        ("an ID token as refresh_token",
            |i| format!("{REFRESH}&refresh_token={}", i.get("id_token")), "invalid_grant"),
        (
            "scope repeated",
            |i| {
                format!(
                    "{REFRESH}&refresh_token={}&scope=openid&scope=openid",
                    i.get("refresh_token")
                )
            },
            "invalid_request",
        ),
        (
            "grant_type repeated",
            |i| {
                format!(
                    "{REFRESH}&{REFRESH}&refresh_token={}",
                    i.get("refresh_token")
                )
            },
            "invalid_request",
        ),
    ];
    let mut failures = Vec::new();
    let mut secrets = Vec::new();
    for (what, body, error) in cases {
        let issued = Issued {
            tokens: browser.tokens(&app, &client, offline).await,
        };
        let response = token_request(&app, &client, body(&issued)).await;
        let status = response.status();
        assert_ne!(status, StatusCode::INTERNAL_SERVER_ERROR, "{what}");
        let json: Value = response.json().await.unwrap_or_default();
        if status != StatusCode::BAD_REQUEST
            || json["error"] != error
            || json.get("access_token").is_some()
        {
            failures.push(format!("{what}: {status} {json}, expected 400 {error}"));
        }
        secrets.push(issued.get("refresh_token").to_string());
    }
    assert!(failures.is_empty(), "{failures:#?}");
    // The well-formed request, and a narrower scope, for contrast.
    let issued = Issued {
        tokens: browser.tokens(&app, &client, offline).await,
    };
    let body = format!(
        "{REFRESH}&refresh_token={}&scope=openid",
        issued.get("refresh_token")
    );
    let response = token_request(&app, &client, body).await;
    assert_eq!(response.status(), StatusCode::OK);
    let rotated: Value = response.json().await.unwrap();
    secrets.push(issued.get("refresh_token").to_string());
    secrets.push(rotated["refresh_token"].as_str().unwrap().to_string());
    let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
    assert_not_logged(&secrets);
}

#[tokio::test]
async fn a_refresh_token_is_refused_to_another_client_and_stays_usable_by_its_own() {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    let client = app.web_client(CLIENT_SCOPE).await;
    let other_client = app.web_client(CLIENT_SCOPE).await;
    let browser = Browser::new(&app);
    let tokens = browser.tokens(&app, &client, "openid offline_access").await;
    let refresh = tokens["refresh_token"].as_str().unwrap();
    let body = format!("{REFRESH}&refresh_token={refresh}");
    let response = token_request(&app, &other_client, body).await;
    assert_oauth_error(response, StatusCode::BAD_REQUEST, "invalid_grant").await;
    // The refusal costs the client it was issued to nothing (RFC 6749 §6).
    let body = format!("{REFRESH}&refresh_token={refresh}");
    let response = token_request(&app, &client, body).await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_refresh_request_refused_for_its_scope_leaves_the_refresh_token_usable() {
    // RFC 6749 §6: the old refresh token may be revoked "after issuing a new refresh token";
    // an error response issues none, so the client still holds only the old one.
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    let client = app.web_client(CLIENT_SCOPE).await;
    let browser = Browser::new(&app);
    let mut failures = Vec::new();
    for scope in [
        "openid offline_access email",
        "\"\\",
        "openid offline_access\0",
    ] {
        let tokens = browser.tokens(&app, &client, "openid offline_access").await;
        let refresh = tokens["refresh_token"].as_str().unwrap();
        let scope_param: String = form_urlencoded::byte_serialize(scope.as_bytes()).collect();
        let body = format!("{REFRESH}&refresh_token={refresh}&scope={scope_param}");
        let response = token_request(&app, &client, body).await;
        assert_oauth_error(response, StatusCode::BAD_REQUEST, "invalid_scope").await;
        // The refused request revokes nothing: the access token issued with the code still works.
        let access = tokens["access_token"].as_str().unwrap();
        let userinfo = app.endpoint("userinfo_endpoint").await;
        let response = app
            .http
            .get(&userinfo)
            .bearer_auth(access)
            .send()
            .await
            .unwrap();
        if response.status() != StatusCode::OK {
            failures.push(format!(
                "after asking for scope {scope:?}: the access token is {}",
                response.status()
            ));
        }
        // The client got no new refresh token, so it uses the one it holds.
        let body = format!("{REFRESH}&refresh_token={refresh}");
        let response = token_request(&app, &client, body).await;
        let status = response.status();
        assert_ne!(status, StatusCode::INTERNAL_SERVER_ERROR);
        let json: Value = response.json().await.unwrap();
        if status != StatusCode::OK {
            failures.push(format!("after asking for scope {scope:?}: {status} {json}"));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
