//! The refresh token grant (RFC 6749 §6): rotation, replay detection revoking the whole
//! grant (RFC 9700 §4.14.2), idle and absolute lifetimes, and narrower scopes.

use crate::support::{TestApp, TestClient, UserAgent, assert_oauth_error, token_json};
use farm_auth::accounts::users::Role;
use reqwest::StatusCode;
use serde_json::Value;

const SCOPE: &str = "openid profile email offline_access";
const DAY: i64 = 86_400;

/// `ada`'s first token response for a web client allowed [`SCOPE`].
async fn ada_tokens(app: &TestApp) -> (TestClient, Value) {
    app.person("ada", Role::Consumer).await;
    let client = app.web_client(SCOPE).await;
    let agent = UserAgent::new(app);
    let tokens = app.sign_in_for_tokens(&agent, &client, "ada", SCOPE).await;
    (client, tokens)
}

fn refresh_token(tokens: &Value) -> String {
    tokens["refresh_token"]
        .as_str()
        .expect("a refresh token")
        .to_string()
}

#[tokio::test]
async fn offline_access_gives_a_refresh_token_that_rotates_at_every_use() {
    let app = TestApp::spawn().await;
    let (client, first) = ada_tokens(&app).await;
    let first_claims = app
        .verify_id_token(&client, first["id_token"].as_str().unwrap())
        .await;

    let second = token_json(app.refresh(&client, &refresh_token(&first), None).await).await;
    assert_ne!(refresh_token(&second), refresh_token(&first));
    assert_ne!(second["access_token"], first["access_token"]);
    assert_eq!(second["scope"], first["scope"]);
    let claims = app
        .verify_id_token(&client, second["id_token"].as_str().unwrap())
        .await;
    // OpenID Connect Core §12.2: same person and auth_time; no nonce.
    assert_eq!(claims["sub"], first_claims["sub"]);
    assert_eq!(claims["auth_time"], first_claims["auth_time"]);
    assert!(claims.get("nonce").is_none(), "{claims}");
    assert_eq!(first_claims["nonce"], "n-0S6");

    let third = token_json(app.refresh(&client, &refresh_token(&second), None).await).await;
    assert_ne!(refresh_token(&third), refresh_token(&second));
}

