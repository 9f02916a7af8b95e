//! JWT access tokens (RFC 9068): signed, never stored. A token is valid while its signature
//! holds, it has not expired, its `jti` is not revoked, and its client still exists.

use serde::{Deserialize, Serialize};

use super::OAuthError;
use crate::domain::{FarmClaim, Roles, Scope};
use crate::keys::JwtType;
use crate::secrets::random_token;
use crate::state::AppState;
use crate::store::StoreError;

/// RFC 9068 §2.2 claims.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct AccessTokenClaims {
    pub iss: String,
    /// The resource owner, or the client itself for client credentials (RFC 9068 §2.2).
    pub sub: String,
    pub aud: String,
    pub client_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// The person's roles, with the `roles` scope: services authorize on them offline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roles: Option<Vec<String>>,
    /// The farm the client belongs to (CONTRACT.md "Farms"): a farm's own integrations act
    /// only for that farm.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub farm_id: Option<String>,
    /// The person's active farms and their role in each, with the `farms` scope.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub farms: Option<Vec<FarmClaim>>,
    /// When the person last proved who they are, and how (RFC 9068 §2.2.1; RFC 8176
    /// values): the admin API asks for a recent sign-in with a second factor (RFC 9470).
    /// Absent from a client's own token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_time: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amr: Option<Vec<String>>,
    /// The authentication level of that sign-in (RFC 9068 §2.2.1; decision 123).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acr: Option<String>,
    pub iat: i64,
    pub exp: i64,
    pub jti: String,
}

impl AccessTokenClaims {
    /// The scope granted. The claims were signed by us (verified before they are read) from
    /// a parsed [`Scope`], so the text always parses; were it ever not to, the token is read
    /// as granting nothing, which refuses rather than widens, and is what the bearer
    /// endpoints answered before scopes were typed.
    pub fn granted_scope(&self) -> Scope {
        Scope::parse(self.scope.as_deref().unwrap_or_default()).unwrap_or_default()
    }
}

/// A freshly signed access token.
pub struct IssuedAccessToken {
    pub token: String,
    pub expires_in: i64,
    pub claims: AccessTokenClaims,
}

/// The identity of an access token about to be issued, known beforehand so that it can be
/// recorded (and revoked) with what issues it.
#[derive(Clone, Debug)]
pub struct Planned {
    pub jti: String,
    pub exp: i64,
}

pub fn plan(state: &AppState) -> Planned {
    Planned {
        jti: random_token::<16>(),
        exp: state.clock.now() + state.config.access_token_ttl.as_secs() as i64,
    }
}

/// Who a token is for and what it allows.
pub struct Subject<'a> {
    pub client_id: &'a str,
    /// The person, or the client itself for client credentials.
    pub sub: &'a str,
    /// The API the token is for (RFC 8707, RFC 9068 §2.2 `aud`), or farm-auth's own.
    pub audience: &'a str,
    /// Empty: no `scope` claim.
    pub scope: &'a str,
    pub roles: Option<&'a Roles>,
    /// The client's farm, if it belongs to one.
    pub farm_id: Option<&'a str>,
    /// The `farms` claim, with the `farms` scope.
    pub farms: Option<&'a [FarmClaim]>,
    /// The sign-in behind a person's token (`None` for a client's own).
    pub authentication: Option<Authentication<'a>>,
}

/// When a person signed in, how, and to which level.
#[derive(Clone, Copy, Debug)]
pub struct Authentication<'a> {
    pub auth_time: i64,
    pub amr: &'a [String],
    pub acr: &'a str,
}

/// Signs the planned access token for `subject`.
pub fn issue(
    state: &AppState,
    subject: Subject<'_>,
    planned: Planned,
) -> Result<IssuedAccessToken, OAuthError> {
    let now = state.clock.now();
    let claims = AccessTokenClaims {
        iss: state.issuer.to_string(),
        sub: subject.sub.to_string(),
        aud: subject.audience.to_string(),
        client_id: subject.client_id.to_string(),
        scope: (!subject.scope.is_empty()).then(|| subject.scope.to_string()),
        roles: subject.roles.map(Roles::names),
        farm_id: subject.farm_id.map(str::to_string),
        farms: subject.farms.map(<[FarmClaim]>::to_vec),
        auth_time: subject.authentication.map(|a| a.auth_time),
        // Left out when no method was used (a sign-up without a password, decision 161).
        amr: subject
            .authentication
            .filter(|a| !a.amr.is_empty())
            .map(|a| a.amr.to_vec()),
        acr: subject.authentication.map(|a| a.acr.to_string()),
        iat: now,
        exp: planned.exp,
        jti: planned.jti,
    };
    let expires_in = (planned.exp - now).max(0);
    let token = state.keys.current().sign(JwtType::AccessToken, &claims)?;
    Ok(IssuedAccessToken {
        token,
        expires_in,
        claims,
    })
}

/// The claims of `token` if its signature, type, issuer and expiry hold. Revocation is
/// checked separately ([`is_revoked_or_orphaned`]).
pub fn verify(state: &AppState, token: &str) -> Option<AccessTokenClaims> {
    let now = state.clock.now();
    let keys = state.keys.current();
    if let Some(claims) = state.verified.get(token, now, keys.generation()) {
        return Some(claims);
    }
    let claims: AccessTokenClaims = keys.verify(token, JwtType::AccessToken).ok()?;
    let valid = claims.exp > now && claims.iss == *state.issuer;
    if valid {
        state
            .verified
            .remember(token, &claims, now, keys.generation());
    }
    valid.then_some(claims)
}

/// Whether a verified token was revoked, or its client deleted since it was issued.
pub async fn is_revoked_or_orphaned(
    state: &AppState,
    claims: &AccessTokenClaims,
) -> Result<bool, StoreError> {
    if state
        .revocations
        .is_revoked(&claims.jti, claims.exp)
        .await?
    {
        return Ok(true);
    }
    Ok(state.clients.find(&claims.client_id).await?.is_none())
}
