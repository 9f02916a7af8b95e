//! [`KeySet`]: the published keys parsed once, the JWKS as bytes, and signing and verifying
//! JWTs with them.

use std::collections::HashMap;

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::PublicKeyComponents;
use aws_lc_rs::signature::{
    KeyPair, ParsedPublicKey, RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256, RsaKeyPair,
};
use bytes::Bytes;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{JwtType, KeyError, MAX_JWT_LEN, VerifyError};
use crate::clock::Clock;
use crate::secrets::{base64url, base64url_decode};
use crate::store::keys::{SigningKeyRecord, version};

/// A private key that signs or will, with its precomputed JWT headers.
struct SigningKey {
    kid: String,
    pair: RsaKeyPair,
    /// From when to when it signs.
    activates_at: i64,
    retired_at: Option<i64>,
    /// base64url of the JOSE header for each [`JwtType`], computed once.
    headers: [String; 3],
}

/// A published key set, parsed once and shared by every request until the next refresh.
pub struct KeySet {
    /// The keys that sign now or will, latest to sign first. Empty only before the
    /// server's start-up made the first key
    /// ([`KeyRing::ensure_signing_key`](super::KeyRing::ensure_signing_key)): the command
    /// line's state never signs.
    signing: Vec<SigningKey>,
    clock: Clock,
    verifying: HashMap<String, ParsedPublicKey>,
    jwks: Bytes,
    /// The ordered kids, as
    /// [`Store::signing_keys_version`](crate::store::Store::signing_keys_version) reports them.
    pub(super) version: String,
    /// Unique to this parsed set within the process, increasing with each load: what a
    /// token verified with this set is remembered under
    /// ([`VerifiedTokens`](crate::oauth2::verified_tokens::VerifiedTokens)).
    generation: u64,
}

/// The next [`KeySet::generation`].
static GENERATIONS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

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
    pub(super) fn from_records(
        records: &[SigningKeyRecord],
        clock: &Clock,
    ) -> Result<KeySet, KeyError> {
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
            generation: GENERATIONS.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        })
    }

    /// Which load of the key set this is: later loads have larger numbers.
    pub fn generation(&self) -> u64 {
        self.generation
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

    /// Since when the key that signs now has been signing (its activation time).
    pub fn active_since(&self) -> Option<i64> {
        self.signing_at(self.clock.now())
            .map(|key| key.activates_at)
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

pub(super) fn public_components(pair: &RsaKeyPair) -> (String, String) {
    let components = PublicKeyComponents::<Vec<u8>>::from(pair.public_key());
    (base64url(&components.n), base64url(&components.e))
}
