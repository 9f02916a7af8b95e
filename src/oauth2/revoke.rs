//! Token revocation (RFC 7009): a client revokes a token that was issued to it. Access tokens
//! are revoked by `jti`; a refresh token revokes its whole grant, and with it the access
//! tokens the grant issued (§2.1: the server SHOULD invalidate those too).
//!
//! Bounded (docs/DECISIONS.md §102): the endpoint counts against the client's request rate
//! like the token endpoint, and the revocations one client asks for that are still unexpired
//! are held to [`CLIENT_SHARE`] of the revocation list, so a client flooding it fills its own
//! share and not the list every client relies on.

use super::access_token;
use super::client_auth;
use super::grants::{refresh_token, revoke_grant_for};
use super::params::Params;
use super::revocation_list::CAPACITY;
use super::token;
use super::{ErrorCode, OAuthError};
use crate::state::AppState;

/// Unexpired revocations one client may have asked for: a twentieth of the list, so twenty
/// clients flooding at once are needed to fill it. At the default rate (3,000 requests a
/// minute, shared with the token endpoint) and access token lifetime (15 minutes), a client
/// that did nothing but revoke would reach it; one that also has to get its tokens does not.
pub const CLIENT_SHARE: i64 = (CAPACITY / 20) as i64;

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
        within_share(state, &client.id).await?;
        let revocations = &state.revocations;
        revocations
            .revoke_for(&claims.jti, claims.exp, Some(&client.id))
            .await?;
        return Ok(());
    }
    let unused = refresh_token::find_unused(state, token, state.clock.now()).await?;
    let Some(grant) = unused.and_then(|u| u.grant) else {
        return Ok(());
    };
    if grant.client_id != client.id {
        return Err(foreign());
    }
    within_share(state, &client.id).await?;
    revoke_grant_for(state, &grant.id, Some(&client.id)).await
}

/// Refuses a client whose unexpired revocations fill its share. RFC 7009 §2.2.1: on a 503
/// "the client must assume the token still exists and may retry after a reasonable delay",
/// and `Retry-After` says when; nothing was revoked, and the client knows it.
async fn within_share(state: &AppState, client_id: &str) -> Result<(), OAuthError> {
    let now = state.clock.now();
    let held = state
        .store
        .count_client_revocations(client_id, now, CLIENT_SHARE)
        .await?;
    match held < CLIENT_SHARE {
        true => Ok(()),
        false => Err(OAuthError::new(
            ErrorCode::Unavailable,
            "this client has revoked too many unexpired tokens; try again later",
        )),
    }
}
