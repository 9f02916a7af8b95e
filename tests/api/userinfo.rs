//! The UserInfo endpoint (OpenID Connect Core §5.3) and its bearer token errors (RFC 6750).

use crate::support::{Landing, TestApp, UserAgent, code_from, token_json};
use farm_auth::accounts::users::Role;
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

/// `ada`'s token response for a web client allowed `scope`, and her `sub`.
async fn ada_tokens(app: &TestApp, scope: &str, extra: &[(&str, &str)]) -> (Value, String) {
    let sub = app.person("ada", Role::Farmer).await;
    let client = app.web_client(scope).await;
    let agent = UserAgent::new(app);
    let landing = agent
        .navigate(&app.authorize_url(&client, scope, extra))
        .await;
    let landing = agent.log_in(landing, "ada", crate::support::PASSWORD).await;
    let back = agent.consent(landing, "allow").await.client();
    let tokens = token_json(app.exchange_code(&client, &code_from(app, &back)).await).await;
    let claims = app
        .verify_id_token(&client, tokens["id_token"].as_str().unwrap())
        .await;
    assert_eq!(claims["sub"], sub);
    (tokens, sub)
}

/// `ada`'s access token for a web client allowed `scope`, and her `sub`.
async fn ada_token(app: &TestApp, scope: &str, extra: &[(&str, &str)]) -> (String, String) {
    let (tokens, sub) = ada_tokens(app, scope, extra).await;
    (tokens["access_token"].as_str().unwrap().to_string(), sub)
}

async fn json_of(response: Response) -> Value {
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "no-store");
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    response.json().await.unwrap()
}

fn challenge(response: &Response) -> String {
    response.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn userinfo_answers_the_same_claims_by_get_post_and_form_body() {
    let app = TestApp::spawn().await;
    let (token, sub) = ada_token(&app, "openid profile email", &[]).await;
    let endpoint = app.endpoint("userinfo_endpoint").await;

    let by_get = json_of(app.userinfo(&token).await).await;
    let updated_at = by_get["updated_at"].as_i64().expect("updated_at");
    assert_eq!(
        by_get,
        json!({
            "sub": sub,
            "name": "ada",
            "preferred_username": "ada",
            "updated_at": updated_at,
            "email": "ada@farm.example",
            "email_verified": false,
        })
    );
    let by_post = app
        .http
        .post(&endpoint)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(json_of(by_post).await, by_get);
    let by_body = app
        .http
        .post(&endpoint)
        .form(&[("access_token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(json_of(by_body).await, by_get);

    // RFC 6750 §2: one method only.
    let both = app
        .http
        .post(&endpoint)
        .bearer_auth(&token)
        .form(&[("access_token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(both.status(), StatusCode::BAD_REQUEST);
    assert!(challenge(&both).contains("error=\"invalid_request\""));
}

#[tokio::test]
async fn userinfo_releases_only_the_claims_of_the_granted_scopes() {
    let app = TestApp::spawn().await;
    let (token, sub) = ada_token(&app, "openid", &[]).await;
    let claims = json_of(app.userinfo(&token).await).await;
    assert_eq!(claims, json!({ "sub": sub }));
}

/// OpenID Connect Core §5.5: a claim asked for by name is released like its scope: only if
/// the client is registered for that scope and the person allows it on the consent page.
#[tokio::test]
async fn the_claims_parameter_asks_for_the_scope_of_its_claims_and_the_person_allows_it() {
    let app = TestApp::spawn().await;
    let sub = app.person("ada", Role::Farmer).await;
    let client = app.web_client("openid email").await;
    let agent = UserAgent::new(&app);
    let claims_request = r#"{"userinfo":{"email":null},"id_token":{"roles":null}}"#;
    let url = app.authorize_url(&client, "openid", &[("claims", claims_request)]);
    let landing = agent.navigate(&url).await;
    let landing = agent.log_in(landing, "ada", crate::support::PASSWORD).await;
    let Landing::Page { body: consent, .. } = &landing else {
        panic!("expected the consent page, got {landing:?}");
    };
    assert!(consent.contains("See your email address"), "{consent}");
    assert!(
        !consent.contains("administrator"),
        "roles is not registered: {consent}"
    );
    let back = agent.consent(landing, "allow").await.client();
    let tokens = token_json(app.exchange_code(&client, &code_from(&app, &back)).await).await;
    assert_eq!(tokens["scope"], "openid email");
    let token = tokens["access_token"].as_str().unwrap();
    let claims = json_of(app.userinfo(token).await).await;
    assert_eq!(
        claims,
        json!({ "sub": sub, "email": "ada@farm.example", "email_verified": false })
    );
    let id_claims = app
        .verify_id_token(&client, tokens["id_token"].as_str().unwrap())
        .await;
    assert_eq!(id_claims["email"], "ada@farm.example");
    assert!(id_claims.get("roles").is_none(), "{id_claims}");
}

#[tokio::test]
async fn userinfo_refuses_a_token_without_openid_with_403_insufficient_scope() {
    let app = TestApp::spawn().await;
    let bot = app.machine_client("orders:read").await;
    let token = app.access_token(&bot, None).await;
    let response = app.userinfo(&token).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let header = challenge(&response);
    assert!(header.starts_with("Bearer realm=\"farm-auth\""), "{header}");
    assert!(header.contains("error=\"insufficient_scope\""), "{header}");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "insufficient_scope");
}

#[tokio::test]
async fn userinfo_without_a_token_answers_401_with_a_bare_challenge() {
    let app = TestApp::spawn().await;
    let endpoint = app.endpoint("userinfo_endpoint").await;
    for response in [
        app.http.get(&endpoint).send().await.unwrap(),
        app.http.post(&endpoint).send().await.unwrap(),
    ] {
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        // RFC 6750 §3.1: no error code when the request carried no token at all.
        assert_eq!(challenge(&response), "Bearer realm=\"farm-auth\"");
    }
}

#[tokio::test]
async fn userinfo_with_a_bad_or_expired_token_answers_invalid_token() {
    let app = TestApp::spawn().await;
    let (token, _) = ada_token(&app, "openid", &[]).await;
    let mut tampered = token.clone();
    tampered.pop();
    tampered.push(if token.ends_with('A') { 'B' } else { 'A' });
    for bad in [tampered.as_str(), "not-a-token"] {
        let response = app.userinfo(bad).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{bad}");
        let header = challenge(&response);
        assert!(header.starts_with("Bearer realm=\"farm-auth\""), "{header}");
        assert!(header.contains("error=\"invalid_token\""), "{header}");
    }
    // Access tokens live 15 minutes.
    app.clock.advance(900);
    let response = app.userinfo(&token).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(challenge(&response).contains("error=\"invalid_token\""));
}
