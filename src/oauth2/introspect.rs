//! Token introspection (RFC 7662): a resource server, authenticated as a client, asks whether
//! a token is active and what it carries.

use serde::Serialize;

use super::OAuthError;
use super::access_token::{self, AccessTokenClaims};
use super::client_auth;
use super::params::Params;
use crate::state::AppState;

/// RFC 7662 §2.2: `{"active": false}` and nothing else for a token that is not active.
#[derive(Debug, Serialize)]
pub struct Introspection {
    pub active: bool,
    #[serde(flatten)]
    pub claims: Option<AccessTokenClaims>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_type: Option<&'static str>,
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
    // `token_type_hint` may be ignored (§2.1): only access tokens are self-contained here.
    let Some(claims) = access_token::verify(state, token) else {
        return Ok(Introspection::inactive());
    };
    if access_token::is_revoked_or_orphaned(state, &claims).await? {
        return Ok(Introspection::inactive());
    }
    Ok(Introspection {
        active: true,
        claims: Some(claims),
        token_type: Some("Bearer"),
    })
}
