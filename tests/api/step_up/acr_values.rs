//! What a request asks for (OpenID Connect Core §3.1.2.1 `acr_values`, §5.5.1.1 the `acr`
//! claim request): a level wished for sends the person to sign in again when that can help
//! and is otherwise stated as what was done; an essential level is reached or the request
//! fails with `unmet_authentication_requirements`; hostile values change nothing else.

use farm_auth::accounts::users::Role;
use serde_json::json;

use super::*;
use crate::support::assert_redirect_error;

/// The `claims` parameter asking for an essential `acr` with `values`.
fn essential(values: &[&str]) -> String {
    json!({"id_token": {"acr": {"essential": true, "values": values}}}).to_string()
}

#[tokio::test]
async fn a_wished_level_above_the_session_asks_for_the_second_factor_and_states_it() {
    let app = TestApp::spawn().await;
    let (agent, client) = password_session(&app, true).await;
    let url = app.authorize_url(&client, SCOPE, &[("acr_values", TWO_FACTOR_ACR)]);
    let landing = agent.navigate(&url).await;
    let back = sign_in_again(&agent, landing).await.client();
    let claims = id_token_for(&app, &client, &back).await;
    assert_eq!(claims["acr"], TWO_FACTOR_ACR);
    assert_eq!(claims["amr"], json!(["pwd", "otp", "mfa"]));
}

#[tokio::test]
async fn a_wished_level_out_of_reach_is_not_asked_and_the_acr_says_what_was_done() {
    let app = TestApp::spawn().await;
    // No second factor: signing in again could not do better.
    let (agent, client) = password_session(&app, false).await;
    let url = app.authorize_url(
        &client,
        SCOPE,
        &[(
            "acr_values",
            &format!("{PHISHING_RESISTANT_ACR} {TWO_FACTOR_ACR}"),
        )],
    );
    let back = agent.navigate(&url).await.client();
    let claims = id_token_for(&app, &client, &back).await;
    assert_eq!(claims["acr"], PASSWORD_ACR);
}

#[tokio::test]
async fn with_prompt_none_a_wished_level_goes_without() {
    let app = TestApp::spawn().await;
    let (agent, client) = password_session(&app, true).await;
    let url = app.authorize_url(
        &client,
        SCOPE,
        &[("acr_values", TWO_FACTOR_ACR), ("prompt", "none")],
    );
    let back = agent.navigate(&url).await.client();
    let claims = id_token_for(&app, &client, &back).await;
    assert_eq!(claims["acr"], PASSWORD_ACR);
}

#[tokio::test]
async fn a_level_met_already_is_answered_at_once_with_the_highest_value_named() {
    let app = TestApp::spawn().await;
    let id = app.person("ada", Role::Consumer).await;
    app.authenticators.set_up(&app, &id).await;
    let client = app.web_client(SCOPE).await;
    let agent = UserAgent::new(&app);
    let back = app.sign_in_and_allow(&agent, &client, "ada", SCOPE).await;
    code_from(&app, &back);

    let values = format!("{PASSWORD_ACR} {TWO_FACTOR_ACR} {PHISHING_RESISTANT_ACR}");
    let url = app.authorize_url(&client, SCOPE, &[("acr_values", &values)]);
    let back = agent.navigate(&url).await.client();
    assert_eq!(
        id_token_for(&app, &client, &back).await["acr"],
        TWO_FACTOR_ACR
    );
    // Core §5.5.1.1: the answer is one of the values asked for.
    let url = app.authorize_url(&client, SCOPE, &[("acr_values", PASSWORD_ACR)]);
    let back = agent.navigate(&url).await.client();
    assert_eq!(
        id_token_for(&app, &client, &back).await["acr"],
        PASSWORD_ACR
    );
}

#[tokio::test]
async fn unknown_acr_values_are_ignored() {
    let app = TestApp::spawn().await;
    let (agent, client) = password_session(&app, true).await;
    let url = app.authorize_url(&client, SCOPE, &[("acr_values", "gold PHR urn:x:aal3")]);
    let back = agent.navigate(&url).await.client();
    assert_eq!(
        id_token_for(&app, &client, &back).await["acr"],
        PASSWORD_ACR
    );
}

#[tokio::test]
async fn oversized_acr_values_are_an_invalid_request() {
    let app = TestApp::spawn().await;
    let (agent, client) = password_session(&app, false).await;
    for values in [
        "x ".repeat(17),
        format!("{PASSWORD_ACR} {}", "a".repeat(600)),
    ] {
        let url = app.authorize_url(&client, SCOPE, &[("acr_values", &values)]);
        let back = agent.navigate(&url).await.client();
        assert_redirect_error(&app, &back, "invalid_request");
    }
}

