//! Proof Key for Code Exchange (RFC 7636), `S256` only: the client commits to a secret
//! verifier in the authorization request and proves it at the token endpoint.

use aws_lc_rs::digest;

use crate::secrets::{base64url, constant_time_eq};

/// A `code_challenge`: the base64url SHA-256 of a verifier, exactly 43 characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodeChallenge(String);

impl CodeChallenge {
    /// RFC 7636 §4.3: the method defaults to `plain`, which RFC 9700 §2.1.1 says not to
    /// accept; only `S256` is.
    pub fn parse(challenge: &str, method: Option<&str>) -> Result<CodeChallenge, &'static str> {
        match method {
            Some("S256") => {}
            Some("plain") | None => {
                return Err("code_challenge_method must be S256 (plain is not accepted)");
            }
            Some(_) => return Err("code_challenge_method is not supported"),
        }
        let well_formed = challenge.len() == 43
            && challenge
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !well_formed {
            return Err("code_challenge must be the base64url SHA-256 of the verifier");
        }
        Ok(CodeChallenge(challenge.to_string()))
    }

    /// Wraps a challenge that was checked when it was stored.
    pub fn from_stored(challenge: String) -> CodeChallenge {
        CodeChallenge(challenge)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// RFC 7636 §4.6: `BASE64URL(SHA256(ASCII(code_verifier))) == code_challenge`, with a
    /// verifier of 43 to 128 unreserved characters (§4.1).
    pub fn is_satisfied_by(&self, verifier: &str) -> bool {
        CodeChallenge::of_verifier(verifier)
            .is_some_and(|c| constant_time_eq(c.0.as_bytes(), self.0.as_bytes()))
    }

    /// The S256 challenge of a verifier (RFC 7636 §4.2), or `None` when it is not 43 to 128
    /// unreserved characters (§4.1): what the token request proves, to compare with the
    /// challenge stored with a code.
    pub fn of_verifier(verifier: &str) -> Option<CodeChallenge> {
        let well_formed = (43..=128).contains(&verifier.len())
            && verifier
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'));
        if !well_formed {
            return None;
        }
        let digest = digest::digest(&digest::SHA256, verifier.as_bytes());
        Some(CodeChallenge(base64url(digest.as_ref())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 7636 Appendix B.
    const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    #[test]
    fn the_rfc_7636_appendix_b_vector_verifies() {
        let challenge = CodeChallenge::parse(CHALLENGE, Some("S256")).unwrap();
        assert!(challenge.is_satisfied_by(VERIFIER));
        assert!(!challenge.is_satisfied_by(&VERIFIER.replace('d', "e")));
    }

    #[test]
    fn plain_and_missing_methods_are_refused() {
        assert!(CodeChallenge::parse(CHALLENGE, Some("plain")).is_err());
        assert!(CodeChallenge::parse(CHALLENGE, None).is_err());
        assert!(CodeChallenge::parse(CHALLENGE, Some("S512")).is_err());
    }

    #[test]
    fn malformed_challenges_and_verifiers_are_refused() {
        assert!(CodeChallenge::parse("short", Some("S256")).is_err());
        assert!(CodeChallenge::parse(&format!("{}=", &CHALLENGE[..42]), Some("S256")).is_err());
        let challenge = CodeChallenge::parse(CHALLENGE, Some("S256")).unwrap();
        assert!(!challenge.is_satisfied_by("too-short"));
        assert!(!challenge.is_satisfied_by(&"a".repeat(129)));
    }
}
