//! The phishing-resistant level (`phr`, OpenID Connect EAP ACR Values 1.0): reached by a
//! passkey, asked for as essential, and refused when the person signs in for it with
//! something less.

use serde_json::json;

use super::*;
use crate::passkeys::{passkey_app, passwordless_for_request, person_with_passkey};
use crate::support::assert_redirect_error;

/// The `claims` parameter asking for an essential phishing-resistant sign-in.
fn essential_phr() -> String {
    json!({"id_token": {"acr": {"essential": true, "values": [PHISHING_RESISTANT_ACR]}}})
        .to_string()
}

#[tokio::test]
async fn a_passkey_sign_in_meets_an_essential_phishing_resistant_request() {
    let app = passkey_app().await;
    let (_, mut authenticator) = person_with_passkey(&app, "ada").await;
    let client = app.web_client(SCOPE).await;
    let agent = UserAgent::new(&app);
    let url = app.authorize_url(&client, SCOPE, &[("claims", &essential_phr())]);
    let landing = agent.navigate(&url).await;
    let landing = passwordless_for_request(&app, &agent, landing, &mut authenticator).await;
    let back = agent.consent(landing, "allow").await.client();
    let claims = id_token_for(&app, &client, &back).await;
    assert_eq!(claims["acr"], PHISHING_RESISTANT_ACR);
    assert_eq!(claims["amr"], json!(["hwk", "mfa"]));
}

#[tokio::test]
async fn signing_in_again_with_the_app_instead_of_the_passkey_fails_the_request() {
    let app = passkey_app().await;
    let (id, _) = person_with_passkey(&app, "ada").await;
    app.authenticators.set_up(&app, &id).await;
    let client = app.web_client(SCOPE).await;
    let agent = UserAgent::new(&app);
    // Two factors with the authenticator app: not phishing-resistant.
    let back = app.sign_in_and_allow(&agent, &client, "ada", SCOPE).await;
    assert_eq!(
        id_token_for(&app, &client, &back).await["acr"],
        TWO_FACTOR_ACR
    );

    let url = app.authorize_url(&client, SCOPE, &[("claims", &essential_phr())]);
    // A passkey could do it: the login page, where ada uses the app again.
    let landing = agent.navigate(&url).await;
    let back = sign_in_again(&agent, landing).await.client();
    assert_redirect_error(&app, &back, "unmet_authentication_requirements");
}
