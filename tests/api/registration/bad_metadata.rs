//! Registrations with bad metadata: bad redirect URIs are `invalid_redirect_uri`, other bad
//! metadata and bodies that are not JSON are `invalid_client_metadata`, a body over 16 KiB is
//! 413; nothing is stored and no token use is spent.

use reqwest::StatusCode;
use reqwest::header::CACHE_CONTROL;
use serde_json::{Value, json};

use super::*;
use crate::support::{REDIRECT_URI, TestApp, assert_oauth_error, json_answer};

/// Sends each body with a token of 1 use and asserts the refusal, and that nothing was
/// stored or spent.
async fn assert_all_refused(app: &TestApp, status: StatusCode, error: &str, bodies: &[Value]) {
    let token = initial_token(app, 1, None).await;
    let before = snapshot(app).await;
    for body in bodies {
        let response = register(app, Some(&token), body).await;
        let got = response.status();
        let text = response.text().await.unwrap();
        assert_eq!(got, status, "{body} answered {text}");
        let answer: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(answer["error"], error, "{body} answered {text}");
        assert!(answer["error_description"].is_string(), "{text}");
    }
    assert_eq!(snapshot(app).await, before, "something was stored or spent");
    assert_eq!(uses_left(app, &token).await, Some(1));
    // And the token still works for a good registration.
    registered(app, &token, &web_app("Good after all")).await;
    assert_eq!(uses_left(app, &token).await, Some(0));
}

#[tokio::test]
async fn bad_redirect_uris_are_invalid_redirect_uri() {
    let app = TestApp::spawn().await;
    let with = |uri: &str| json!({"client_name": "x", "redirect_uris": [uri]});
    let mut bodies: Vec<Value> = [
        "com.vegbox.app:/callback",  // private-use scheme: any app may claim it
        "com.vegbox.app://callback", //
        "http://shop.example/cb",    // plain http off loopback
        "http://192.168.1.10/cb",    //
        "http://localhost.shop.example/cb",
        "https://shop.example/cb#frag",
        "https://shop.example/cb#",
        "/callback",
        "callback",
        "",
        " https://shop.example/cb",
        "https://shop.example/cb ",
        "https://shop.example/c b",
        "https://shop.example/cb\n",
        "javascript:alert(1)",
        "data:text/html,hi",
        "file:///etc/passwd",
        "ftp://shop.example/cb",
    ]
    .iter()
    .map(|uri| with(uri))
    .collect();
    // A good one beside a bad one, and a bad post-logout URI.
    bodies.push(
        json!({"client_name": "x", "redirect_uris": [REDIRECT_URI, "http://shop.example/cb"]}),
    );
    bodies.push(json!({"client_name": "x", "redirect_uris": [REDIRECT_URI],
                       "post_logout_redirect_uris": ["com.vegbox.app:/bye"]}));
    bodies.push(json!({"client_name": "x", "redirect_uris": [REDIRECT_URI],
                       "post_logout_redirect_uris": ["http://shop.example/bye"]}));
    assert_all_refused(
        &app,
        StatusCode::BAD_REQUEST,
        "invalid_redirect_uri",
        &bodies,
    )
    .await;
}

