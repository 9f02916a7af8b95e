//! One file per grant type (RFC 6749 §4), dispatched from [`super::token::exchange`]; and
//! what the person-facing grants share: issuing the token set of a grant, and revoking it.

pub mod authorization_code;
pub mod client_credentials;
pub mod device_code;
pub mod refresh_token;

use super::access_token::{self, Authentication, Planned, Subject};
use super::clients::{Client, GrantType};
use super::resource::Target;
use super::token::TokenResponse;
use super::{ErrorCode, OAuthError};
use crate::accounts::acr::Acr;
use crate::oidc::claims;
use crate::oidc::id_token::{self, IdTokenFacts};
use crate::secrets::{hash_secret, random_token};
use crate::state::AppState;
use crate::store::grants::{GrantRecord, RefreshTokenRecord, Taken};
use crate::store::users::UserRecord;

pub(crate) fn invalid_grant(description: &'static str) -> OAuthError {
    OAuthError::new(ErrorCode::InvalidGrant, description)
}

/// Revokes a grant, its refresh tokens and every access token it issued that is still
/// unexpired.
pub async fn revoke_grant(state: &AppState, grant_id: &str) -> Result<(), OAuthError> {
    let issued = state
        .store
        .revoke_grant(grant_id, state.clock.now())
        .await?;
    for (jti, exp) in issued {
        state.revocations.revoke(&jti, exp).await?;
    }
    Ok(())
}

/// A code (RFC 6749 §4.1.2) or refresh token (RFC 9700 §4.14.2) used before was presented
/// again: someone holds a copy, so nothing the grant issued can be trusted any more.
pub(crate) async fn replayed(state: &AppState, grant_id: &str, what: &'static str) -> OAuthError {
    tracing::warn!(
        what,
        "a used credential was presented again; its grant is revoked"
    );
    match revoke_grant(state, grant_id).await {
        Ok(()) => invalid_grant(match what {
            "authorization code" => "the code was already used",
            _ => "the refresh token was already used",
        }),
        Err(error) => error,
    }
}

/// How this use of a grant treats refresh tokens.
pub(crate) enum Refresh<'a> {
    /// A code exchange: a first refresh token, if the grant holds `offline_access`.
    First,
    /// A refresh: the presented token (by hash) is used up and its successor stored in the
    /// same transaction (a database failure leaves the presented one valid), while the
    /// grant is live; a revocation racing this request revokes the successor too. A
    /// response lost after the commit strands the client: the grant then has to start over.
    Rotate { presented_hash: &'a str },
}

/// The tokens for one use of a person's grant: an access token (`planned`) for `target` (its
/// API and scope, [`super::resource::of_grant`]), an ID token when `openid` is in the scope, and a fresh refresh token when the grant holds
/// `offline_access`. Everything is stored before anything is signed.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn issue_tokens(
    state: &AppState,
    client: &Client,
    grant: &GrantRecord,
    user: &UserRecord,
    target: &Target,
    planned: Planned,
    nonce: Option<&str>,
    refresh: Refresh<'_>,
) -> Result<TokenResponse, OAuthError> {
    // An administrator may have narrowed the client since the person allowed it: what the
    // client may no longer ask for, it no longer gets from grants made before.
    let scope = &target.scope.filter(|token| client.scope.contains(token));
    let refresh_token = store_refresh_token(state, client, grant, &planned, refresh).await?;
    // One indexed query, and only for the `farms` scope.
    let farms = match scope.contains("farms") {
        true => Some(state.store.active_farm_claims_of(&user.id).await?),
        false => None,
    };
    // Grants made before step-up stored no acr: their level is read from amr.
    let acr = match &grant.acr {
        Some(acr) => acr.as_str(),
        None => Acr::of(&grant.amr).as_str(),
    };
    let subject = Subject {
        client_id: &client.id,
        sub: &user.id,
        audience: target.audience(&state.audience),
        scope: &scope.to_string(),
        roles: scope.contains("roles").then_some(&user.roles),
        farm_id: client.farm_id(),
        farms: farms.as_deref(),
        authentication: Some(Authentication {
            auth_time: grant.auth_time,
            amr: &grant.amr,
            acr,
        }),
    };
    let access = access_token::issue(state, subject, planned)?;
    let id_token = match scope.contains("openid") {
        false => None,
        true => Some(id_token::issue(
            state,
            IdTokenFacts {
                client_id: &client.id,
                sub: &user.id,
                auth_time: grant.auth_time,
                nonce,
                amr: &grant.amr,
                acr,
                sid: &grant.sid,
                access_token: &access.token,
                person: claims::with_farms(claims::for_user(user, scope), farms.as_deref()),
            },
        )?),
    };
    let mut response = TokenResponse::bearer(access);
    response.id_token = id_token;
    response.refresh_token = refresh_token;
    Ok(response)
}

/// Stores the refresh token of this use, if there is one, and uses up the presented one.
async fn store_refresh_token(
    state: &AppState,
    client: &Client,
    grant: &GrantRecord,
    planned: &Planned,
    refresh: Refresh<'_>,
) -> Result<Option<String>, OAuthError> {
    let now = state.clock.now();
    let offline = grant.scope.contains("offline_access")
        && client.scope.contains("offline_access")
        && client.may_use(GrantType::RefreshToken);
    let token = random_token::<32>();
    let idle = state.config.refresh_token_idle.as_secs() as i64;
    let record = RefreshTokenRecord {
        token_hash: hash_secret(&token),
        grant_id: grant.id.clone(),
        // RFC 6749 §6: a new refresh token has the scope of the one it replaces, whatever
        // narrower scope this access token was asked for.
        scope: grant.scope.clone(),
        created_at: now,
        idle_expires_at: (now + idle).min(grant.expires_at),
        access_jti: planned.jti.clone(),
        access_exp: planned.exp,
    };
    let taken = match refresh {
        Refresh::First if !offline => return Ok(None),
        Refresh::First => {
            state.store.insert_refresh_token(&record).await?;
            return Ok(Some(token));
        }
        Refresh::Rotate { presented_hash } => {
            let successor = offline.then_some(&record);
            state
                .store
                .rotate_refresh_token(&grant.id, presented_hash, now, successor)
                .await?
        }
    };
    match taken {
        Taken::Fresh(()) => Ok(offline.then_some(token)),
        // Another request used it between the checks and now.
        Taken::Replayed(grant_id) => Err(replayed(state, &grant_id, "refresh token").await),
        Taken::Unknown => Err(invalid_grant("the refresh token is invalid or expired")),
    }
}

/// The person a grant is for, if they still exist.
pub(crate) async fn grant_user(
    state: &AppState,
    grant: &GrantRecord,
) -> Result<UserRecord, OAuthError> {
    let user = state
        .store
        .find_user_by_id(&grant.user_id)
        .await?
        .ok_or_else(|| invalid_grant("the person of this grant no longer exists"))?;
    unlocked(user)
}

/// `user`, unless an administrator locked them: a lock revokes the grants it finds; this
/// catches one issued in the same moment.
pub(crate) fn unlocked(user: UserRecord) -> Result<UserRecord, OAuthError> {
    match user.locked {
        Some(_) => Err(invalid_grant("the person's account is locked")),
        None => Ok(user),
    }
}
