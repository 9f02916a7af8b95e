//! The refresh token grant (RFC 6749 §6): a new token set for a grant the person made
//! earlier. Refresh tokens rotate: each is used once, and a used one presented again
//! revokes the whole grant (RFC 9700 §4.14.2). They expire when unused for the idle
//! lifetime, and at the grant's absolute end whatever their use.

use super::super::OAuthError;
use super::super::access_token;
use super::super::clients::Client;
use super::super::params::Params;
use super::super::resource;
use super::super::scope::Scope;
use super::super::token::TokenResponse;
use super::{Refresh, grant_user, invalid_grant, issue_tokens, replayed, unlocked};
use crate::secrets::hash_secret;
use crate::state::AppState;
use crate::store::StoreError;
use crate::store::grants::{GrantRecord, RefreshTokenRecord};
use crate::store::refresh_in_use::RefreshInUse;

/// Refresh tokens are 43 characters; longer strings are not ours and are not looked up.
pub const MAX_TOKEN_LEN: usize = 128;

/// An unused refresh token, as looked up from what a client presented.
pub(crate) struct Unused {
    pub token: RefreshTokenRecord,
    /// Its grant, if neither revoked nor past its absolute end.
    pub grant: Option<GrantRecord>,
}

/// How the grant, revocation (RFC 7009) and introspection (RFC 7662) all start: a string
/// that could be one of ours, looked up by hash, unused, with its grant if that is live.
pub(crate) async fn find_unused(
    state: &AppState,
    presented: &str,
    now: i64,
) -> Result<Option<Unused>, StoreError> {
    if presented.len() > MAX_TOKEN_LEN {
        return Ok(None);
    }
    let hash = hash_secret(presented);
    let Some(token) = state.store.find_unused_refresh_token(&hash).await? else {
        return Ok(None);
    };
    let grant = state.store.find_live_grant(&token.grant_id, now).await?;
    Ok(Some(Unused { token, grant }))
}

pub async fn exchange(
    state: &AppState,
    client: &Client,
    params: &Params,
) -> Result<TokenResponse, OAuthError> {
    let presented = params.require("refresh_token")?;
    let now = state.clock.now();
    // Checked before the token is consumed: a refused request must not cost the client its
    // refresh token (RFC 6749 §6 replaces it only when a new one is issued).
    let hash = hash_secret(presented);
    let in_use = match presented.len() <= MAX_TOKEN_LEN {
        true => state.store.find_refresh_in_use(&hash, now).await?,
        false => None,
    };
    let Some(RefreshInUse { token, grant, user }) = in_use else {
        return Err(not_in_use(state, presented, now).await);
    };
    let scope = check(client, &token, &grant, params.get("scope"), now)?;
    let user = unlocked(user)?;
    // RFC 8707 §2.2: a refresh may ask for a token for another target the grant covers
    // (farm-auth itself, or the grant's API), downscoped to it; checked before the refresh
    // token is used up. The successor keeps the whole grant's scope.
    let apis = state.apis.current();
    let named = resource::named_target(&apis, &state.audience, &params.resources())?;
    let target = resource::of_grant(&apis, client, &scope, named)?;
    // OpenID Connect Core §12.2: no nonce in an ID token from a refresh.
    issue_tokens(
        state,
        client,
        &grant,
        &user,
        &target,
        access_token::plan(state),
        None,
        Refresh::Rotate {
            presented_hash: &hash,
        },
    )
    .await
}

/// Why a presented string is not a refresh token in use (the one statement that finds one
/// found nothing): unknown, used before (a replay, which revokes its grant), of a grant
/// that ended, or of a person who is gone.
async fn not_in_use(state: &AppState, presented: &str, now: i64) -> OAuthError {
    let expired = || invalid_grant("the refresh token is invalid or expired");
    let found = match find_unused(state, presented, now).await {
        Ok(found) => found,
        Err(error) => return error.into(),
    };
    match found {
        // Its grant is live, so its person is gone (or went since the first read).
        Some(Unused {
            grant: Some(grant), ..
        }) => match grant_user(state, &grant).await {
            Ok(_) => expired(),
            Err(error) => error,
        },
        Some(Unused { grant: None, .. }) => expired(),
        // Used before (a replay), or never ours.
        None => match state
            .store
            .find_refresh_token_grant(&hash_secret(presented))
            .await
        {
            Ok(Some(grant_id)) => replayed(state, &grant_id, "refresh token").await,
            Ok(None) => expired(),
            Err(error) => error.into(),
        },
    }
}

/// The scope of the new access token, if `token` of the live `grant` may be used by
/// `client` now.
fn check(
    client: &Client,
    token: &RefreshTokenRecord,
    grant: &GrantRecord,
    asked: Option<&str>,
    now: i64,
) -> Result<Scope, OAuthError> {
    // RFC 6749 §6: the token must have been issued to the authenticated client.
    if grant.client_id != client.id {
        return Err(invalid_grant(
            "the refresh token was issued to another client",
        ));
    }
    if token.idle_expires_at <= now {
        return Err(invalid_grant("the refresh token is invalid or expired"));
    }
    let held = &token.scope;
    // RFC 6749 §6: a narrower scope may be asked for, never a wider one.
    let Some(asked) = asked else {
        return Ok(held.clone());
    };
    let asked = Scope::parse(asked).map_err(|e| OAuthError::invalid_scope(e.to_string()))?;
    if let Some(extra) = asked.missing_from(held).next() {
        return Err(OAuthError::invalid_scope(format!(
            "scope '{extra}' was not granted"
        )));
    }
    Ok(asked)
}
