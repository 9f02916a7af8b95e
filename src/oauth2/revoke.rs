//! Token revocation (RFC 7009): a client revokes a token that was issued to it.

use super::OAuthError;
use super::access_token;
use super::client_auth;
use super::params::Params;
use crate::state::AppState;

/// Revokes `token` if it is ours and belongs to the calling client. RFC 7009 §2.2: an
/// invalid, expired or unknown token is answered with success all the same.
pub async fn revoke(
    state: &AppState,
    authorization: Option<&str>,
    params: &Params,
) -> Result<(), OAuthError> {
    let client = client_auth::authenticate(&state.clients, authorization, params).await?;
    let token = params.require("token")?;
    let Some(claims) = access_token::verify(state, token) else {
        return Ok(());
    };
    // RFC 7009 §2.1: the server verifies the token was issued to the requesting client, and
    // refuses the request otherwise.
    if claims.client_id != client.id {
        return Err(OAuthError::unauthorized_client(
            "this token was issued to another client",
        ));
    }
    state.revocations.revoke(&claims.jti, claims.exp).await?;
    Ok(())
}
