//! The UserInfo endpoint (OpenID Connect Core §5.3): claims about the person an access token
//! was issued for, limited to its scopes. Bearer token
//! errors follow RFC 6750 §3.1.

use serde_json::{Map, Value, json};

use crate::error::InternalError;
use crate::oauth2::access_token;
use crate::oidc::claims;
use crate::state::AppState;
use crate::store::StoreError;

/// RFC 6750 §3.1 errors.
#[derive(Debug, thiserror::Error)]
pub enum BearerError {
    /// No token at all: 401 with a bare challenge, no error code (§3.1).
    #[error("no access token")]
    Missing,
    /// 400 `invalid_request`.
    #[error("{0}")]
    InvalidRequest(&'static str),
    /// 401 `invalid_token`.
    #[error("{0}")]
    InvalidToken(&'static str),
    /// 403 `insufficient_scope`.
    #[error("{0}")]
    InsufficientScope(&'static str),
    /// 401 `insufficient_user_authentication` (RFC 9470 §3): the token's sign-in lacks a
    /// second factor, or is older than `max_age` seconds (then named in the challenge).
    #[error("{description}")]
    InsufficientUserAuthentication {
        description: &'static str,
        max_age: Option<u64>,
    },
    /// Ours: logged with its cause, answered with a bare 500.
    #[error(transparent)]
    Internal(#[from] InternalError),
}

impl From<StoreError> for BearerError {
    fn from(error: StoreError) -> Self {
        BearerError::Internal(error.into())
    }
}

pub async fn userinfo(state: &AppState, token: &str) -> Result<Map<String, Value>, BearerError> {
    let invalid = BearerError::InvalidToken("the access token is invalid or expired");
    let Some(claims) = access_token::verify(state, token) else {
        return Err(invalid);
    };
    let revoked = access_token::is_revoked_or_orphaned(state, &claims).await?;
    if revoked {
        return Err(invalid);
    }
    // Whatever its audience: an app that asked for `openid` with an API's scopes holds one
    // token, for that API, and still needs the person's claims (DECISIONS §48). The
    // `openid` scope, not the audience, is what consent gave UserInfo.
    let scope = claims.granted_scope();
    if !scope.contains("openid") {
        return Err(BearerError::InsufficientScope(
            "the access token lacks the openid scope",
        ));
    }
    let Some(user) = state.store.find_user_by_id(&claims.sub).await? else {
        return Err(invalid);
    };
    let mut out = Map::new();
    out.insert("sub".into(), json!(user.id));
    out.extend(claims::for_user(&user, &scope));
    if scope.contains("farms") {
        let farms = state.store.active_farm_claims_of(&user.id).await?;
        out = claims::with_farms(out, Some(&farms));
    }
    Ok(out)
}
