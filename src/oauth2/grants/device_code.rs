//! The device code grant (RFC 8628 §3.4, §3.5): the device polls with its device code
//! until the person has decided. Each poll is recorded, and judged against the interval, in
//! one statement ([`crate::store::Store::poll_device_authorization`]); once approved, the
//! grant the approval made is consumed like an authorization code, once.

use super::super::access_token;
use super::super::clients::Client;
use super::super::device::SLOW_DOWN_STEP_SECS;
use super::super::params::Params;
use super::super::resource;
use super::super::scope::Scope;
use super::super::token::TokenResponse;
use super::super::{ErrorCode, OAuthError};
use super::{Refresh, grant_user, invalid_grant, issue_tokens};
use crate::domain::DeviceStatus;
use crate::secrets::hash_secret;
use crate::state::AppState;
use crate::store::grants::Taken;

/// Device codes are 43 characters; anything much longer is not one of ours.
const MAX_CODE_LEN: usize = 128;

pub async fn exchange(
    state: &AppState,
    client: &Client,
    params: &Params,
) -> Result<TokenResponse, OAuthError> {
    let device_code = params.require("device_code")?;
    let unknown = || invalid_grant("the device code is invalid");
    if device_code.len() > MAX_CODE_LEN {
        return Err(unknown());
    }
    let hash = hash_secret(device_code);
    let now = state.clock.now();
    // RFC 8628 §3.4 (RFC 6749 §5.2): a device code issued to another client is
    // `invalid_grant`, like one never issued; the poll is recorded only for its own client.
    let Some(polled) = state
        .store
        .poll_device_authorization(&hash, &client.id, now, SLOW_DOWN_STEP_SECS)
        .await?
    else {
        return Err(unknown());
    };
    if polled.expires_at <= now {
        return Err(OAuthError::new(
            ErrorCode::ExpiredToken,
            "the device code has expired; start again",
        ));
    }
    match polled.status {
        // RFC 8628 §3.5: polling too fast earns slow_down, and the interval MUST grow by 5
        // seconds for this and every later request (the store raised it with this poll).
        DeviceStatus::Pending if polled.slowed_at == Some(now) => Err(OAuthError::new(
            ErrorCode::SlowDown,
            format!(
                "polling too fast; wait {} seconds between requests",
                polled.interval_secs
            ),
        )),
        DeviceStatus::Pending => Err(OAuthError::new(
            ErrorCode::AuthorizationPending,
            "the person has not decided yet",
        )),
        DeviceStatus::Denied => Err(OAuthError::new(
            ErrorCode::AccessDenied,
            "the person denied the request",
        )),
        DeviceStatus::Approved => issue(state, client, params, &hash, &polled.scope).await,
    }
}

/// Consumes the grant the approval made and issues its tokens.
async fn issue(
    state: &AppState,
    client: &Client,
    params: &Params,
    hash: &str,
    approved: &Scope,
) -> Result<TokenResponse, OAuthError> {
    // RFC 8707 §2.2: the resource must be one the approved scope covers, checked before the
    // device code is spent (the approval's grant holds the request's scope).
    let apis = state.apis.current();
    let named = resource::named_target(&apis, &state.audience, &params.resources())?;
    resource::of_grant(&apis, client, approved, named.clone())?;
    let now = state.clock.now();
    let planned = access_token::plan(state);
    let taken = state
        .store
        .take_device_grant_code(hash, &client.id, now, &(planned.jti.clone(), planned.exp))
        .await?;
    let grant = match taken {
        Taken::Fresh(grant) => grant,
        // The tokens were issued to an earlier poll. Unlike a replayed authorization code
        // this proves no theft (the device may simply have lost the answer), so the grant
        // stands; the device code is spent all the same.
        Taken::Replayed(_) => return Err(invalid_grant("the device code was already used")),
        // Revoked since the approval (a lock, a sign-out of the app).
        Taken::Unknown => return Err(invalid_grant("the device code is invalid")),
    };
    if grant.client_id != client.id || grant.code_expires_at <= now {
        return Err(invalid_grant("the device code is invalid"));
    }
    let target = resource::of_grant(&apis, client, &grant.scope, named)?;
    let user = grant_user(state, &grant).await?;
    issue_tokens(
        state,
        client,
        &grant,
        &user,
        &target,
        planned,
        None,
        Refresh::First,
    )
    .await
}
