//! Every access token is for one audience: the API named by `resource` or implied by its
//! scopes, or farm-auth's own for sign-in scopes and `account`/`admin`; at every grant. The
//! account API refuses an API's token, UserInfo takes any token with `openid`, and a
//! platform service that checks its audience and a scope refuses what is not for it.

use farm_auth::accounts::users::Role;
use reqwest::{Method, StatusCode};

use crate::support::{
    INVENTORY, ORDERS, PlatformService, TestApp, UserAgent, assert_api_error, call_api, claims_of,
    code_from, token_json,
};

#[tokio::test]
async fn client_credentials_tokens_carry_the_audience_of_the_api_their_scopes_belong_to() {
    let app = TestApp::spawn().await;
    let (inventory, orders) = app.two_apis().await;
    let bot = app
        .machine_client("inventory:read inventory:write orders:read")
        .await;

    let implied = token_json(
        app.client_credentials_for(&bot, Some("inventory:read"), &[])
            .await,
    )
    .await;
    let claims = claims_of(implied["access_token"].as_str().unwrap());
    assert_eq!(claims["aud"], inventory.audience.as_str());
    assert_eq!(claims["client_id"], bot.id.as_str());
    assert_eq!(claims["scope"], "inventory:read");

    let named = token_json(app.client_credentials_for(&bot, None, &[ORDERS]).await).await;
    let claims = claims_of(named["access_token"].as_str().unwrap());
    assert_eq!(claims["aud"], orders.audience.as_str());
    assert_eq!(claims["scope"], "orders:read");
    assert_eq!(named["scope"], "orders:read");

    let both = app
        .client_credentials_for(&bot, Some("inventory:write"), &[INVENTORY])
        .await;
    let claims = claims_of(token_json(both).await["access_token"].as_str().unwrap());
    assert_eq!(claims["aud"], INVENTORY);
    assert_eq!(claims["scope"], "inventory:write");
}

#[tokio::test]
async fn tokens_with_only_sign_in_or_farm_auth_scopes_are_for_farm_auth() {
    let app = TestApp::spawn().await;
    app.two_apis().await;
    app.person("ada", Role::Consumer).await;
    let web = app
        .web_client("openid profile account inventory:read")
        .await;
    let tokens = app
        .sign_in_for_tokens(&UserAgent::new(&app), &web, "ada", "openid profile account")
        .await;
    let claims = claims_of(tokens["access_token"].as_str().unwrap());
    assert_eq!(claims["aud"], app.issuer.as_str());
    assert_eq!(claims["client_id"], web.id.as_str());
    assert_eq!(claims["scope"], "openid profile account");

    let bot = app.machine_client("account").await;
    let token = app.access_token(&bot, None).await;
    assert_eq!(claims_of(&token)["aud"], app.issuer.as_str());
}

#[tokio::test]
async fn the_code_flow_gives_the_api_named_at_authorize_and_a_refresh_may_switch_to_farm_auth() {
    let app = TestApp::spawn().await;
    let (inventory, _) = app.two_apis().await;
    app.person("ada", Role::Consumer).await;
    let web = app
        .web_client("openid profile offline_access inventory:read")
        .await;
    let agent = UserAgent::new(&app);
    // The resource named without its scopes: the client's registered scopes of it (RFC 6749
    // §3.3), shown on the consent page with the API's name and the scope's description.
    let url = app.authorize_url(&web, "openid offline_access", &[("resource", INVENTORY)]);
    let landing = agent.navigate(&url).await;
    let landing = agent.log_in(landing, "ada", crate::support::PASSWORD).await;
    let (_, _, consent) = landing.page();
    assert!(
        consent.contains("Inventory: Do inventory:read things"),
        "{consent}"
    );
    let landing = crate::support::Landing::Page {
        path: "/consent".into(),
        status: StatusCode::OK,
        body: consent,
    };
    let back = agent.consent(landing, "allow").await.client();
    let code = code_from(&app, &back);
    let tokens = token_json(
        app.token_with_resources(
            &web,
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", crate::support::REDIRECT_URI),
                ("code_verifier", crate::support::VERIFIER),
            ],
            &[INVENTORY],
        )
        .await,
    )
    .await;
    let access = tokens["access_token"].as_str().unwrap();
    let claims = claims_of(access);
    assert_eq!(claims["aud"], inventory.audience.as_str());
    assert_eq!(claims["scope"], "openid offline_access inventory:read");
    // The ID token is for the client, whatever the access token's audience.
    let id_token = tokens["id_token"].as_str().unwrap();
    assert_eq!(
        app.verify_id_token(&web, id_token).await["aud"],
        web.id.as_str()
    );

    // RFC 8707 §2.2: a refresh for farm-auth's own audience, downscoped to it; the new
    // refresh token keeps the whole grant, so the next refresh can go back to the API.
    let refresh = tokens["refresh_token"].as_str().unwrap();
    let own = token_json(
        app.token_with_resources(
            &web,
            &[("grant_type", "refresh_token"), ("refresh_token", refresh)],
            &[&app.issuer],
        )
        .await,
    )
    .await;
    let claims = claims_of(own["access_token"].as_str().unwrap());
    assert_eq!(claims["aud"], app.issuer.as_str());
    assert_eq!(claims["scope"], "openid offline_access");
    let again = app
        .refresh(&web, own["refresh_token"].as_str().unwrap(), None)
        .await;
    let claims = claims_of(token_json(again).await["access_token"].as_str().unwrap());
    assert_eq!(claims["aud"], INVENTORY);
    assert_eq!(claims["scope"], "openid offline_access inventory:read");
}

