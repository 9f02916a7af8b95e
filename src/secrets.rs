//! Random values and secret handling shared by every area: token generation, hashing of
//! high-entropy secrets, and constant-time comparison.

use aws_lc_rs::{constant_time, digest, rand};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// `n` bytes from the operating system's CSPRNG.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut buf = [0u8; N];
    // The system RNG only fails when the OS cannot provide entropy at all; nothing safe can
    // be done without it, so this is one of the few places a panic is the right answer.
    rand::fill(&mut buf).expect("the operating system random number generator failed");
    buf
}

/// A URL-safe random token of `N` bytes of entropy (base64url without padding).
pub fn random_token<const N: usize>() -> String {
    URL_SAFE_NO_PAD.encode(random_bytes::<N>())
}

/// A random identifier of 128 bits that people may type in commands (a client id, a user
/// id): a [`random_token`] that does not start with `-` or `_`, so that no command line
/// reads it as an option. Redrawing costs 3 of 128 bits' worth of choices, never entropy
/// that matters.
pub fn random_id() -> String {
    loop {
        let id = random_token::<16>();
        if id.starts_with(|c: char| c.is_ascii_alphanumeric()) {
            return id;
        }
    }
}

/// SHA-256 of a high-entropy secret, as lowercase hex. Right for server-generated secrets
/// (client secrets, refresh tokens, codes): they carry 128+ bits of entropy, so a slow KDF
/// would add cost and no security. Never use this for passwords.
pub fn hash_secret(secret: &str) -> String {
    let digest = digest::digest(&digest::SHA256, secret.as_bytes());
    hex(digest.as_ref())
}

/// Compares two byte strings in time that depends only on their lengths.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    constant_time::verify_slices_are_equal(a, b).is_ok()
}

pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[(b >> 4) as usize] as char);
        out.push(DIGITS[(b & 0xf) as usize] as char);
    }
    out
}

pub fn base64url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn base64url_decode(text: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_tokens_carry_the_requested_entropy_and_differ() {
        let a = random_token::<32>();
        let b = random_token::<32>();
        assert_eq!(a.len(), 43);
        assert_ne!(a, b);
    }

    #[test]
    fn ids_never_start_like_a_command_line_option() {
        for _ in 0..2_000 {
            let id = random_id();
            assert_eq!(id.len(), 22);
            assert!(id.starts_with(|c: char| c.is_ascii_alphanumeric()), "{id}");
        }
    }

    #[test]
    fn a_secret_verifies_against_its_hash_and_nothing_else() {
        let stored = hash_secret("correct horse");
        let verify = |presented: &str| {
            constant_time_eq(hash_secret(presented).as_bytes(), stored.as_bytes())
        };
        assert!(verify("correct horse"));
        assert!(!verify("correct horsf"));
        assert!(!verify(""));
    }

    #[test]
    fn sha256_matches_a_known_vector() {
        assert_eq!(
            hash_secret("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