#[tokio::test]
async fn bad_metadata_is_invalid_client_metadata() {
    let app = TestApp::spawn().await;
    let uris = json!([REDIRECT_URI]);
    let many: Vec<String> = (0..21)
        .map(|n| format!("https://rp.example/cb{n}"))
        .collect();
    let bodies = [
        // client_name is required, and a string.
        json!({"redirect_uris": uris}),
        json!({"client_name": null, "redirect_uris": uris}),
        json!({"client_name": "", "redirect_uris": uris}),
        json!({"client_name": "   ", "redirect_uris": uris}),
        json!({"client_name": 5, "redirect_uris": uris}),
        json!({"client_name": ["Shop"], "redirect_uris": uris}),
        json!({"client_name": "x".repeat(101), "redirect_uris": uris}),
        // Wrong JSON types.
        json!({"client_name": "x", "redirect_uris": REDIRECT_URI}),
        json!({"client_name": "x", "redirect_uris": [1]}),
        json!({"client_name": "x", "redirect_uris": uris, "grant_types": "authorization_code"}),
        json!({"client_name": "x", "redirect_uris": uris, "scope": ["openid"]}),
        json!({"client_name": "x", "redirect_uris": uris, "token_endpoint_auth_method": 1}),
        json!({"client_name": "x", "redirect_uris": uris, "post_logout_redirect_uris": {}}),
        // Unknown grant types, or ones vendors cannot have.
        json!({"client_name": "x", "redirect_uris": uris, "grant_types": ["password"]}),
        json!({"client_name": "x", "redirect_uris": uris, "grant_types": ["implicit"]}),
        json!({"client_name": "x", "redirect_uris": uris, "grant_types": ["refresh_token"]}),
        // Response types that do not fit the grant types (RFC 7591 §2.1).
        json!({"client_name": "x", "redirect_uris": uris, "response_types": ["token"]}),
        json!({"client_name": "x", "redirect_uris": uris, "response_types": ["code", "token"]}),
        json!({"client_name": "x", "redirect_uris": uris, "response_types": []}),
        json!({"client_name": "x", "grant_types": ["client_credentials"], "response_types": ["code"]}),
        // authorization_code (the default) needs a redirect URI.
        json!({"client_name": "x"}),
        // Methods the server does not support; a public client cannot use client_credentials.
        json!({"client_name": "x", "redirect_uris": uris, "token_endpoint_auth_method": "private_key_jwt"}),
        json!({"client_name": "x", "redirect_uris": uris, "token_endpoint_auth_method": "tls_client_auth"}),
        json!({"client_name": "x", "grant_types": ["client_credentials"], "response_types": [],
               "token_endpoint_auth_method": "none"}),
        // More than 20 entries.
        json!({"client_name": "x", "redirect_uris": many}),
        json!({"client_name": "x", "redirect_uris": uris, "post_logout_redirect_uris": many}),
        json!({"client_name": "x", "redirect_uris": uris,
               "grant_types": vec!["authorization_code"; 21]}),
        // Scopes beyond the OpenID Connect ones.
        json!({"client_name": "x", "redirect_uris": uris, "scope": "account"}),
        json!({"client_name": "x", "redirect_uris": uris, "scope": "openid account"}),
        json!({"client_name": "x", "redirect_uris": uris, "scope": "admin"}),
        json!({"client_name": "x", "redirect_uris": uris, "scope": "openid admin profile"}),
        json!({"client_name": "x", "redirect_uris": uris, "scope": "orders:write"}),
        json!({"client_name": "x", "redirect_uris": uris, "scope": "openid bad\"scope"}),
        json!({"client_name": "x", "grant_types": ["client_credentials"], "response_types": [],
               "scope": "account"}),
        json!({"client_name": "x", "grant_types": ["client_credentials"], "response_types": [],
               "scope": "admin"}),
        // Not an object.
        json!([]),
        json!([{"client_name": "x", "redirect_uris": uris}]),
        json!("client_name"),
        json!(null),
    ];
    assert_all_refused(
        &app,
        StatusCode::BAD_REQUEST,
        "invalid_client_metadata",
        &bodies,
    )
    .await;
}

#[tokio::test]
async fn a_body_that_is_not_json_is_invalid_client_metadata() {
    let app = TestApp::spawn().await;
    let token = initial_token(&app, 1, None).await;
    let before = snapshot(&app).await;
    for body in [
        &b"client_name=Shop&redirect_uris=https://rp.example/callback"[..],
        b"{\"client_name\": \"Shop\",",
        b"",
        b"\xff\xfe{}",
    ] {
        let response = register_bytes(&app, Some(&token), body.to_vec()).await;
        assert_oauth_error(response, StatusCode::BAD_REQUEST, "invalid_client_metadata").await;
    }
    assert_eq!(snapshot(&app).await, before);
    assert_eq!(uses_left(&app, &token).await, Some(1));
}

#[tokio::test]
async fn a_body_over_16_kib_is_refused_with_413_and_one_at_the_limit_is_read() {
    let app = TestApp::spawn().await;
    let token = initial_token(&app, 1, None).await;
    let sized = |size: usize| {
        let mut body = web_app("Padded");
        let base = body.to_string().len() + r#","padding":"""#.len();
        body["padding"] = json!("p".repeat(size - base));
        let bytes = body.to_string().into_bytes();
        assert_eq!(bytes.len(), size);
        bytes
    };
    let before = snapshot(&app).await;
    let response = register_bytes(&app, Some(&token), sized(16 * 1024 + 1)).await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(response.headers()[CACHE_CONTROL], "no-store");
    let response = register_bytes(&app, Some(&token), vec![b' '; 1024 * 1024]).await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(snapshot(&app).await, before);

    let response = register_bytes(&app, Some(&token), sized(16 * 1024)).await;
    json_answer(response, StatusCode::CREATED).await;
}
