//! The device authorization endpoint and who may use the grant: only clients registered for
//! it, a public client with its client_id alone, no scope beyond the client's; malformed input
//! gets RFC errors and never a 500.

use farm_auth::accounts::users::Role;
use reqwest::StatusCode;

use super::*;
use crate::support::{TestApp, assert_oauth_error, token_json};

#[tokio::test]
async fn a_client_not_registered_for_the_device_grant_is_unauthorized_client() {
    let app = TestApp::spawn().await;
    let web = app.web_client("openid profile").await;
    let response = app
        .post_as("device_authorization_endpoint", &web, &[])
        .await;
    assert_oauth_error(response, StatusCode::BAD_REQUEST, "unauthorized_client").await;
    assert_eq!(app.device_rows_of(&web).await, 0);
    // Nor may it poll.
    let poll = app.poll(&web, "anything").await;
    assert_oauth_error(poll, StatusCode::BAD_REQUEST, "unauthorized_client").await;
}

#[tokio::test]
async fn a_public_client_needs_only_its_client_id() {
    let app = TestApp::spawn().await;
    let sub = app.person("ada", Role::Consumer).await;
    let tv = app.device_client(true).await;
    assert!(tv.secret.is_empty());
    let started = app.start_device(&tv, Some("openid")).await;
    let agent = signed_in_at_device(&app, "ada").await;
    let confirm = enter_code(&agent, &user_code(&started)).await;
    decide(&agent, confirm, "allow").await.page();

    let tokens = token_json(app.poll(&tv, &device_code(&started)).await).await;
    let id_token = tokens["id_token"].as_str().unwrap();
    assert_eq!(
        app.verify_id_token(&tv, id_token).await["sub"],
        sub.as_str()
    );

    // A secret it does not have is not accepted either.
    let response = app
        .http
        .post(app.endpoint("device_authorization_endpoint").await)
        .form(&[("client_id", tv.id.as_str()), ("client_secret", "guess")])
        .send()
        .await
        .unwrap();
    assert_oauth_error(response, StatusCode::UNAUTHORIZED, "invalid_client").await;
}

#[tokio::test]
async fn a_scope_beyond_the_clients_is_invalid_scope() {
    let app = TestApp::spawn().await;
    let tv = app.device_client(false).await;
    for scope in ["openid roles", "email", "openid \"quoted\""] {
        let response = app
            .post_as("device_authorization_endpoint", &tv, &[("scope", scope)])
            .await;
        assert_oauth_error(response, StatusCode::BAD_REQUEST, "invalid_scope").await;
    }
    assert_eq!(app.device_rows_of(&tv).await, 0);
    // Without a scope, everything the client is registered for.
    let started = app.start_device(&tv, None).await;
    let hash = farm_auth::secrets::hash_secret(&device_code(&started));
    let (scope,): (String,) =
        sqlx::query_as("SELECT scope FROM device_authorizations WHERE device_code_hash = $1")
            .bind(hash)
            .fetch_one(&app.sql().await)
            .await
            .unwrap();
    assert_eq!(scope, SCOPE);
}

#[tokio::test]
async fn malformed_input_gets_rfc_errors_and_never_a_500() {
    let app = TestApp::spawn().await;
    let tv = app.device_client(false).await;
    let endpoint = app.endpoint("device_authorization_endpoint").await;
    let token = app.endpoint("token_endpoint").await;
    let send = |url: &str, body: Vec<u8>, content_type: &str| {
        app.http
            .post(url)
            .basic_auth(&tv.id, Some(&tv.secret))
            .header("content-type", content_type.to_string())
            .body(body)
            .send()
    };
    let form = "application/x-www-form-urlencoded";
    let cases: Vec<(&str, Vec<u8>, &str, StatusCode, &str)> = vec![
        (
            &endpoint,
            b"{\"scope\":\"openid\"}".to_vec(),
            "application/json",
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        (
            &endpoint,
            b"scope=openid&scope=profile".to_vec(),
            form,
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        (
            &endpoint,
            b"scope=%FF%FE%00".to_vec(),
            form,
            StatusCode::BAD_REQUEST,
            "invalid_scope",
        ),
        (
            &endpoint,
            b"scope=\xff\xfe".to_vec(),
            form,
            StatusCode::BAD_REQUEST,
            "invalid_scope",
        ),
        (
            &endpoint,
            format!("scope={}", "a".repeat(20_000)).into_bytes(),
            form,
            StatusCode::PAYLOAD_TOO_LARGE,
            "invalid_request",
        ),
        (
            &token,
            format!("grant_type={DEVICE_GRANT}").into_bytes(),
            form,
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        (
            &token,
            format!("grant_type={DEVICE_GRANT}&device_code=a&device_code=b").into_bytes(),
            form,
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        (
            &token,
            format!("grant_type={DEVICE_GRANT}&device_code={}", "x".repeat(5000)).into_bytes(),
            form,
            StatusCode::BAD_REQUEST,
            "invalid_grant",
        ),
        (
            &token,
            format!("grant_type={DEVICE_GRANT}&device_code=%00%FF%C3").into_bytes(),
            form,
            StatusCode::BAD_REQUEST,
            "invalid_grant",
        ),
        (
            &token,
            [
                format!("grant_type={DEVICE_GRANT}&device_code=").as_bytes(),
                b"\xff\x00",
            ]
            .concat(),
            form,
            StatusCode::BAD_REQUEST,
            "invalid_grant",
        ),
    ];
    for (url, body, content_type, status, error) in cases {
        let shown = String::from_utf8_lossy(&body)
            .chars()
            .take(60)
            .collect::<String>();
        let response = send(url, body, content_type).await.unwrap();
        assert_eq!(response.status(), status, "{url} {shown}");
        assert_oauth_error(response, status, error).await;
    }
    // No client authentication at all, or a client id PostgreSQL text cannot hold.
    for body in ["scope=openid", "client_id=%00"] {
        let response = app
            .http
            .post(&endpoint)
            .header("content-type", form)
            .body(body)
            .send();
        let response = response.await.unwrap();
        assert_oauth_error(response, StatusCode::UNAUTHORIZED, "invalid_client").await;
    }
    assert_eq!(app.device_rows_of(&tv).await, 0);

    // The page: whatever is typed or put in the query, a page and never a 500.
    app.person("ada", Role::Consumer).await;
    let agent = signed_in_at_device(&app, "ada").await;
    for query in [
        "user_code=%FF%00",
        "user_code=%3Cscript%3E",
        "user_code=&user_code=x",
        "%%%",
    ] {
        let response = agent.get(&format!("/device?{query}")).await;
        assert_eq!(response.status(), StatusCode::OK, "{query}");
        let body = response.text().await.unwrap();
        assert!(!body.contains("<script>"), "{body}");
    }
    for typed in ["\u{0}\u{ffff}", &"B".repeat(10_000), "<b>BCDF</b>"] {
        let (_, _, body) = enter_code(&agent, typed).await.page_at("/device");
        assert!(body.contains(INVALID_CODE), "{body}");
        assert!(!body.contains("<b>BCDF"), "the typed text is escaped");
    }
}
