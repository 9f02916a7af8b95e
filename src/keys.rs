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
use std::collections::HashMap;
use std::sync::Arc;

use arc_swap::ArcSwap;
use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{KeySize, PublicKeyComponents};
use aws_lc_rs::signature::{
    KeyPair, ParsedPublicKey, RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256, RsaKeyPair,
};
use bytes::Bytes;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::clock::Clock;
use crate::secrets::{base64url, base64url_decode};
use crate::state::AppState;
use crate::store::keys::{Revoked, SigningKeyRecord, version};
use crate::store::{Store, StoreError};

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
}

impl JwtType {
    const ALL: [JwtType; 2] = [JwtType::AccessToken, JwtType::IdToken];

    fn typ(self) -> &'static str {
        match self {
            JwtType::AccessToken => "at+jwt",
            JwtType::IdToken => "JWT",
        }
    }

    fn index(self) -> usize {
        self as usize
    }

    fn matches(self, typ: Option<&str>) -> bool {
        match (self, typ) {
            // RFC 9068 §4: resource servers MUST check `typ` is `at+jwt` (or its long form).
            (JwtType::AccessToken, Some(t)) => {
                t.eq_ignore_ascii_case("at+jwt") || t.eq_ignore_ascii_case("application/at+jwt")
            }
            (JwtType::AccessToken, None) => false,
            (JwtType::IdToken, t) => t.is_none_or(|t| t.eq_ignore_ascii_case("JWT")),
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

/// A private key that signs or will, with its precomputed JWT headers.
struct SigningKey {
    kid: String,
    pair: RsaKeyPair,
    /// From when to when it signs.
    activates_at: i64,
    retired_at: Option<i64>,
    /// base64url of the JOSE header for each [`JwtType`], computed once.
    headers: [String; 2],
}

/// A published key set, parsed once and shared by every request until the next refresh.
pub struct KeySet {
    /// The keys that sign now or will, latest to sign first. Empty only before the
    /// server's start-up made the first key ([`KeyRing::ensure_signing_key`]): the command
    /// line's state never signs.
    signing: Vec<SigningKey>,
    clock: Clock,
    verifying: HashMap<String, ParsedPublicKey>,
    jwks: Bytes,
    /// The ordered kids, as [`Store::signing_keys_version`] reports them.
    version: String,
}

#[derive(Serialize)]
struct Jwk<'a> {
    kty: &'static str,
    #[serde(rename = "use")]
    use_: &'static str,
    alg: &'static str,
    kid: &'a str,
    n: String,
    e: String,
}

#[derive(serde::Deserialize)]
struct Header {
    alg: String,
    kid: Option<String>,
    typ: Option<String>,
}

impl KeySet {
    fn from_records(records: &[SigningKeyRecord], clock: &Clock) -> Result<KeySet, KeyError> {
        let now = clock.now();
        let mut signing = Vec::new();
        let mut verifying = HashMap::new();
        let mut jwks = Vec::new();
        for record in records {
            let pair = RsaKeyPair::from_pkcs8(&record.private_key)
                .map_err(|_| KeyError::Parse(record.kid.clone()))?;
            let (n, e) = public_components(&pair);
            jwks.push(Jwk {
                kty: "RSA",
                use_: "sig",
                alg: "RS256",
                kid: &record.kid,
                n,
                e,
            });
            let public =
                ParsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, pair.public_key().as_ref())
                    .map_err(|_| KeyError::Parse(record.kid.clone()))?;
            verifying.insert(record.kid.clone(), public);
            if record.retired_at.is_none_or(|retired| retired > now) {
                let headers = JwtType::ALL.map(|t| jose_header(t, &record.kid));
                signing.push(SigningKey {
                    kid: record.kid.clone(),
                    pair,
                    activates_at: record.activates_at,
                    retired_at: record.retired_at,
                    headers,
                });
            }
        }
        let jwks = serde_json::to_vec(&serde_json::json!({ "keys": jwks }))
            .expect("a JWKS always serializes");
        let version = version(records.iter().map(|r| (r.kid.as_str(), r.activates_at)));
        Ok(KeySet {
            signing,
            clock: clock.clone(),
            verifying,
            jwks: Bytes::from(jwks),
            version,
        })
    }

    /// The JWKS document (RFC 7517), public members only.
    pub fn jwks(&self) -> Bytes {
        self.jwks.clone()
    }

    /// The key that signs at `now`: the latest activated one that is not yet retired. Its
    /// successor, published already, takes over at its stored activation time.
    ///
    /// When none qualifies, the earliest to activate signs: a key made to replace a revoked
    /// one activates "now" by the clock of the process that revoked, which may run a little
    /// ahead of this one's; there is no other key left to sign with.
    fn signing_at(&self, now: i64) -> Option<&SigningKey> {
        let live = || {
            self.signing
                .iter()
                .filter(move |key| key.retired_at.is_none_or(|r| r > now))
        };
        live()
            .filter(|key| key.activates_at <= now)
            .max_by_key(|key| key.activates_at)
            .or_else(|| live().min_by_key(|key| key.activates_at))
    }

    /// The kid of the key that signs now.
    pub fn active_kid(&self) -> Option<&str> {
        self.signing_at(self.clock.now())
            .map(|key| key.kid.as_str())
    }

    /// Signs `claims` as a compact JWS with RS256 and the key that signs now.
    pub fn sign(&self, typ: JwtType, claims: &impl Serialize) -> Result<String, KeyError> {
        let signing = self
            .signing_at(self.clock.now())
            .ok_or(KeyError::NoActiveKey)?;
        let payload = serde_json::to_vec(claims).map_err(|_| KeyError::Sign)?;
        let header = &signing.headers[typ.index()];
        let mut token = String::with_capacity(header.len() + payload.len() * 4 / 3 + 350);
        token.push_str(header);
        token.push('.');
        base64::Engine::encode_string(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            &payload,
            &mut token,
        );
        let mut signature = vec![0u8; signing.pair.public_modulus_len()];
        signing
            .pair
            .sign(
                &RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                token.as_bytes(),
                &mut signature,
            )
            .map_err(|_| KeyError::Sign)?;
        token.push('.');
        base64::Engine::encode_string(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            &signature,
            &mut token,
        );
        Ok(token)
    }

    /// Checks a compact JWS: RS256, the expected `typ`, a published `kid`, a valid signature;
    /// then parses the claims. Claim checks (issuer, expiry, audience) are the caller's.
    pub fn verify<T: DeserializeOwned>(&self, token: &str, typ: JwtType) -> Result<T, VerifyError> {
        if token.len() > MAX_JWT_LEN {
            return Err(VerifyError::Malformed);
        }
        let mut parts = token.split('.');
        let (Some(header), Some(payload), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(VerifyError::Malformed);
        };
        let header: Header = base64url_decode(header)
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .ok_or(VerifyError::Malformed)?;
        // RFC 8725 §3.1: accept only the one algorithm farm-auth signs with, never `none`.
        if header.alg != "RS256" {
            return Err(VerifyError::Algorithm);
        }
        if !typ.matches(header.typ.as_deref()) {
            return Err(VerifyError::Type);
        }
        let key = header
            .kid
            .as_deref()
            .and_then(|kid| self.verifying.get(kid))
            .ok_or(VerifyError::UnknownKey)?;
        let signature = base64url_decode(signature).ok_or(VerifyError::Malformed)?;
        let signing_input_len = token.len() - signature_part_len(token);
        key.verify_sig(&token.as_bytes()[..signing_input_len], &signature)
            .map_err(|_| VerifyError::Signature)?;
        let claims = base64url_decode(payload).ok_or(VerifyError::Malformed)?;
        serde_json::from_slice(&claims).map_err(|_| VerifyError::Claims)
    }
}

