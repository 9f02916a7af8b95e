//! Making keys, rotating them in two phases, and revoking one at once.

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::RsaKeyPair;
use serde::Serialize;

use super::set::public_components;
use super::{KeyError, activation_delay};
use crate::secrets::base64url;
use crate::state::AppState;
use crate::store::keys::Revoked;

/// RFC 7638 JWK thumbprint: the kid is derived from the key, so it is stable and unique.
pub(super) fn thumbprint(n: &str, e: &str) -> String {
    let canonical = format!(r#"{{"e":"{e}","kty":"RSA","n":"{n}"}}"#);
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, canonical.as_bytes());
    base64url(digest.as_ref())
}

/// A new RSA-2048 key: its kid and PKCS#8 DER. CPU-heavy (tens of milliseconds).
pub(super) fn generate() -> Result<(String, Vec<u8>), KeyError> {
    let pair = RsaKeyPair::generate(KeySize::Rsa2048).map_err(|_| KeyError::Generate)?;
    let der = pair.as_der().map_err(|_| KeyError::Generate)?;
    let (n, e) = public_components(&pair);
    Ok((thumbprint(&n, &e), der.as_ref().to_vec()))
}

pub(super) async fn generate_off_runtime() -> Result<(String, Vec<u8>), KeyError> {
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
