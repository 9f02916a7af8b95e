//! ID tokens (OpenID Connect Core §2 and §3.1.3.6): who signed in, when and how, for which
//! client, signed with the same keys as access tokens.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::keys::{JwtType, KeyError};
use crate::secrets::base64url;
use crate::state::AppState;

/// ID tokens are for the client to read at once; an hour is plenty.
pub const ID_TOKEN_TTL_SECS: i64 = 3600;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct IdTokenClaims {
    pub iss: String,
    pub sub: String,
    pub aud: String,
    pub exp: i64,
    pub iat: i64,
    pub auth_time: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_hash: Option<String>,
    /// Left out when no method was used (a sign-up without a password, decision 161).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub amr: Vec<String>,
    /// The authentication level reached (Core §2; decision 123), always stated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acr: Option<String>,
    #[serde(default)]
    pub sid: String,
    /// Claims about the person released by scope or the `claims` parameter.
    #[serde(flatten)]
    pub person: Map<String, Value>,
}

/// What goes into one ID token.
pub struct IdTokenFacts<'a> {
    pub client_id: &'a str,
    pub sub: &'a str,
    pub auth_time: i64,
    pub nonce: Option<&'a str>,
    pub amr: &'a [String],
    pub acr: &'a str,
    pub sid: &'a str,
    pub access_token: &'a str,
    pub person: Map<String, Value>,
}

pub fn issue(state: &AppState, facts: IdTokenFacts<'_>) -> Result<String, KeyError> {
    let now = state.clock.now();
    let claims = IdTokenClaims {
        iss: state.issuer.to_string(),
        sub: facts.sub.to_string(),
        aud: facts.client_id.to_string(),
        exp: now + ID_TOKEN_TTL_SECS,
        iat: now,
        auth_time: facts.auth_time,
        nonce: facts.nonce.map(str::to_string),
        at_hash: Some(at_hash(facts.access_token)),
        amr: facts.amr.to_vec(),
        acr: Some(facts.acr.to_string()),
        sid: facts.sid.to_string(),
        person: facts.person,
    };
    state.keys.current().sign(JwtType::IdToken, &claims)
}

/// Core §3.1.3.6: base64url of the left half of the SHA-256 of the access token (RS256).
pub fn at_hash(access_token: &str) -> String {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, access_token.as_bytes());
    base64url(&digest.as_ref()[..16])
}

/// One of our ID tokens, signature and issuer checked, expiry not (a hint may be old).
pub fn verify_hint(state: &AppState, token: &str) -> Option<IdTokenClaims> {
    let claims: IdTokenClaims = state.keys.current().verify(token, JwtType::IdToken).ok()?;
    (claims.iss == *state.issuer).then_some(claims)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_hash_matches_the_openid_connect_example() {
        // OpenID Connect Core, Appendix A.3 (RS256).
        assert_eq!(
            at_hash("jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y"),
            "77QmUPtjPfzWtF2AnpK9RQ"
        );
    }
}
