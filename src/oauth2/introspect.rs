//! Token introspection (RFC 7662): a resource server, authenticated as a client, asks whether
//! a token is active and what it carries. An access token is described only to the API it
//! is for (RFC 7662 §4), or, for a token of farm-auth's own audience, to the client it was
//! issued to; a refresh token only to the client it was issued to.

use serde::Serialize;

use super::OAuthError;
use super::access_token::{self, AccessTokenClaims};
use super::client_auth;
use super::grants::refresh_token;
use super::params::Params;
use crate::state::AppState;

/// RFC 7662 §2.2: `{"active": false}` and nothing else for a token that is not active.
#[derive(Debug, Serialize)]
pub struct Introspection {
    pub active: bool,
    #[serde(flatten)]
    pub claims: Option<TokenDetails>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_type: Option<&'static str>,
}

/// What an active token carries (RFC 7662 §2.2).
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum TokenDetails {
    Access(AccessTokenClaims),
    Refresh(RefreshTokenDetails),
}

#[derive(Debug, Serialize)]
pub struct RefreshTokenDetails {
    pub iss: String,
    pub sub: String,
    pub client_id: String,
    pub scope: String,
    pub iat: i64,
    pub exp: i64,
}

impl Introspection {
    fn inactive() -> Self {
        Introspection {
            active: false,
            claims: None,
            token_type: None,
        }
    }
}

pub async fn introspect(
    state: &AppState,
    authorization: Option<&str>,
    params: &Params,
) -> Result<Introspection, OAuthError> {
    let caller = client_auth::authenticate(&state.clients, authorization, params).await?;
    // RFC 7662 §2.1: the endpoint MUST require authorization; a public client proves nothing.
    if caller.is_public() {
        return Err(OAuthError::invalid_client(
            "public clients may not introspect tokens",
        ));
    }
    let token = params.require("token")?;
    // `token_type_hint` may be ignored (§2.1): both kinds are recognised by their form.
    let Some(claims) = access_token::verify(state, token) else {
        return introspect_refresh_token(state, &caller.id, token).await;
    };
    // RFC 7662 §4: a token is described only to the API it is for, so that no other
    // client learns what it carries; anyone else hears what an unknown token gets.
    if !may_see(state, &caller.id, &claims) {
        return Ok(Introspection::inactive());
    }
    if access_token::is_revoked_or_orphaned(state, &claims).await? {
        return Ok(Introspection::inactive());
    }
    Ok(Introspection {
        active: true,
        claims: Some(TokenDetails::Access(claims)),
        token_type: Some("Bearer"),
    })
}

/// Whether `caller` may learn about the access token `claims`: the client of the API whose
/// audience the token carries; for a token of farm-auth's own audience (no API's), the
/// client it was issued to, which holds it already and so learns nothing new.
fn may_see(state: &AppState, caller: &str, claims: &AccessTokenClaims) -> bool {
    if claims.aud == *state.audience {
        return claims.client_id == caller;
    }
    state
        .apis
        .current()
        .by_audience(&claims.aud)
        .is_some_and(|api| api.client_id == caller)
}

async fn introspect_refresh_token(
    state: &AppState,
    caller: &str,
    token: &str,
) -> Result<Introspection, OAuthError> {
    let now = state.clock.now();
    let live = refresh_token::find_unused(state, token, now)
        .await?
        .and_then(|unused| {
            let grant = unused.grant?;
            (grant.client_id == caller && unused.token.idle_expires_at > now)
                .then_some((unused.token, grant))
        });
    let Some((refresh, grant)) = live else {
        return Ok(Introspection::inactive());
    };
    Ok(Introspection {
        active: true,
        claims: Some(TokenDetails::Refresh(RefreshTokenDetails {
            iss: state.issuer.to_string(),
            sub: grant.user_id,
            client_id: grant.client_id,
            scope: refresh.scope.to_string(),
            iat: refresh.created_at,
            exp: refresh.idle_expires_at.min(grant.expires_at),
        })),
        // RFC 7662 §2.2 `token_type` names an access token type (RFC 6749 §7.1); none here.
        token_type: None,
    })
}
