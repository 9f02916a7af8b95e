//! Token revocation (RFC 7009): a client revokes a token that was issued to it. Access tokens
//! are revoked by `jti`; a refresh token revokes its whole grant, and with it the access
//! tokens the grant issued (§2.1: the server SHOULD invalidate those too).
//!
//! Bounded (docs/DECISIONS.md §102): the endpoint counts against the client's request rate
//! like the token endpoint. A flood of revocations cannot lock anyone out: what the
//! in-memory list cannot hold, the database answers (§83).

use super::OAuthError;
use super::access_token;
use super::client_auth;
use super::grants::{refresh_token, revoke_grant};
use super::params::Params;
use super::token;
use crate::state::AppState;

/// Revokes `token` if it is ours and belongs to the calling client, whose requests count
/// against its rate (per `address` for a public client). RFC 7009 §2.2: an invalid,
/// expired or unknown token is answered with success all the same. The `token_type_hint`
/// only speeds up a lookup (§2.1), so both kinds are tried either way.
pub async fn revoke(
    state: &AppState,
    authorization: Option<&str>,
    params: &Params,
    address: &str,
) -> Result<(), OAuthError> {
    let client = client_auth::authenticate(&state.clients, authorization, params).await?;
    token::admit(state, &client, address).await?;
    let token = params.require("token")?;
    // RFC 7009 §2.1: the server verifies the token was issued to the requesting client, and
    // refuses the request otherwise.
    let foreign = || OAuthError::unauthorized_client("this token was issued to another client");
    if let Some(claims) = access_token::verify(state, token) {
        if claims.client_id != client.id {
            return Err(foreign());
        }
        state.revocations.revoke(&claims.jti, claims.exp).await?;
        return Ok(());
    }
    let unused = refresh_token::find_unused(state, token, state.clock.now()).await?;
    let Some(grant) = unused.and_then(|u| u.grant) else {
        return Ok(());
    };
    if grant.client_id != client.id {
        return Err(foreign());
    }
    revoke_grant(state, &grant.id).await
}
