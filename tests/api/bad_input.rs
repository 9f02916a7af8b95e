//! Malformed, missing, repeated, oversized and hostile input: each gets the RFC error and
//! status, never a 500, and nothing is written.

use crate::support::{TestApp, TestClient, assert_oauth_error, post_raw};
use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, HeaderValue};

const FORM: &str = "application/x-www-form-urlencoded";

/// A POST to an endpoint advertised in discovery, with Basic authentication of `client`.
async fn endpoint_request(
    app: &TestApp,
    endpoint: &str,
    client: Option<&TestClient>,
) -> reqwest::RequestBuilder {
    let request = app.http.post(app.endpoint(endpoint).await);
    match client {
        Some(client) => request.basic_auth(&client.id, Some(&client.secret)),
        None => request,
    }
}

#[tokio::test]
async fn token_requests_with_missing_repeated_or_unknown_grant_types_get_rfc_errors() {
    let app = TestApp::spawn().await;
    let bot = app.machine_client("orders:read").await;
    let cases = [
        ("", "invalid_request"),
        ("scope=orders:read", "invalid_request"),
        ("grant_type=", "invalid_request"),
        (
            "grant_type=client_credentials&grant_type=client_credentials",
            "invalid_request",
        ),
        (
            "grant_type=client_credentials&scope=a&scope=b",
            "invalid_request",
        ),
        (
            "grant_type=password&username=a&password=b",
            "unsupported_grant_type",
        ),
        ("grant_type=urn:example:unknown", "unsupported_grant_type"),
        ("grant_type=%00%ff", "unsupported_grant_type"),
        (
            "grant_type=client_credentials&scope=%22%5C",
            "invalid_scope",
        ),
    ];
    for (body, error) in cases {
        let response = post_raw(
            endpoint_request(&app, "token_endpoint", Some(&bot)).await,
            Some(FORM),
            body,
        )
        .await;
        assert_oauth_error(response, StatusCode::BAD_REQUEST, error).await;
    }
}

#[tokio::test]
async fn a_body_that_is_not_a_form_is_an_invalid_request() {
    let app = TestApp::spawn().await;
    let bot = app.machine_client("orders:read").await;
    for endpoint in [
        "token_endpoint",
        "introspection_endpoint",
        "revocation_endpoint",
    ] {
        let json = r#"{"grant_type":"client_credentials","token":"x"}"#;
        let response = post_raw(
            endpoint_request(&app, endpoint, Some(&bot)).await,
            Some("application/json"),
            json,
        )
        .await;
        assert_oauth_error(response, StatusCode::BAD_REQUEST, "invalid_request").await;
        let response = app
            .http
            .post(app.endpoint(endpoint).await)
            .basic_auth(&bot.id, Some(&bot.secret))
            .send()
            .await
            .unwrap();
        assert_oauth_error(response, StatusCode::BAD_REQUEST, "invalid_request").await;
    }
}

