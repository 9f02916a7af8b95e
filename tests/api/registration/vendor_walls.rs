//! What a vendor's client may never do: the consent page names the vendor (escaped), or an
//! outside developer; a vendor client never gets the `account` or `admin` scope; a farmer's
//! token stops working when they lose the role or are locked.

use farm_auth::accounts::admin::Actor;
use farm_auth::accounts::users::Role;
use reqwest::{Method, StatusCode};
use serde_json::json;

use super::*;
use crate::support::{
    TestApp, UserAgent, assert_oauth_error, code_from, initial_access_token_rows, send_json,
    token_json,
};

#[tokio::test]
async fn a_vendor_client_signs_a_person_in_and_the_consent_page_names_the_vendor() {
    let app = TestApp::spawn().await;
    app.person("marigold", Role::Consumer).await;
    let token = initial_token(&app, 1, Some("Acme Produce Ltd")).await;
    let info = registered(&app, &token, &web_app("Acme Orders")).await;
    let client = test_client(&info);
    let scope = "openid profile offline_access";

    let (agent, page) = consent_page(&app, &client, "marigold", scope).await;
    assert!(page.contains("Acme Orders"), "{page}");
    assert!(page.contains("is made by"), "no vendor note: {page}");
    assert!(page.contains("<strong>Acme Produce Ltd</strong>"), "{page}");
    assert!(!page.contains("an outside developer"), "{page}");
    let back = allow(&agent, page).await;
    let code = code_from(&app, &back);
    let tokens = token_json(app.exchange_code(&client, &code).await).await;
    assert_eq!(tokens["scope"], scope);
    let claims = app
        .verify_id_token(&client, tokens["id_token"].as_str().unwrap())
        .await;
    assert_eq!(claims["preferred_username"], "marigold");
    let access = app
        .verify_like_a_resource_server(tokens["access_token"].as_str().unwrap())
        .await
        .unwrap();
    assert_eq!(access["client_id"], client.id.as_str());
    // The refresh token works for it too.
    let refreshed = app
        .refresh(&client, tokens["refresh_token"].as_str().unwrap(), None)
        .await;
    token_json(refreshed).await;
}

#[tokio::test]
async fn an_unnamed_vendor_is_an_outside_developer_on_the_consent_page() {
    let app = TestApp::spawn().await;
    app.person("marigold", Role::Consumer).await;
    let token = initial_token(&app, 1, None).await;
    let client = test_client(&registered(&app, &token, &web_app("Mystery App")).await);
    let (_, page) = consent_page(&app, &client, "marigold", "openid").await;
    assert!(page.contains("is made by"), "no vendor note: {page}");
    assert!(page.contains("an outside developer"), "{page}");
}

#[tokio::test]
async fn a_vendor_name_is_shown_escaped() {
    let app = TestApp::spawn().await;
    app.person("marigold", Role::Consumer).await;
    let token = initial_token(&app, 1, Some("Fields & Sons <b>x</b>")).await;
    let client = test_client(&registered(&app, &token, &web_app("Fields")).await);
    let (_, page) = consent_page(&app, &client, "marigold", "openid").await;
    assert!(page.contains("is made by"), "{page}");
    assert!(!page.contains("<b>x</b>"), "unescaped: {page}");
    assert!(
        page.contains("Fields &#38; Sons &#60;b&#62;")
            || page.contains("Fields &amp; Sons &lt;b&gt;"),
        "{page}"
    );
}

#[tokio::test]
async fn the_platforms_own_clients_show_no_vendor_note() {
    let app = TestApp::spawn().await;
    app.person("marigold", Role::Consumer).await;
    let client = app.web_client("openid profile").await;
    let (_, page) = consent_page(&app, &client, "marigold", "openid profile").await;
    assert!(!page.contains("is made by"), "{page}");
    assert!(!page.contains("vendor-note"), "{page}");
    assert!(!page.contains("outside"), "{page}");
}

