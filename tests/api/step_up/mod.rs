//! Step-up authentication (decisions 123 to 127): the level a sign-in reached, stated as
//! `acr` in ID tokens, access tokens and introspection; the level a request asks for with
//! `acr_values` or an `acr` claim request, and what happens when it is not met; the minimum
//! an administrator gives a client.

mod acr_claim;
mod acr_values;
mod client_minimum;
mod phishing_resistant;

use farm_auth::accounts::users::Role;
use serde_json::Value;
use url::Url;

use crate::support::{Landing, PASSWORD, TestApp, TestClient, UserAgent, code_from, token_json};

const SCOPE: &str = "openid profile";
const PASSWORD_ACR: &str = "urn:farm-auth:acr:password";
const TWO_FACTOR_ACR: &str = "urn:farm-auth:acr:two-factor";
const PHISHING_RESISTANT_ACR: &str = "phr";

/// `ada`, signed in with her password alone at a client she allowed [`SCOPE`]; with an
/// authenticator app set up afterwards when `app_later` (so this browser's sign-in is
/// below two factors, and she could do better).
async fn password_session(app: &TestApp, app_later: bool) -> (UserAgent, TestClient) {
    let id = app.person("ada", Role::Consumer).await;
    let client = app.web_client(SCOPE).await;
    let agent = UserAgent::new(app);
    let back = app.sign_in_and_allow(&agent, &client, "ada", SCOPE).await;
    code_from(app, &back);
    if app_later {
        app.authenticators.set_up(app, &id).await;
    }
    (agent, client)
}

/// The token response for the code in `back`.
async fn tokens_for(app: &TestApp, client: &TestClient, back: &Url) -> Value {
    let code = code_from(app, back);
    token_json(app.exchange_code(client, &code).await).await
}

/// The verified ID token claims for the code in `back`.
async fn id_token_for(app: &TestApp, client: &TestClient, back: &Url) -> Value {
    let tokens = tokens_for(app, client, back).await;
    app.verify_id_token(client, tokens["id_token"].as_str().unwrap())
        .await
}

/// Asserts `landing` is the login page, and signs in there (with the authenticator app at
/// the second step, if the person has one); where that leads.
async fn sign_in_again(agent: &UserAgent, landing: Landing) -> Landing {
    let (path, _, _) = match &landing {
        Landing::Page { path, status, body } => (path.clone(), *status, body.clone()),
        Landing::Client(url) => panic!("expected the login page, went back to the client: {url}"),
    };
    assert!(
        path.starts_with("/login?request="),
        "not the login page: {path}"
    );
    agent.log_in(landing, "ada", PASSWORD).await
}
