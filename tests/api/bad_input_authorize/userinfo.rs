//! The UserInfo endpoint: malformed bearer requests get RFC 6750 errors.

use farm_auth::accounts::users::Role;
use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue};
use serde_json::Value;

use super::{Browser, CLIENT_SCOPE, FORM, SCOPE};
use crate::support::{TestApp, assert_not_logged};

#[tokio::test]
async fn userinfo_answers_malformed_bearer_requests_with_rfc_6750_errors() {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    let client = app.web_client(CLIENT_SCOPE).await;
    let machine = app.machine_client("orders:read").await;
    let browser = Browser::new(&app);
    let tokens = browser.tokens(&app, &client, SCOPE).await;
    let access = tokens["access_token"].as_str().unwrap().to_string();
    let id_token = tokens["id_token"].as_str().unwrap().to_string();
    let no_openid = app.access_token(&machine, None).await;
    let userinfo = app.endpoint("userinfo_endpoint").await;
    let long = "a".repeat(20_000);

    // (what, Authorization header, form body, status, error code; None: no error code)
    type Case<'a> = (
        &'a str,
        Option<HeaderValue>,
        Option<String>,
        StatusCode,
        Option<&'a str>,
    );
    let header = |text: &str| Some(HeaderValue::from_str(text).unwrap());
    #[rustfmt::skip]
    let cases: Vec<Case> = vec![
        ("no token", None, None, StatusCode::UNAUTHORIZED, None),
        ("another scheme", header("Basic YTpi"), None, StatusCode::UNAUTHORIZED, None),
        (
            "a token in header and body",
            header(&format!("Bearer {access}")),
            Some(format!("access_token={access}")),
            StatusCode::BAD_REQUEST,
            Some("invalid_request"),
        ),
        (
            "a repeated body token",
            None,
            Some(format!("access_token={access}&access_token={access}")),
            StatusCode::BAD_REQUEST,
            Some("invalid_request"),
        ),
        ("garbage",
            header("Bearer garbage"), None, StatusCode::UNAUTHORIZED, Some("invalid_token")),
        ("a token with a space",
            header("Bearer a b"), None, StatusCode::UNAUTHORIZED, Some("invalid_token")),
        ("characters outside b64token",
            header("Bearer !!!"), None, StatusCode::UNAUTHORIZED, Some("invalid_token")),
        (
            "20000 characters",
            header(&format!("Bearer {long}")),
            None,
            StatusCode::UNAUTHORIZED,
            Some("invalid_token"),
        ),
        (
            "an ID token",
            header(&format!("Bearer {id_token}")),
            None,
            StatusCode::UNAUTHORIZED,
            Some("invalid_token"),
        ),
        (
            "a tampered token",
            header(&format!("Bearer {}x", &access[..access.len() - 1])),
            None,
            StatusCode::UNAUTHORIZED,
            Some("invalid_token"),
        ),
        (
            "a body token that is garbage",
            None,
            Some("access_token=%00%FF".into()),
            StatusCode::UNAUTHORIZED,
            Some("invalid_token"),
        ),
        (
            "a token without openid",
            header(&format!("Bearer {no_openid}")),
            None,
            StatusCode::FORBIDDEN,
            Some("insufficient_scope"),
        ),
    ];
    let mut failures = Vec::new();
    for (what, authorization, body, status, error) in cases {
        let mut request = app.http.post(&userinfo);
        if let Some(value) = authorization {
            request = request.header(AUTHORIZATION, value);
        }
        if let Some(body) = body {
            request = request.header(CONTENT_TYPE, FORM).body(body);
        }
        let response = request.send().await.unwrap();
        let got = response.status();
        assert_ne!(got, StatusCode::INTERNAL_SERVER_ERROR, "{what}");
        let challenge = response
            .headers()
            .get("www-authenticate")
            .map(|v| v.to_str().unwrap().to_string());
        let json: Value = response.json().await.unwrap_or_default();
        let challenge_ok = match (got, error, &challenge) {
            (StatusCode::BAD_REQUEST, _, _) => true,
            (_, None, Some(c)) => c.starts_with("Bearer") && !c.contains("error="),
            (_, Some(code), Some(c)) => {
                c.starts_with("Bearer") && c.contains(&format!("error=\"{code}\""))
            }
            (_, _, None) => false,
        };
        if got != status || json.get("error").and_then(Value::as_str) != error || !challenge_ok {
            failures.push(format!(
                "{what}: {got} {json} {challenge:?}, expected {status} {error:?}"
            ));
        }
    }
    // Malformed headers: 400 or 401, never more.
    for raw in [
        &b"Bearer"[..],
        b"Bearer ",
        b"Bearer \xff\xfe",
        b"bearer",
        b"",
    ] {
        let response = app
            .http
            .get(&userinfo)
            .header(AUTHORIZATION, HeaderValue::from_bytes(raw).unwrap())
            .send()
            .await
            .unwrap();
        let got = response.status();
        if got != StatusCode::BAD_REQUEST && got != StatusCode::UNAUTHORIZED {
            failures.push(format!("header {:?}: {got}", String::from_utf8_lossy(raw)));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    let response = app
        .http
        .get(&userinfo)
        .bearer_auth(&access)
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "the valid token, for contrast"
    );
    assert_not_logged(&[&access, &id_token, &no_openid]);
}