#[tokio::test]
async fn an_essential_level_within_reach_asks_for_the_second_factor() {
    let app = TestApp::spawn().await;
    let (agent, client) = password_session(&app, true).await;
    let claims = essential(&[TWO_FACTOR_ACR]);
    let url = app.authorize_url(&client, SCOPE, &[("claims", &claims)]);
    let landing = agent.navigate(&url).await;
    let back = sign_in_again(&agent, landing).await.client();
    assert_eq!(
        id_token_for(&app, &client, &back).await["acr"],
        TWO_FACTOR_ACR
    );
}

#[tokio::test]
async fn an_essential_level_out_of_reach_fails_the_request() {
    let app = TestApp::spawn().await;
    // An authenticator app, no passkey: phishing-resistant is out of reach.
    let (agent, client) = password_session(&app, true).await;
    let claims = essential(&[PHISHING_RESISTANT_ACR]);
    let url = app.authorize_url(&client, SCOPE, &[("claims", &claims)]);
    let back = agent.navigate(&url).await.client();
    assert_redirect_error(&app, &back, "unmet_authentication_requirements");
}

#[tokio::test]
async fn an_essential_level_not_reached_by_the_sign_in_made_for_it_fails_the_request() {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    let client = app.web_client(SCOPE).await;
    let agent = UserAgent::new(&app);
    // Nobody signed in yet: the login page, where a password is all ada has.
    let claims = json!({"id_token": {"acr": {"essential": true, "value": TWO_FACTOR_ACR}}});
    let url = app.authorize_url(&client, SCOPE, &[("claims", &claims.to_string())]);
    let landing = agent.navigate(&url).await;
    let back = sign_in_again(&agent, landing).await.client();
    assert_redirect_error(&app, &back, "unmet_authentication_requirements");
}

#[tokio::test]
async fn with_prompt_none_an_essential_level_needing_a_sign_in_is_login_required() {
    let app = TestApp::spawn().await;
    let (agent, client) = password_session(&app, true).await;
    let claims = essential(&[TWO_FACTOR_ACR]);
    let url = app.authorize_url(&client, SCOPE, &[("claims", &claims), ("prompt", "none")]);
    let back = agent.navigate(&url).await.client();
    assert_redirect_error(&app, &back, "login_required");
}

#[tokio::test]
async fn an_essential_request_naming_only_unknown_values_cannot_be_met() {
    let app = TestApp::spawn().await;
    let (agent, client) = password_session(&app, false).await;
    let claims = essential(&["gold", "urn:x:aal3"]);
    let url = app.authorize_url(&client, SCOPE, &[("claims", &claims)]);
    let back = agent.navigate(&url).await.client();
    assert_redirect_error(&app, &back, "unmet_authentication_requirements");
}

#[tokio::test]
async fn a_voluntary_acr_claim_request_is_a_wish() {
    let app = TestApp::spawn().await;
    let (agent, client) = password_session(&app, false).await;
    let claims = json!({"id_token": {"acr": {"values": [TWO_FACTOR_ACR, "gold"]}}});
    let url = app.authorize_url(&client, SCOPE, &[("claims", &claims.to_string())]);
    let back = agent.navigate(&url).await.client();
    assert_eq!(
        id_token_for(&app, &client, &back).await["acr"],
        PASSWORD_ACR
    );
    // `null` asks for the claim, which is always there.
    let claims = json!({"id_token": {"acr": null}}).to_string();
    let url = app.authorize_url(&client, SCOPE, &[("claims", &claims)]);
    let back = agent.navigate(&url).await.client();
    assert_eq!(
        id_token_for(&app, &client, &back).await["acr"],
        PASSWORD_ACR
    );
}

#[tokio::test]
async fn malformed_acr_claim_requests_are_invalid_requests() {
    let app = TestApp::spawn().await;
    let (agent, client) = password_session(&app, false).await;
    let too_many: Vec<String> = (0..17).map(|i| format!("v{i}")).collect();
    for claims in [
        json!({"id_token": {"acr": 5}}).to_string(),
        json!({"id_token": {"acr": "phr"}}).to_string(),
        json!({"id_token": {"acr": {"essential": "yes", "value": "phr"}}}).to_string(),
        json!({"id_token": {"acr": {"value": 3}}}).to_string(),
        json!({"id_token": {"acr": {"values": "phr"}}}).to_string(),
        json!({"id_token": {"acr": {"values": [null]}}}).to_string(),
        json!({"id_token": {"acr": {"value": "phr", "values": ["phr"]}}}).to_string(),
        json!({"id_token": {"acr": {"essential": true, "values": too_many}}}).to_string(),
        "{\"id_token\": {\"acr\": ".to_string(),
    ] {
        let url = app.authorize_url(&client, SCOPE, &[("claims", &claims)]);
        let back = agent.navigate(&url).await.client();
        assert_redirect_error(&app, &back, "invalid_request");
    }
}