/// Length of the signature part plus its leading dot.
fn signature_part_len(token: &str) -> usize {
    token.rfind('.').map(|dot| token.len() - dot).unwrap_or(0)
}

fn jose_header(typ: JwtType, kid: &str) -> String {
    let header = serde_json::json!({ "alg": "RS256", "typ": typ.typ(), "kid": kid });
    base64url(header.to_string().as_bytes())
}

fn public_components(pair: &RsaKeyPair) -> (String, String) {
    let components = PublicKeyComponents::<Vec<u8>>::from(pair.public_key());
    (base64url(&components.n), base64url(&components.e))
}

/// RFC 7638 JWK thumbprint: the kid is derived from the key, so it is stable and unique.
fn thumbprint(n: &str, e: &str) -> String {
    let canonical = format!(r#"{{"e":"{e}","kty":"RSA","n":"{n}"}}"#);
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, canonical.as_bytes());
    base64url(digest.as_ref())
}

/// A new RSA-2048 key: its kid and PKCS#8 DER. CPU-heavy (tens of milliseconds).
fn generate() -> Result<(String, Vec<u8>), KeyError> {
    let pair = RsaKeyPair::generate(KeySize::Rsa2048).map_err(|_| KeyError::Generate)?;
    let der = pair.as_der().map_err(|_| KeyError::Generate)?;
    let (n, e) = public_components(&pair);
    Ok((thumbprint(&n, &e), der.as_ref().to_vec()))
}

