//! Password hashing with Argon2id at the OWASP minimum (m = 19 MiB, t = 2, p = 1). Hashing
//! takes tens of milliseconds of CPU, so it runs on tokio's blocking pool, never on the
//! async workers, and at most [`max_concurrent_hashes`] at a time: each one holds 19 MiB, so
//! a flood of login attempts waits in line instead of exhausting memory.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use std::sync::OnceLock;
use tokio::sync::Semaphore;

#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("password hashing failed")]
    Hash,
}

fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("OWASP Argon2id parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Two per core: enough to keep every core busy while one hash starts as another ends.
pub fn max_concurrent_hashes() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get() * 2)
}

fn permits() -> &'static Semaphore {
    static PERMITS: OnceLock<Semaphore> = OnceLock::new();
    PERMITS.get_or_init(|| Semaphore::new(max_concurrent_hashes()))
}

/// Runs `work` on the blocking pool once a hashing slot is free.
async fn run_limited<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    let _permit = permits().acquire().await.ok()?;
    tokio::task::spawn_blocking(work).await.ok()
}

/// Hashes `password` into a PHC string (salt and parameters included).
pub async fn hash(password: String) -> Result<String, PasswordError> {
    run_limited(move || hash_blocking(&password))
        .await
        .ok_or(PasswordError::Hash)?
}

pub fn hash_blocking(password: &str) -> Result<String, PasswordError> {
    let salt = SaltString::encode_b64(&crate::secrets::random_bytes::<16>())
        .map_err(|_| PasswordError::Hash)?;
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|_| PasswordError::Hash)
}

/// Whether `password` matches the PHC string `hash`. A malformed hash never matches.
pub async fn verify(password: String, hash: String) -> bool {
    run_limited(move || verify_blocking(&password, &hash))
        .await
        .unwrap_or(false)
}

pub fn verify_blocking(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| {
        argon2()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_is_argon2id_at_owasp_strength_and_verifies() {
        let hash = hash_blocking("correct horse battery staple").unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(verify_blocking("correct horse battery staple", &hash));
        assert!(!verify_blocking("correct horse battery stapler", &hash));
        assert!(!verify_blocking("x", "not a hash"));
    }
}
