//! The refresh token grant (RFC 6749 §6): a new token set for a grant the person made
//! earlier. Refresh tokens rotate: each is used once, and a used one presented again
//! revokes the whole grant (RFC 9700 §4.14.2). They expire when unused for the idle
//! lifetime, and at the grant's absolute end whatever their use.

use super::super::OAuthError;
use super::super::access_token;
use super::super::clients::Client;
use super::super::params::Params;
use super::super::scope::Scope;
use super::super::token::TokenResponse;
use super::{Refresh, grant_user, invalid_grant, issue_tokens, replayed};
use crate::secrets::hash_secret;
use crate::state::AppState;
use crate::store::grants::{GrantRecord, RefreshTokenRecord};

/// Refresh tokens are 43 characters; longer strings are not ours and are not looked up.
pub const MAX_TOKEN_LEN: usize = 128;

pub async fn exchange(
    state: &AppState,
    client: &Client,
    params: &Params,
) -> Result<TokenResponse, OAuthError> {
    let presented = params.require("refresh_token")?;
    if presented.len() > MAX_TOKEN_LEN {
        return Err(invalid_grant("the refresh token is invalid or expired"));
    }
    let now = state.clock.now();
    let hash = hash_secret(presented);
    // Checked before the token is consumed: a refused request must not cost the client its
    // refresh token (RFC 6749 §6 replaces it only when a new one is issued).
    let (grant, scope) = match state.store.find_unused_refresh_token(&hash).await? {
        Some(token) => check(state, client, &token, params.get("scope"), now).await?,
        // Used before (a replay), or never ours.
        None => match state.store.find_refresh_token_grant(&hash).await? {
            Some(grant_id) => return Err(replayed(state, &grant_id, "refresh token").await),
            None => return Err(invalid_grant("the refresh token is invalid or expired")),
        },
    };
    let user = grant_user(state, &grant).await?;
    // OpenID Connect Core §12.2: no nonce in an ID token from a refresh.
    issue_tokens(
        state,
        client,
        &grant,
        &user,
        &scope,
        access_token::plan(state),
        None,
        Refresh::Rotate {
            presented_hash: &hash,
        },
    )
    .await
}

/// The grant a refresh token belongs to and the scope of the new access token, if the
/// token may be used by `client` now.
async fn check(
    state: &AppState,
    client: &Client,
    token: &RefreshTokenRecord,
    asked: Option<&str>,
    now: i64,
) -> Result<(GrantRecord, Scope), OAuthError> {
    let grant = state
        .store
        .find_live_grant(&token.grant_id, now)
        .await?
        .ok_or_else(|| invalid_grant("the refresh token is invalid or expired"))?;
    // RFC 6749 §6: the token must have been issued to the authenticated client.
    if grant.client_id != client.id {
        return Err(invalid_grant(
            "the refresh token was issued to another client",
        ));
    }
    if token.idle_expires_at <= now {
        return Err(invalid_grant("the refresh token is invalid or expired"));
    }
    let held = Scope::parse(&token.scope).unwrap_or_default();
    // RFC 6749 §6: a narrower scope may be asked for, never a wider one.
    let scope = match asked {
        None => held,
        Some(asked) => {
            let asked =
                Scope::parse(asked).map_err(|e| OAuthError::invalid_scope(e.to_string()))?;
            if let Some(extra) = asked.missing_from(&held).next() {
                return Err(OAuthError::invalid_scope(format!(
                    "scope '{extra}' was not granted"
                )));
            }
            asked
        }
    };
    Ok((grant, scope))
}
