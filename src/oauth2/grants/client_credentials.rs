//! The client credentials grant (RFC 6749 §4.4): a confidential client gets an access token
//! for itself. No refresh token (§4.4.3), no database read or write: the API it is for is
//! found in memory ([`crate::oauth2::apis`]), and signing is the only real work.

use super::super::OAuthError;
use super::super::access_token;
use super::super::clients::Client;
use super::super::params::Params;
use super::super::resource;
use super::super::scope::{Scope, USER_SCOPES};
use super::super::token::TokenResponse;
use crate::state::AppState;

pub fn exchange(
    state: &AppState,
    client: &Client,
    params: &Params,
) -> Result<TokenResponse, OAuthError> {
    let requested = requested_scope(client, params.get("scope"), !params.resources().is_empty())?;
    // RFC 8707 §2: the API named by `resource`, or implied by the scopes.
    let apis = state.apis.current();
    let target = resource::resolve(
        &apis,
        &state.audience,
        client,
        &requested,
        &params.resources(),
    )?;
    let scope = target.scope.filter(machine_scope);
    let subject = access_token::Subject {
        client_id: &client.id,
        sub: &client.id,
        audience: target.audience(&state.audience),
        scope: &scope.to_string(),
        roles: None,
        farm_id: client.farm_id(),
        farms: None,
        authentication: None,
    };
    let issued = access_token::issue(state, subject, access_token::plan(state))?;
    Ok(TokenResponse::bearer(issued))
}

/// Scopes that need a person (`openid`, `profile`, ...) have no meaning without one.
fn machine_scope(scope: &str) -> bool {
    !USER_SCOPES.contains(&scope)
}

/// RFC 6749 §3.3: the requested scope, which must lie within what the client is registered
/// for; without a request, everything it is registered for (with a `resource`, its scopes
/// of no API: the resource brings its own, [`resource::resolve`]).
fn requested_scope(
    client: &Client,
    requested: Option<&str>,
    resource_named: bool,
) -> Result<Scope, OAuthError> {
    let Some(requested) = requested else {
        return Ok(match resource_named {
            true => Scope::default(),
            false => client.scope.filter(machine_scope),
        });
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