#[tokio::test]
async fn a_vendor_machine_client_cannot_obtain_the_account_or_admin_scope() {
    let app = TestApp::spawn().await;
    let token = initial_token(&app, 1, None).await;
    let info = machine_vendor_app(&app, &token, "Bot", "profile").await;
    let bot = test_client(&info);
    for scope in [
        "account",
        "admin",
        "profile account",
        "admin profile",
        "orders:read",
    ] {
        let response = app.client_credentials(&bot, Some(scope)).await;
        assert_oauth_error(response, StatusCode::BAD_REQUEST, "invalid_scope").await;
    }
    // What it gets opens neither API.
    let access = app.access_token(&bot, None).await;
    let claims = app.verify_like_a_resource_server(&access).await.unwrap();
    // `profile` needs a person: a client's own token carries no scope at all.
    assert_eq!(claims["scope"].as_str().unwrap_or_default(), "", "{claims}");
    let signup = json!({"username": "vendor_made", "email": "v@farm.example",
                        "password": "potatoes grow underground"});
    for path in ["/api/v1/users", MY_TOKENS, ADMIN_TOKENS] {
        let response = send_json(&app, Method::POST, path, Some(&access), &signup).await;
        assert_oauth_error(response, StatusCode::FORBIDDEN, "insufficient_scope").await;
    }
    assert!(
        app.store
            .find_user_by_username("vendor_made")
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn a_vendor_web_client_cannot_get_the_account_or_admin_scope_for_a_person() {
    let app = TestApp::spawn().await;
    app.person("root", Role::Admin).await;
    let token = initial_token(&app, 1, None).await;
    let client = test_client(&registered(&app, &token, &web_app("Shop")).await);

    // Only scopes it may not have: refused, at the provider while nobody is signed in
    // (RFC 9700 §4.11.2), with a way back that carries the error to the client.
    let agent = UserAgent::new(&app);
    let (_, status, page) = agent
        .navigate(&app.authorize_url(&client, "admin account", &[]))
        .await
        .page();
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("error=invalid_scope"), "{page}");
    assert!(page.contains(">Return to Shop</a>"), "{page}");

    // Beside one it may have (RFC 6749 §3.3): left out, and the token opens neither API.
    let scope = "openid account admin";
    let (agent, page) = consent_page(&app, &client, "root", scope).await;
    assert!(!page.contains("Manage how you sign in"), "{page}");
    assert!(!page.contains("Administer the platform"), "{page}");
    let back = allow(&agent, page).await;
    let code = code_from(&app, &back);
    let tokens = token_json(app.exchange_code(&client, &code).await).await;
    assert_eq!(tokens["scope"], "openid");
    let access = tokens["access_token"].as_str().unwrap();
    let claims = app.verify_like_a_resource_server(access).await.unwrap();
    assert_eq!(claims["scope"], "openid");
    let response = app
        .http
        .get(app.url("/api/v1/me"))
        .bearer_auth(access)
        .send()
        .await
        .unwrap();
    assert_oauth_error(response, StatusCode::FORBIDDEN, "insufficient_scope").await;
    let response = send_json(&app, Method::POST, ADMIN_TOKENS, Some(access), &json!({})).await;
    assert_oauth_error(response, StatusCode::FORBIDDEN, "insufficient_scope").await;
    assert!(initial_access_token_rows(&app.database.url).await.len() == 1);
}

#[tokio::test]
async fn a_vendor_cannot_register_client_credentials_or_roles_and_an_administrator_never_grants_roles()
 {
    let app = TestApp::spawn().await;
    let token = initial_token(&app, 3, None).await;
    let before = snapshot(&app).await;
    let response = register(&app, Some(&token), &machine_app("Bot", "")).await;
    assert_oauth_error(response, StatusCode::BAD_REQUEST, "invalid_client_metadata").await;
    let mut with_roles = web_app("Roles");
    with_roles["scope"] = json!("openid roles");
    let response = register(&app, Some(&token), &with_roles).await;
    assert_oauth_error(response, StatusCode::BAD_REQUEST, "invalid_client_metadata").await;
    assert_eq!(snapshot(&app).await, before, "nothing stored, no use spent");

    // An administrator may grant client_credentials, never roles, account or admin.
    let info = machine_vendor_app(&app, &token, "Bot", "").await;
    let id = info["client_id"].as_str().unwrap();
    let before = snapshot(&app).await;
    for scope in ["roles", "account", "openid admin"] {
        let widened = NewClient {
            name: "Bot".into(),
            grant_types: vec!["client_credentials".into()],
            scope: Some(scope.into()),
            ..NewClient::default()
        };
        let refused = operator::update_client(&app.state, Actor::CommandLine, id, widened).await;
        assert!(refused.is_err(), "{scope}");
    }
    assert_eq!(snapshot(&app).await, before);
    let bot = test_client(&info);
    let response = app.client_credentials(&bot, None).await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_vendor_app_stored_with_roles_or_account_gets_neither() {
    let app = TestApp::spawn().await;
    app.person("marigold", Role::Consumer).await;
    let token = initial_token(&app, 1, None).await;
    let client = test_client(&registered(&app, &token, &web_app("Old")).await);
    // A row written before the rule, or by hand.
    let mut record = app.store.find_client(&client.id).await.unwrap().unwrap();
    record.scope = farm_auth::domain::Scope::parse("openid roles account admin").unwrap();
    assert!(app.store.update_client(&record).await.unwrap());
    app.state.clients.forget(&client.id);
    let seen = app.state.clients.find(&client.id).await.unwrap().unwrap();
    assert_eq!(seen.scope.to_string(), "openid");
    // Asked for anyway, they are dropped like any scope it is not registered for.
    let (_, page) = consent_page(&app, &client, "marigold", "openid roles account admin").await;
    assert!(!page.contains("See whether you are a consumer"), "{page}");
    assert!(page.contains("is made by an outside developer"), "{page}");
}

#[tokio::test]
async fn a_vendor_keeps_what_an_administrator_granted_and_cannot_add_to_it() {
    let app = TestApp::spawn().await;
    let token = initial_token(&app, 1, None).await;
    let info = machine_vendor_app(&app, &token, "Bot", "orders:read").await;
    let id = info["client_id"].as_str().unwrap();
    let registration_token = info["registration_access_token"].as_str().unwrap();
    let mut body = json!({"client_id": id, "client_name": "Bot", "response_types": [],
        "grant_types": ["client_credentials"], "scope": "orders:read payouts:read"});
    let before = snapshot(&app).await;
    let response = manage(&app, Method::PUT, id, Some(registration_token), Some(&body)).await;
    assert_oauth_error(response, StatusCode::BAD_REQUEST, "invalid_client_metadata").await;
    assert_eq!(
        snapshot(&app).await,
        before,
        "refused: nothing changed, nor rotated"
    );

    // What it was granted it keeps, and it may narrow it.
    body["scope"] = json!("orders:read");
    body["client_name"] = json!("Bot 2");
    let response = manage(&app, Method::PUT, id, Some(registration_token), Some(&body)).await;
    let updated = json_answer(response, StatusCode::OK).await;
    assert_eq!(updated["scope"], "orders:read");
    assert_eq!(updated["grant_types"], json!(["client_credentials"]));
}

#[tokio::test]
async fn a_refused_registration_and_an_administrators_refused_grant_are_in_the_trail() {
    let app = TestApp::spawn().await;
    let token = initial_token(&app, 2, None).await;
    let response = register(&app, Some(&token), &machine_app("Bot", "")).await;
    assert_oauth_error(response, StatusCode::BAD_REQUEST, "invalid_client_metadata").await;
    let info = registered(&app, &token, &web_app("Shop")).await;
    let widened = NewClient {
        name: "Shop".into(),
        redirect_uris: vec![REDIRECT_URI.into()],
        scope: Some("openid account".into()),
        ..NewClient::default()
    };
    let id = info["client_id"].as_str().unwrap();
    assert!(
        operator::update_client(&app.state, Actor::CommandLine, id, widened)
            .await
            .is_err()
    );
    let trail = app.store.list_audit_events(None, 100).await.unwrap();
    let failures: Vec<_> = trail
        .iter()
        .filter(|e| e.outcome == "failure")
        .map(|e| (e.event.as_str(), e.detail.clone().unwrap_or_default()))
        .collect();
    assert_eq!(failures.len(), 2, "{failures:?}");
    assert!(
        failures
            .iter()
            .any(|(e, d)| *e == "client.registered" && d.contains("client_credentials"))
    );
    assert!(
        failures
            .iter()
            .any(|(e, d)| *e == "client.updated" && d.contains("account"))
    );
}

/// Back-Channel Logout 1.0 §2.2: a vendor may register where its logout tokens go, https
/// only, and never on a network only the platform's own services may be called on (the
/// tests allow loopback, as an operator allows an inner network): it is refused without
/// being told what the name resolved to.
#[tokio::test]
async fn a_vendor_registers_a_logout_uri_but_never_one_on_the_platforms_inner_network() {
    let app = TestApp::spawn().await;
    let token = initial_token(&app, 5, Some("Acme Produce Ltd")).await;
    let with_uri = |uri: &str| {
        let mut body = web_app("Acme Orders");
        body["backchannel_logout_uri"] = json!(uri);
        body["backchannel_logout_session_required"] = json!(true);
        body
    };
    for (uri, why) in [
        ("https://127.0.0.1/logout", "cannot be called from here"),
        ("https://localhost/logout", "cannot be called from here"),
        ("http://acme.example/logout", "https"),
    ] {
        let refused = register(&app, Some(&token), &with_uri(uri)).await;
        let error =
            assert_oauth_error(refused, StatusCode::BAD_REQUEST, "invalid_client_metadata").await;
        let text = error["error_description"].as_str().unwrap();
        assert!(text.contains(why), "{uri}: {text}");
        assert!(
            !text.contains("127.0.0.1") || uri.contains("127.0.0.1"),
            "{text}"
        );
    }
    let info = registered(&app, &token, &with_uri("https://acme.example/logout")).await;
    assert_eq!(
        info["backchannel_logout_uri"],
        "https://acme.example/logout"
    );
    assert_eq!(info["backchannel_logout_session_required"], true);
}
