//! Logout requests that cannot be trusted get an error page and no redirect.

use farm_auth::accounts::users::Role;
use reqwest::StatusCode;
use reqwest::header::LOCATION;
use serde_json::Value;

use super::SCOPE;
use crate::support::{
    Landing, POST_LOGOUT_URI, TestApp, TestClient, UserAgent, assert_not_logged, encode,
    is_signed_in, page_header_problems,
};

/// An ID token for `client` and ada, through the whole code flow.
async fn id_token_for(app: &TestApp, agent: &UserAgent, client: &TestClient) -> String {
    let back = app.sign_in_and_allow(agent, client, "ada", SCOPE).await;
    let code = Landing::param(&back, "code").unwrap();
    let response = app.exchange_code(client, &code).await;
    assert_eq!(response.status(), StatusCode::OK);
    let tokens: Value = response.json().await.unwrap();
    tokens["id_token"].as_str().unwrap().to_string()
}

/// `token` with its payload replaced by `edit` of it, the signature kept.
fn tampered(token: &str, edit: impl Fn(&mut Value)) -> String {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let parts: Vec<&str> = token.split('.').collect();
    let mut claims: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    edit(&mut claims);
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    format!("{}.{payload}.{}", parts[0], parts[2])
}

#[tokio::test]
async fn logout_requests_that_cannot_be_trusted_get_an_error_page_and_no_redirect() {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    let client = app.web_client(SCOPE).await;
    let other = app.web_client(SCOPE).await;
    let agent = UserAgent::new(&app);
    let hint = id_token_for(&app, &agent, &client).await;
    let forged = tampered(&hint, |c| c["sub"] = "someone-else".into());
    let foreign_aud = tampered(&hint, |c| c["aud"] = other.id.clone().into());
    let unregistered = "https://evil.example/signed-out";
    let long_state = "s".repeat(2049);
    let long_client_id = "c".repeat(5000);
    #[rustfmt::skip]
    let cases: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("a forged id_token_hint", vec![("id_token_hint", &forged)]),
        ("an id_token_hint with another aud", vec![("id_token_hint", &foreign_aud)]),
        ("an id_token_hint that is not a JWT", vec![("id_token_hint", "not-a-token")]),
        ("a forged id_token_hint with a registered return address",
            vec![("id_token_hint", &forged), ("post_logout_redirect_uri", POST_LOGOUT_URI)]),
        ("an unknown client_id", vec![("client_id", "no-such-client")]),
        ("a client_id of 5000 characters", vec![("client_id", &long_client_id)]),
        ("a client_id with a NUL byte", vec![("client_id", "a\0b")]),
        ("a client_id other than the hint's aud",
            vec![("id_token_hint", &hint), ("client_id", &other.id)]),
        ("an unregistered return address with a hint",
            vec![("id_token_hint", &hint), ("post_logout_redirect_uri", unregistered)]),
        ("an unregistered return address with a client_id",
            vec![("client_id", &client.id), ("post_logout_redirect_uri", unregistered)]),
        (
            "a registered return address with a different case",
            vec![
                ("client_id", &client.id),
                ("post_logout_redirect_uri", "https://RP.example/signed-out"),
            ],
        ),
        ("a return address without a client", vec![("post_logout_redirect_uri", POST_LOGOUT_URI)]),
        ("another client's return address",
            vec![("client_id", &other.id), ("post_logout_redirect_uri", unregistered)]),
        ("a repeated client_id", vec![("client_id", &client.id), ("client_id", &client.id)]),
        (
            "a repeated post_logout_redirect_uri",
            vec![
                ("id_token_hint", &hint),
                ("post_logout_redirect_uri", POST_LOGOUT_URI),
                ("post_logout_redirect_uri", POST_LOGOUT_URI),
            ],
        ),
        (
            "a state over 2048 bytes",
            vec![
                ("id_token_hint", &hint),
                ("post_logout_redirect_uri", POST_LOGOUT_URI),
                ("state", &long_state),
            ],
        ),
    ];
    let mut failures = Vec::new();
    for (what, params) in &cases {
        for method in ["GET", "POST"] {
            let response = match method {
                "GET" => agent.get(&format!("/logout?{}", encode(params))).await,
                // A POSTed logout request is sent back as the same GET (303), so that the
                // browser's SameSite=Lax cookie comes with it; follow that one hop.
                _ => {
                    let posted = agent.post("/logout", params).await;
                    match posted.status() {
                        StatusCode::SEE_OTHER => {
                            let location = posted.headers()[LOCATION].to_str().unwrap();
                            assert!(location.starts_with("/logout?"), "{method} {what}");
                            agent.get(location).await
                        }
                        // Refused before that (a repeated field): the page itself.
                        _ => posted,
                    }
                }
            };
            let status = response.status();
            assert_ne!(status, StatusCode::INTERNAL_SERVER_ERROR, "{method} {what}");
            let location = response.headers().get(LOCATION).cloned();
            let problems = page_header_problems(response.headers());
            if status != StatusCode::BAD_REQUEST || location.is_some() || !problems.is_empty() {
                failures.push(format!(
                    "{method} {what}: {status}, Location {location:?}, {problems:?}"
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    assert!(
        is_signed_in(&agent).await,
        "an untrusted logout request signed the person out"
    );

    // The trusted request, for contrast: no question asked, back to the client with state.
    let query = encode(&[
        ("id_token_hint", &hint),
        ("post_logout_redirect_uri", POST_LOGOUT_URI),
        ("state", "s&t=1"),
    ]);
    let response = agent.get(&format!("/logout?{query}")).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        response.headers()[LOCATION],
        format!("{POST_LOGOUT_URI}?state=s%26t%3D1").as_str()
    );
    assert!(!is_signed_in(&agent).await);
    assert_not_logged(&[&hint]);
}
