//! The `acr` claim (OpenID Connect Core §2): every ID token states the level its sign-in
//! reached, and so do access tokens (RFC 9068 §2.2.1) and their introspection; discovery
//! lists the levels.

use farm_auth::accounts::users::Role;

use super::*;

#[tokio::test]
async fn discovery_lists_the_three_levels_weakest_first() {
    let app = TestApp::spawn().await;
    let metadata = app.discovery().await;
    assert_eq!(
        metadata["acr_values_supported"],
        serde_json::json!([PASSWORD_ACR, TWO_FACTOR_ACR, PHISHING_RESISTANT_ACR])
    );
    let claims = metadata["claims_supported"].as_array().unwrap();
    assert!(claims.iter().any(|c| c == "acr"));
}

#[tokio::test]
async fn a_password_sign_in_is_stated_as_the_password_level_in_every_token() {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    let client = app.web_client(SCOPE).await;
    let agent = UserAgent::new(&app);
    let back = app.sign_in_and_allow(&agent, &client, "ada", SCOPE).await;
    let tokens = tokens_for(&app, &client, &back).await;

    let id_token = app
        .verify_id_token(&client, tokens["id_token"].as_str().unwrap())
        .await;
    assert_eq!(id_token["acr"], PASSWORD_ACR);
    assert_eq!(id_token["amr"], serde_json::json!(["pwd"]));
    let access = tokens["access_token"].as_str().unwrap();
    let claims = app.verify_like_a_resource_server(access).await.unwrap();
    assert_eq!(claims["acr"], PASSWORD_ACR);
    let introspected = app.introspect(&client, access).await;
    assert_eq!(introspected["active"], true);
    assert_eq!(introspected["acr"], PASSWORD_ACR);
}

#[tokio::test]
async fn a_sign_in_with_the_authenticator_app_is_two_factors_and_refreshing_keeps_it() {
    let app = TestApp::spawn().await;
    let id = app.person("ada", Role::Consumer).await;
    app.authenticators.set_up(&app, &id).await;
    let client = app.web_client("openid profile offline_access").await;
    let agent = UserAgent::new(&app);
    let scope = "openid profile offline_access";
    let back = app.sign_in_and_allow(&agent, &client, "ada", scope).await;
    let tokens = tokens_for(&app, &client, &back).await;
    let id_token = app
        .verify_id_token(&client, tokens["id_token"].as_str().unwrap())
        .await;
    assert_eq!(id_token["acr"], TWO_FACTOR_ACR);

    let refresh = tokens["refresh_token"].as_str().unwrap();
    let refreshed = token_json(app.refresh(&client, refresh, None).await).await;
    let id_token = app
        .verify_id_token(&client, refreshed["id_token"].as_str().unwrap())
        .await;
    assert_eq!(id_token["acr"], TWO_FACTOR_ACR);
    let access = refreshed["access_token"].as_str().unwrap();
    let claims = app.verify_like_a_resource_server(access).await.unwrap();
    assert_eq!(claims["acr"], TWO_FACTOR_ACR);
}

#[tokio::test]
async fn a_client_without_an_openid_scope_still_gets_the_level_in_its_access_token() {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    let client = app.web_client("profile").await;
    let agent = UserAgent::new(&app);
    let back = app
        .sign_in_and_allow(&agent, &client, "ada", "profile")
        .await;
    let tokens = tokens_for(&app, &client, &back).await;
    assert!(tokens.get("id_token").is_none());
    let access = tokens["access_token"].as_str().unwrap();
    let claims = app.verify_like_a_resource_server(access).await.unwrap();
    assert_eq!(claims["acr"], PASSWORD_ACR);
}