#[tokio::test]
async fn an_oversized_body_is_refused_with_413_before_anything_else() {
    let app = TestApp::spawn().await;
    let bot = app.machine_client("orders:read").await;
    let body = format!(
        "grant_type=client_credentials&scope={}",
        "a".repeat(64 * 1024)
    );
    for endpoint in [
        "token_endpoint",
        "introspection_endpoint",
        "revocation_endpoint",
    ] {
        let response = post_raw(
            endpoint_request(&app, endpoint, Some(&bot)).await,
            Some(FORM),
            body.clone(),
        )
        .await;
        assert_oauth_error(response, StatusCode::PAYLOAD_TOO_LARGE, "invalid_request").await;
    }
    // Without a Content-Length (chunked), the limit holds while reading.
    let chunk = "a".repeat(8192);
    let mut request = format!(
        "POST /oauth2/token HTTP/1.1\r\nHost: x\r\nContent-Type: {FORM}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    for _ in 0..4 {
        request.push_str(&format!("{:x}\r\n{chunk}\r\n", chunk.len()));
    }
    request.push_str("0\r\n\r\n");
    let response = crate::support::raw_http(&app.address, request.as_bytes()).await;
    assert!(response.starts_with("HTTP/1.1 413"), "{response:.80}");
    assert!(response.contains(r#""error":"invalid_request""#));
}

/// A client credentials request carrying exactly this `Authorization` header.
async fn token_request_with_authorization(app: &TestApp, value: HeaderValue) -> reqwest::Response {
    app.http
        .post(app.endpoint("token_endpoint").await)
        .header(AUTHORIZATION, value)
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn failed_client_authentication_is_a_401_with_www_authenticate() {
    let app = TestApp::spawn().await;
    let bot = app.machine_client("orders:read").await;
    let wrong_secret = TestClient {
        id: bot.id.clone(),
        secret: "not-the-secret".into(),
    };
    let unknown = TestClient {
        id: "no-such-client".into(),
        secret: bot.secret.clone(),
    };
    for client in [&wrong_secret, &unknown] {
        let response = app.client_credentials(client, None).await;
        assert_oauth_error(response, StatusCode::UNAUTHORIZED, "invalid_client").await;
    }
    for header in [
        "Basic",
        "Basic !!!!",
        "Basic Zm9v",
        "Bearer abc",
        "Basic OnNlY3JldA==",
        "basic",
    ] {
        let response =
            token_request_with_authorization(&app, HeaderValue::from_str(header).unwrap()).await;
        assert_oauth_error(response, StatusCode::UNAUTHORIZED, "invalid_client").await;
    }
    // No credentials at all.
    let response = app
        .post_form(
            "token_endpoint",
            None,
            &[("grant_type", "client_credentials")],
        )
        .await;
    assert_oauth_error(response, StatusCode::UNAUTHORIZED, "invalid_client").await;
}

#[tokio::test]
async fn a_non_utf8_authorization_header_is_refused_cleanly() {
    let app = TestApp::spawn().await;
    let value = HeaderValue::from_bytes(b"Basic \xff\xfe").unwrap();
    let response = token_request_with_authorization(&app, value).await;
    assert_oauth_error(response, StatusCode::UNAUTHORIZED, "invalid_client").await;
}

#[tokio::test]
async fn two_authentication_methods_at_once_are_an_invalid_request() {
    let app = TestApp::spawn().await;
    let bot = app.machine_client("orders:read").await;
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", bot.id.as_str()),
        ("client_secret", bot.secret.as_str()),
    ];
    let response = app.post_form("token_endpoint", Some(&bot), &form).await;
    assert_oauth_error(response, StatusCode::BAD_REQUEST, "invalid_request").await;
}

#[tokio::test]
async fn a_deleted_client_can_no_longer_authenticate() {
    let app = TestApp::spawn().await;
    let bot = app.machine_client("orders:read").await;
    app.access_token(&bot, None).await;
    // Deleted by another process (the CLI): seen once the client cache entry expires.
    assert!(app.store.delete_client(&bot.id).await.unwrap());
    app.clock.advance(10);
    let response = app.client_credentials(&bot, None).await;
    assert_oauth_error(response, StatusCode::UNAUTHORIZED, "invalid_client").await;
}

#[tokio::test]
async fn without_a_client_cache_a_deletion_takes_effect_at_once() {
    let options = crate::support::Options {
        client_cache_secs: Some(0),
        ..Default::default()
    };
    let app = TestApp::spawn_with(options).await;
    let bot = app.machine_client("orders:read").await;
    app.access_token(&bot, None).await;
    assert!(app.store.delete_client(&bot.id).await.unwrap());
    let response = app.client_credentials(&bot, None).await;
    assert_oauth_error(response, StatusCode::UNAUTHORIZED, "invalid_client").await;
}

#[tokio::test]
async fn hostile_parameter_names_and_values_do_not_break_the_endpoint() {
    let app = TestApp::spawn().await;
    let bot = app.machine_client("orders:read").await;
    let many: Vec<String> = (0..100).map(|i| format!("p{i}=x")).collect();
    // Unknown, odd and empty names are ignored; what is left is judged as usual.
    let cases = [
        (many.join("&"), Some("invalid_request")),
        (
            "grant_type=client_credentials&%22%3E%3Cscript%3E=1".to_string(),
            None,
        ),
        ("===&&&grant_type=client_credentials".to_string(), None),
        (
            "grant_type=client_credentials&scope=%E2%80%AE".to_string(),
            Some("invalid_scope"),
        ),
        ("%".to_string(), Some("invalid_request")),
    ];
    for (body, error) in cases {
        let response = post_raw(
            endpoint_request(&app, "token_endpoint", Some(&bot)).await,
            Some(FORM),
            body.clone(),
        )
        .await;
        match error {
            Some(error) => {
                let json = assert_oauth_error(response, StatusCode::BAD_REQUEST, error).await;
                assert!(json.get("access_token").is_none(), "{body:.60}");
            }
            None => {
                assert_eq!(response.status(), StatusCode::OK, "{body:.60}");
                let json: serde_json::Value = response.json().await.unwrap();
                assert!(json["access_token"].is_string(), "{body:.60}");
            }
        }
    }
}

#[tokio::test]
async fn wrong_methods_and_unknown_paths_are_not_server_errors() {
    let app = TestApp::spawn().await;
    let response = app
        .http
        .get(app.endpoint("token_endpoint").await)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    let response = app.http.get(app.url("/no/such/path")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let response = app.http.post(app.url("/oauth2/jwks")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn client_ids_no_database_can_hold_are_unknown_clients_not_server_errors() {
    let app = TestApp::spawn().await;
    for id in ["a%00b", "%00", "%C3%A9t%C3%A9", "a%20b", &"x".repeat(200)] {
        let body = format!("grant_type=client_credentials&client_id={id}&client_secret=s");
        let response = post_raw(
            endpoint_request(&app, "token_endpoint", None).await,
            Some(FORM),
            body,
        )
        .await;
        assert_oauth_error(response, StatusCode::UNAUTHORIZED, "invalid_client").await;
        // RFC 6749 §2.3.1: the id is form-urlencoded inside standard base64.
        let encoded = base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            format!("{id}:s"),
        );
        let basic = format!("Basic {encoded}");
        let response =
            token_request_with_authorization(&app, HeaderValue::from_str(&basic).unwrap()).await;
        assert_oauth_error(response, StatusCode::UNAUTHORIZED, "invalid_client").await;
    }
}

#[tokio::test]
async fn every_client_authentication_failure_reads_the_same() {
    let app = TestApp::spawn().await;
    let bot = app.machine_client("orders:read").await;
    let known_wrong_method = [
        ("grant_type", "client_credentials"),
        ("client_id", bot.id.as_str()),
    ];
    let unknown = [
        ("grant_type", "client_credentials"),
        ("client_id", "unknown-client"),
    ];
    let mut descriptions = Vec::new();
    for form in [&known_wrong_method[..], &unknown[..]] {
        let response = app.post_form("token_endpoint", None, form).await;
        let body = assert_oauth_error(response, StatusCode::UNAUTHORIZED, "invalid_client").await;
        descriptions.push(body["error_description"].clone());
    }
    let wrong_secret = TestClient {
        id: bot.id.clone(),
        secret: "nope".into(),
    };
    let response = app.client_credentials(&wrong_secret, None).await;
    let body = assert_oauth_error(response, StatusCode::UNAUTHORIZED, "invalid_client").await;
    descriptions.push(body["error_description"].clone());
    assert!(
        descriptions.windows(2).all(|w| w[0] == w[1]),
        "{descriptions:?}"
    );
}