#[tokio::test]
async fn the_account_api_refuses_an_apis_token_and_userinfo_takes_any_token_with_openid() {
    let app = TestApp::spawn().await;
    app.two_apis().await;
    app.person("ada", Role::Consumer).await;
    let web = app
        .web_client("openid profile account inventory:read")
        .await;
    let tokens = app
        .sign_in_for_tokens(
            &UserAgent::new(&app),
            &web,
            "ada",
            "openid profile inventory:read",
        )
        .await;
    let access = tokens["access_token"].as_str().unwrap();
    assert_eq!(claims_of(access)["aud"], INVENTORY);

    let userinfo = app.userinfo(access).await;
    assert_eq!(userinfo.status(), StatusCode::OK);

    let account = call_api(&app, Method::GET, "/api/v1/me", Some(access), None).await;
    assert_api_error(account, StatusCode::UNAUTHORIZED, "invalid_token").await;
    let admin = call_api(&app, Method::GET, "/api/v1/admin/users", Some(access), None).await;
    assert_api_error(admin, StatusCode::UNAUTHORIZED, "invalid_token").await;
}

#[tokio::test]
async fn a_platform_service_accepts_only_tokens_for_its_audience_with_its_scope() {
    let app = TestApp::spawn().await;
    app.two_apis().await;
    let service = PlatformService {
        audience: INVENTORY.into(),
        required_scope: "inventory:write".into(),
    };
    let platform_bot = app.machine_client("inventory:write inventory:read").await;
    let right = app
        .access_token(&platform_bot, Some("inventory:write"))
        .await;
    let claims = service.accepts(&app, &right).await.expect("accepted");
    assert_eq!(claims["aud"], INVENTORY);

    // The same API without the required scope.
    let read_only = app
        .access_token(&platform_bot, Some("inventory:read"))
        .await;
    assert!(service.accepts(&app, &read_only).await.is_err());

    // A vendor app's own tokens: client credentials for farm-auth, and the person's token
    // it holds for farm-auth's audience (with roles).
    let vendor_bot = app.machine_client("orders-report").await;
    let vendor_token = app.access_token(&vendor_bot, None).await;
    assert_eq!(claims_of(&vendor_token)["aud"], app.issuer.as_str());
    let refused = service.accepts(&app, &vendor_token).await.unwrap_err();
    assert!(refused.to_lowercase().contains("audience"), "{refused}");

    app.person("ada", Role::Farmer).await;
    let web = app.web_client("openid roles").await;
    let farmer = app
        .sign_in_for_tokens(&UserAgent::new(&app), &web, "ada", "openid roles")
        .await;
    let farmer_token = farmer["access_token"].as_str().unwrap();
    assert_eq!(claims_of(farmer_token)["roles"][0], "farmer");
    assert!(service.accepts(&app, farmer_token).await.is_err());

    // Another API's token.
    let orders_bot = app.machine_client("orders:read").await;
    let orders_token = app.access_token(&orders_bot, None).await;
    assert!(service.accepts(&app, &orders_token).await.is_err());
}

#[tokio::test]
async fn discovery_advertises_the_apis_scopes_beside_the_sign_in_scopes() {
    let app = TestApp::spawn().await;
    app.two_apis().await;
    let doc = app.discovery().await;
    let scopes: Vec<&str> = doc["scopes_supported"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    for scope in [
        "openid",
        "profile",
        "email",
        "offline_access",
        "inventory:read",
        "inventory:write",
        "orders:read",
    ] {
        assert!(scopes.contains(&scope), "{scopes:?}");
    }
}