async fn generate_off_runtime() -> Result<(String, Vec<u8>), KeyError> {
    tokio::task::spawn_blocking(generate)
        .await
        .map_err(|_| KeyError::Generate)?
}

/// A rotation: the new key, published now, and when it starts signing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Rotation {
    pub kid: String,
    pub activates_at: i64,
}

/// Publishes a new key that signs from [`activation_delay`] on; the key it replaces signs
/// until then, and stays published while tokens it signed may still be valid: each server
/// decides how long from its own token lifetime
/// ([`crate::config::Config::key_retention`]).
pub async fn rotate(state: &AppState) -> Result<Rotation, KeyError> {
    let (kid, der) = generate_off_runtime().await?;
    let now = state.clock.now();
    let refresh = state.config.key_refresh_interval.as_secs() as i64;
    let activates_at = state
        .store
        .rotate_signing_key(&kid, &der, now, now + activation_delay(refresh))
        .await?;
    Ok(Rotation { kid, activates_at })
}

/// Withdraws a key at once (after a compromise): it leaves the JWKS and never signs again,
/// and tokens it signed are no longer accepted. If it was the signing key, the next one
/// signs at once (the one waiting for its turn, or a new one), without the two-phase wait:
/// a verifier that does not know it yet refreshes its JWKS on the unknown kid. Other
/// replicas follow within their key refresh interval.
pub async fn revoke(state: &AppState, kid: &str) -> Result<Revoked, KeyError> {
    // Made before it is known to be needed: a revocation must not wait for one after.
    let (spare_kid, spare) = generate_off_runtime().await?;
    let now = state.clock.now();
    match state
        .store
        .revoke_signing_key(kid, now, (&spare_kid, &spare))
        .await?
    {
        Revoked::Unknown => Err(KeyError::UnknownKid(kid.to_string())),
        done => Ok(done),
    }
}

/// The key set of this process, swapped atomically when the database says it changed.
pub struct KeyRing {
    current: ArcSwap<KeySet>,
    store: Store,
    clock: Clock,
    /// How long a retired key stays published, in seconds.
    retention: i64,
}

impl KeyRing {
    /// Loads the published keys (none, in a new database: the server's start-up makes the
    /// first with [`KeyRing::ensure_signing_key`]). `retention_secs`: how long a retired key
    /// stays published.
    pub async fn load(
        store: Store,
        clock: Clock,
        retention_secs: i64,
    ) -> Result<KeyRing, KeyError> {
        let set = load_set(&store, &clock, retention_secs).await?;
        Ok(KeyRing {
            current: ArcSwap::from_pointee(set),
            store,
            clock,
            retention: retention_secs,
        })
    }

    /// The key set in force now; cheap (an atomic load).
    pub fn current(&self) -> arc_swap::Guard<Arc<KeySet>> {
        self.current.load()
    }

    /// Re-reads the key set if the database's differs from ours. Returns whether it changed.
    pub async fn refresh(&self) -> Result<bool, KeyError> {
        let now = self.clock.now();
        let version = self.store.signing_keys_version(now, self.retention).await?;
        if version == self.current.load().version {
            return Ok(false);
        }
        let set = load_set(&self.store, &self.clock, self.retention).await?;
        if set.active_kid().is_none() {
            // The active key was withdrawn by hand (or lost with a restore): tokens cannot
            // be signed until there is one, so make a new first key as at start-up.
            tracing::warn!("no active signing key in the database; making a new one");
            self.make_first_key().await?;
            return Ok(true);
        }
        tracing::info!(active_kid = set.active_kid(), "signing keys reloaded");
        self.current.store(Arc::new(set));
        Ok(true)
    }

    /// Makes the first signing key if the database has no active one, at the server's
    /// start-up. Replicas starting together race for it; exactly one key wins.
    pub async fn ensure_signing_key(&self) -> Result<(), KeyError> {
        if self.current().active_kid().is_some() {
            return Ok(());
        }
        self.make_first_key().await
    }

