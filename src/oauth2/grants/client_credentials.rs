//! The client credentials grant (RFC 6749 §4.4): a confidential client gets an access token
//! for itself. No refresh token (§4.4.3), no database write: signing is the only real work.

use super::super::OAuthError;
use super::super::access_token;
use super::super::clients::Client;
use super::super::params::Params;
use super::super::scope::{Scope, USER_SCOPES};
use super::super::token::TokenResponse;
use crate::state::AppState;

pub fn exchange(
    state: &AppState,
    client: &Client,
    params: &Params,
) -> Result<TokenResponse, OAuthError> {
    let scope = granted_scope(client, params.get("scope"))?;
    let subject = access_token::Subject {
        client_id: &client.id,
        sub: &client.id,
        scope: &scope.to_string(),
        roles: None,
        farm_id: client.farm_id(),
        farms: None,
    };
    let issued = access_token::issue(state, subject, access_token::plan(state))?;
    Ok(TokenResponse::bearer(issued))
}

/// RFC 6749 §3.3: the requested scope, which must lie within what the client is registered
/// for; without a request, everything it is registered for. Scopes that need a person
/// (`openid`, `profile`, ...) have no meaning without one.
fn granted_scope(client: &Client, requested: Option<&str>) -> Result<Scope, OAuthError> {
    let machine_scope = |s: &str| !USER_SCOPES.contains(&s);
    let Some(requested) = requested else {
        return Ok(client.scope.filter(machine_scope));
    };
    let requested =
        Scope::parse(requested).map_err(|e| OAuthError::invalid_scope(e.to_string()))?;
    if let Some(user_scope) = requested.iter().find(|s| !machine_scope(s)) {
        return Err(OAuthError::invalid_scope(format!(
            "scope '{user_scope}' needs a signed-in person, not client credentials"
        )));
    }
    if let Some(missing) = requested.missing_from(&client.scope).next() {
        return Err(OAuthError::invalid_scope(format!(
            "scope '{missing}' is not allowed for this client"
        )));
    }
    Ok(requested)
}