#[tokio::test]
async fn a_replayed_refresh_token_revokes_the_whole_family() {
    let app = TestApp::spawn().await;
    let (client, first) = ada_tokens(&app).await;
    let second = token_json(app.refresh(&client, &refresh_token(&first), None).await).await;
    let access = second["access_token"].as_str().unwrap();
    assert_eq!(app.introspect(&client, access).await["active"], true);

    let replay = app.refresh(&client, &refresh_token(&first), None).await;
    assert_oauth_error(replay, StatusCode::BAD_REQUEST, "invalid_grant").await;

    // The newest refresh token and the access token beside it are dead too.
    let newest = app.refresh(&client, &refresh_token(&second), None).await;
    assert_oauth_error(newest, StatusCode::BAD_REQUEST, "invalid_grant").await;
    assert_eq!(
        app.introspect(&client, access).await,
        serde_json::json!({ "active": false })
    );
    assert_eq!(
        app.userinfo(access).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn a_refresh_token_unused_for_fourteen_days_expires() {
    let app = TestApp::spawn().await;
    let (client, first) = ada_tokens(&app).await;
    // Used just before its idle lifetime ends: it works, and the new one starts afresh.
    app.clock.advance(14 * DAY - 1);
    let second = token_json(app.refresh(&client, &refresh_token(&first), None).await).await;
    app.clock.advance(14 * DAY);
    let expired = app.refresh(&client, &refresh_token(&second), None).await;
    assert_oauth_error(expired, StatusCode::BAD_REQUEST, "invalid_grant").await;
}

#[tokio::test]
async fn refresh_tokens_stop_at_ninety_days_however_often_used() {
    let app = TestApp::spawn().await;
    let (client, mut tokens) = ada_tokens(&app).await;
    for _ in 0..8 {
        app.clock.advance(10 * DAY);
        tokens = token_json(app.refresh(&client, &refresh_token(&tokens), None).await).await;
    }
    // Day 89: still inside the grant's absolute lifetime.
    app.clock.advance(9 * DAY);
    tokens = token_json(app.refresh(&client, &refresh_token(&tokens), None).await).await;
    // Day 90: over, however fresh the last refresh token is.
    app.clock.advance(DAY);
    let over = app.refresh(&client, &refresh_token(&tokens), None).await;
    assert_oauth_error(over, StatusCode::BAD_REQUEST, "invalid_grant").await;
}

#[tokio::test]
async fn a_narrower_scope_may_be_asked_for_and_the_refresh_token_keeps_the_grant() {
    let app = TestApp::spawn().await;
    let (client, first) = ada_tokens(&app).await;
    let narrow = token_json(
        app.refresh(&client, &refresh_token(&first), Some("openid email"))
            .await,
    )
    .await;
    assert_eq!(narrow["scope"], "openid email");
    let access = narrow["access_token"].as_str().unwrap();
    assert_eq!(
        app.introspect(&client, access).await["scope"],
        "openid email"
    );
    let claims = app
        .verify_id_token(&client, narrow["id_token"].as_str().unwrap())
        .await;
    assert_eq!(claims["email"], "ada@farm.example");
    assert!(claims.get("preferred_username").is_none(), "{claims}");
    let userinfo: Value = app.userinfo(access).await.json().await.unwrap();
    assert_eq!(
        userinfo,
        serde_json::json!({
            "sub": claims["sub"],
            "email": "ada@farm.example",
            "email_verified": false,
        })
    );

    // RFC 6749 §6: the new refresh token still holds the whole grant.
    let wide = token_json(app.refresh(&client, &refresh_token(&narrow), None).await).await;
    let mut scope: Vec<&str> = wide["scope"].as_str().unwrap().split(' ').collect();
    scope.sort();
    assert_eq!(scope, ["email", "offline_access", "openid", "profile"]);
}

#[tokio::test]
async fn a_wider_scope_is_refused_and_the_refresh_token_still_works() {
    let app = TestApp::spawn().await;
    let (client, first) = ada_tokens(&app).await;
    let token = refresh_token(&first);
    let wider = app.refresh(&client, &token, Some("openid roles")).await;
    assert_oauth_error(wider, StatusCode::BAD_REQUEST, "invalid_scope").await;
    // The refusal issued nothing new, so the client still holds a working refresh token:
    // retrying without the scope is not a replay.
    let retry = app.refresh(&client, &token, None).await;
    token_json(retry).await;
}

#[tokio::test]
async fn a_refresh_token_is_only_good_for_its_own_client() {
    let app = TestApp::spawn().await;
    let (_client, first) = ada_tokens(&app).await;
    let other = app.web_client(SCOPE).await;
    let stolen = app.refresh(&other, &refresh_token(&first), None).await;
    assert_oauth_error(stolen, StatusCode::BAD_REQUEST, "invalid_grant").await;
}

#[tokio::test]
async fn without_offline_access_there_is_no_refresh_token() {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    // Registered for offline_access, but not asking for it.
    let client = app.web_client(SCOPE).await;
    let agent = UserAgent::new(&app);
    let tokens = app
        .sign_in_for_tokens(&agent, &client, "ada", "openid profile")
        .await;
    assert!(tokens.get("refresh_token").is_none(), "{tokens}");
    // And a client not registered for refresh tokens gets none even when asking.
    let no_refresh = app
        .register(farm_auth::oauth2::client_metadata::NewClient {
            name: "Online Only".into(),
            redirect_uris: vec![crate::support::REDIRECT_URI.into()],
            scope: Some(SCOPE.into()),
            ..Default::default()
        })
        .await;
    let landing = agent
        .navigate(&app.authorize_url(&no_refresh, SCOPE, &[]))
        .await;
    let back = agent.consent(landing, "allow").await.client();
    let code = crate::support::code_from(&app, &back);
    let tokens = token_json(app.exchange_code(&no_refresh, &code).await).await;
    assert!(tokens.get("refresh_token").is_none(), "{tokens}");
    assert!(
        !tokens["scope"]
            .as_str()
            .unwrap()
            .split(' ')
            .any(|s| s == "offline_access"),
        "{tokens}"
    );
}

/// A revocation that lands between a refresh's checks and its rotation: the rotation
/// touches the grant first, so it finds the grant revoked and stores nothing.
#[tokio::test]
async fn a_rotation_after_the_grant_was_revoked_stores_no_successor() {
    use farm_auth::secrets::hash_secret;
    use farm_auth::store::grants::Taken;

    let app = TestApp::spawn().await;
    let (_, tokens) = ada_tokens(&app).await;
    let presented = hash_secret(&refresh_token(&tokens));
    let token = app
        .store
        .find_unused_refresh_token(&presented)
        .await
        .unwrap()
        .expect("the refresh token is stored");
    let now = app.clock.now();
    app.store.revoke_grant(&token.grant_id, now).await.unwrap();
    let successor = farm_auth::store::grants::RefreshTokenRecord {
        token_hash: hash_secret("successor"),
        ..token.clone()
    };
    let taken = app
        .store
        .rotate_refresh_token(&token.grant_id, &presented, now, Some(&successor))
        .await
        .unwrap();
    assert!(matches!(taken, Taken::Unknown), "{taken:?}");
    // Nothing was written: no successor, and the presented token is not used up either.
    assert!(
        app.store
            .find_unused_refresh_token(&hash_secret("successor"))
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        app.store
            .find_unused_refresh_token(&presented)
            .await
            .unwrap()
            .is_some()
    );
}

/// An administrator (through the admin API) registers `client` again for `scope`, with
/// everything else as [`TestApp::web_client`] made it.
async fn narrow_client(app: &TestApp, client: &TestClient, scope: &str) {
    use crate::support::{POST_LOGOUT_URI, REDIRECT_URI};

    if app
        .store
        .find_user_by_username("root")
        .await
        .unwrap()
        .is_none()
    {
        app.person("root", Role::Admin).await;
    }
    let console = app.web_client("openid admin").await;
    let agent = UserAgent::new(app);
    let tokens = app
        .sign_in_for_tokens(&agent, &console, "root", "openid admin")
        .await;
    let response = app
        .http
        .put(app.url(&format!("/api/v1/admin/clients/{}", client.id)))
        .bearer_auth(tokens["access_token"].as_str().unwrap())
        .json(&serde_json::json!({
            "client_name": "Veggie Box",
            "redirect_uris": [REDIRECT_URI],
            "post_logout_redirect_uris": [POST_LOGOUT_URI],
            "grant_types": ["authorization_code", "refresh_token"],
            "scope": scope,
            "token_endpoint_auth_method": "client_secret_basic",
        }))
        .send()
        .await
        .unwrap();
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["scope"], scope);
}

/// The scope of a token response, sorted.
fn scopes(tokens: &Value) -> Vec<String> {
    let mut scope: Vec<String> = tokens["scope"]
        .as_str()
        .unwrap_or_else(|| panic!("no scope: {tokens}"))
        .split(' ')
        .map(str::to_string)
        .collect();
    scope.sort();
    scope
}

#[tokio::test]
async fn narrowing_a_client_reaches_the_refresh_tokens_of_grants_made_before() {
    const WIDE: &str = "openid profile offline_access";
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    let client = app.web_client(WIDE).await;
    let agent = UserAgent::new(&app);
    let first = app.sign_in_for_tokens(&agent, &client, "ada", WIDE).await;
    assert_eq!(scopes(&first), ["offline_access", "openid", "profile"]);

    // profile taken away: the next refresh carries the rest, and a new refresh token.
    narrow_client(&app, &client, "openid offline_access").await;
    let second = token_json(app.refresh(&client, &refresh_token(&first), None).await).await;
    assert_eq!(scopes(&second), ["offline_access", "openid"]);
    let access = second["access_token"].as_str().unwrap();
    let introspected = app.introspect(&client, access).await;
    assert_eq!(introspected["active"], true);
    let mut introspected_scope: Vec<&str> =
        introspected["scope"].as_str().unwrap().split(' ').collect();
    introspected_scope.sort();
    assert_eq!(introspected_scope, ["offline_access", "openid"]);
    let claims = app
        .verify_id_token(&client, second["id_token"].as_str().unwrap())
        .await;
    assert!(claims.get("preferred_username").is_none(), "{claims}");
    let userinfo: Value = app.userinfo(access).await.json().await.unwrap();
    assert!(userinfo.get("preferred_username").is_none(), "{userinfo}");
    // Asking for it by name (it is still in the grant) is no way back: the answer says
    // what was issued (RFC 6749 §5.1), and the refresh token still holds the grant.
    let second = token_json(
        app.refresh(&client, &refresh_token(&second), Some("openid profile"))
            .await,
    )
    .await;
    assert_eq!(second["scope"], "openid");
    let access = second["access_token"].as_str().unwrap();
    assert_eq!(app.introspect(&client, access).await["scope"], "openid");

    // offline_access taken away too: an access token for openid alone, and no new
    // refresh token.
    narrow_client(&app, &client, "openid").await;
    let third = token_json(app.refresh(&client, &refresh_token(&second), None).await).await;
    assert_eq!(third["scope"], "openid");
    assert!(third.get("refresh_token").is_none(), "{third}");
    let access = third["access_token"].as_str().unwrap();
    let introspected = app.introspect(&client, access).await;
    assert_eq!(introspected["active"], true);
    assert_eq!(introspected["scope"], "openid");
    // The refresh token just used is spent, and nothing follows it.
    let spent = app.refresh(&client, &refresh_token(&second), None).await;
    assert_oauth_error(spent, StatusCode::BAD_REQUEST, "invalid_grant").await;
}

#[tokio::test]
async fn a_code_issued_before_the_client_was_narrowed_carries_only_what_it_may_still_have() {
    const WIDE: &str = "openid profile offline_access";
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    let client = app.web_client(WIDE).await;
    let agent = UserAgent::new(&app);
    let back = app.sign_in_and_allow(&agent, &client, "ada", WIDE).await;
    let code = crate::support::code_from(&app, &back);

    narrow_client(&app, &client, "openid").await;
    let tokens = token_json(app.exchange_code(&client, &code).await).await;
    assert_eq!(tokens["scope"], "openid");
    assert!(tokens.get("refresh_token").is_none(), "{tokens}");
    let access = tokens["access_token"].as_str().unwrap();
    assert_eq!(app.introspect(&client, access).await["scope"], "openid");
    let claims = app
        .verify_id_token(&client, tokens["id_token"].as_str().unwrap())
        .await;
    assert!(claims.get("preferred_username").is_none(), "{claims}");
}