    /// Inserts a new key as the first active one, unless another process did, and loads the
    /// set.
    async fn make_first_key(&self) -> Result<(), KeyError> {
        let (kid, der) = generate_off_runtime().await?;
        let now = self.clock.now();
        if self.store.insert_first_signing_key(&kid, &der, now).await? {
            tracing::info!(kid, "generated the first signing key");
        }
        // Whoever won the race, the database now holds exactly one active key.
        let set = load_set(&self.store, &self.clock, self.retention).await?;
        if set.active_kid().is_none() {
            return Err(KeyError::NoActiveKey);
        }
        self.current.store(Arc::new(set));
        Ok(())
    }
}

async fn load_set(store: &Store, clock: &Clock, retention: i64) -> Result<KeySet, KeyError> {
    let records = store
        .list_published_signing_keys(clock.now(), retention)
        .await?;
    KeySet::from_records(&records, clock)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key_set() -> KeySet {
        let (kid, der) = generate().unwrap();
        let record = SigningKeyRecord {
            kid,
            private_key: der,
            active: Some(1),
            created_at: 0,
            activates_at: 0,
            retired_at: None,
        };
        KeySet::from_records(&[record], &Clock::manual(1_800_000_000)).unwrap()
    }

    #[derive(Serialize, serde::Deserialize, Debug, PartialEq)]
    struct Claims {
        sub: String,
    }

    #[test]
    fn a_signed_token_verifies_and_a_tampered_one_does_not() {
        let keys = key_set();
        let claims = Claims {
            sub: "alice".into(),
        };
        let token = keys.sign(JwtType::AccessToken, &claims).unwrap();
        assert_eq!(
            keys.verify::<Claims>(&token, JwtType::AccessToken).unwrap(),
            claims
        );

        let forged = Claims {
            sub: "mallory".into(),
        };
        let forged_payload = base64url(&serde_json::to_vec(&forged).unwrap());
        let parts: Vec<&str> = token.split('.').collect();
        let tampered = format!("{}.{}.{}", parts[0], forged_payload, parts[2]);
        assert_eq!(
            keys.verify::<Claims>(&tampered, JwtType::AccessToken),
            Err(VerifyError::Signature)
        );
    }

    #[test]
    fn an_access_token_is_not_accepted_as_another_type_and_none_is_refused() {
        let keys = key_set();
        let token = keys
            .sign(JwtType::IdToken, &Claims { sub: "a".into() })
            .unwrap();
        assert_eq!(
            keys.verify::<Claims>(&token, JwtType::AccessToken),
            Err(VerifyError::Type)
        );

        let header = base64url(br#"{"alg":"none","typ":"at+jwt"}"#);
        let payload = base64url(br#"{"sub":"a"}"#);
        let unsigned = format!("{header}.{payload}.");
        assert_eq!(
            keys.verify::<Claims>(&unsigned, JwtType::AccessToken),
            Err(VerifyError::Algorithm)
        );
        assert_eq!(
            keys.verify::<Claims>("a.b", JwtType::AccessToken),
            Err(VerifyError::Malformed)
        );
        assert_eq!(
            keys.verify::<Claims>("", JwtType::AccessToken),
            Err(VerifyError::Malformed)
        );
    }

    #[test]
    fn the_jwks_has_no_private_members() {
        let keys = key_set();
        let jwks: serde_json::Value = serde_json::from_slice(&keys.jwks()).unwrap();
        let key = &jwks["keys"][0];
        assert_eq!(key["kid"], keys.active_kid().unwrap());
        assert_eq!(key["e"], "AQAB");
        for private in ["d", "p", "q", "dp", "dq", "qi"] {
            assert!(key.get(private).is_none(), "{private} leaked");
        }
    }

    #[test]
    fn the_jwks_cache_header_says_the_max_age_the_activation_delay_counts_on() {
        assert_eq!(
            JWKS_CACHE_CONTROL,
            format!("public, max-age={JWKS_MAX_AGE_SECS}")
        );
        assert_eq!(activation_delay(10), 310);
    }

    #[test]
    fn the_kid_is_the_rfc7638_thumbprint() {
        // RFC 7638 §3.1 example key and thumbprint.
        let n = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
        assert_eq!(
            thumbprint(n, "AQAB"),
            "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
        );
    }
}
