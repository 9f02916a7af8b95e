//! Signing keys: generation, storage, rotation, revocation, the JWKS, and signing and
//! verifying JWTs.
//!
//! Keys are RSA-2048, used with RS256, generated and used through aws-lc-rs (see
//! `docs/DECISIONS.md`: it signs about twice as fast as ring and six times as fast as the
//! pure-Rust `rsa` crate, in constant time). Each process holds the published key set in
//! memory, parsed once: the private keys that sign now or will, every published public key
//! ready to verify, and the JWKS document as bytes. A background task re-reads the set from
//! the database every `FARM_AUTH_KEY_REFRESH_SECS`, so a rotation or a revocation done
//! anywhere reaches every replica within that interval, without a restart.
//!
//! Rotation has two phases: a new key is published at once and signs only from its stored
//! activation time, [`activation_delay`] later, when every verifier can have seen it in the
//! JWKS. Which key signs is decided at each signature from the stored times, so replicas
//! switch together. A revoked key leaves the JWKS and the verifying set at once: tokens it
//! signed are refused from then on.
//!
//! This file holds the JWT types and the errors; `set.rs` the key set that signs and
//! verifies, `rotation.rs` making, rotating and revoking keys, `ring.rs` the process's key
//! set and its refresh.

use crate::store::StoreError;

mod ring;
mod rotation;
mod set;
#[cfg(test)]
mod tests;

pub use ring::KeyRing;
pub use rotation::{Rotation, revoke, rotate};
pub use set::KeySet;

/// How long verifiers may cache the JWKS: its `Cache-Control: max-age`.
pub const JWKS_MAX_AGE_SECS: i64 = 300;
/// The JWKS's `Cache-Control` header, [`JWKS_MAX_AGE_SECS`] written out (a unit test keeps
/// them equal).
pub const JWKS_CACHE_CONTROL: &str = "public, max-age=300";

/// How long after a rotation the new key starts signing: the JWKS cache lifetime, plus the
/// interval in which every replica re-reads the keys and so starts publishing the new one.
/// A verifier that fetched the JWKS just before a replica noticed the new key still has it
/// in time.
pub fn activation_delay(key_refresh_secs: i64) -> i64 {
    JWKS_MAX_AGE_SECS + key_refresh_secs
}

/// Longest JWT accepted for verification: far above any token farm-auth issues, low enough
/// that a hostile megabyte is refused before any decoding.
pub const MAX_JWT_LEN: usize = 8 * 1024;

/// The JWT types farm-auth signs, each with its `typ` header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JwtType {
    /// RFC 9068 §2.1: `typ` is `at+jwt`.
    AccessToken,
    /// OpenID Connect Core §2: an ID token is a plain `JWT`.
    IdToken,
    /// OpenID Connect Back-Channel Logout 1.0 §2.4: `typ` is `logout+jwt`, so that a logout
    /// token can never pass for an ID token (§4.4).
    LogoutToken,
}

impl JwtType {
    pub(super) const ALL: [JwtType; 3] =
        [JwtType::AccessToken, JwtType::IdToken, JwtType::LogoutToken];

    pub(super) fn typ(self) -> &'static str {
        match self {
            JwtType::AccessToken => "at+jwt",
            JwtType::IdToken => "JWT",
            JwtType::LogoutToken => "logout+jwt",
        }
    }

    pub(super) fn index(self) -> usize {
        self as usize
    }

    pub(super) fn matches(self, typ: Option<&str>) -> bool {
        match (self, typ) {
            // RFC 9068 §4: resource servers MUST check `typ` is `at+jwt` (or its long form).
            (JwtType::AccessToken, Some(t)) => {
                t.eq_ignore_ascii_case("at+jwt") || t.eq_ignore_ascii_case("application/at+jwt")
            }
            (JwtType::AccessToken, None) => false,
            (JwtType::IdToken, t) => t.is_none_or(|t| t.eq_ignore_ascii_case("JWT")),
            (JwtType::LogoutToken, t) => t.is_some_and(|t| t.eq_ignore_ascii_case("logout+jwt")),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("RSA key generation failed")]
    Generate,
    #[error("stored signing key {0} cannot be parsed")]
    Parse(String),
    #[error("no active signing key")]
    NoActiveKey,
    #[error("RSA signing failed")]
    Sign,
    #[error("no published signing key has the kid {0}")]
    UnknownKid(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a JWT was not accepted. Callers treat every variant the same way (the token is not
/// valid); the variants exist for logs and tests.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("not a well-formed JWS compact serialization")]
    Malformed,
    #[error("signed with an algorithm other than RS256")]
    Algorithm,
    #[error("wrong token type")]
    Type,
    #[error("signed with an unknown key")]
    UnknownKey,
    #[error("bad signature")]
    Signature,
    #[error("claims do not parse")]
    Claims,
}
