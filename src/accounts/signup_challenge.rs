//! The sign-up form's anti-automation step (DECISIONS §87): self-hosted, no third party, and
//! usable without JavaScript.
//!
//! Each sign-up page carries a challenge the server signed (HMAC-SHA-256 under a key the
//! replicas share): when it was issued, a random nonce and a difficulty. With JavaScript the
//! browser finds a number whose SHA-256 together with the challenge starts with that many
//! zero bits (`static/signup.js`, Friendly Captcha and ALTCHA style): about 2^16 hashes, a
//! second of a phone's time, and a real cost to a script that signs up thousands. Without
//! JavaScript the form is taken without a solution once it has been open a few seconds (no
//! person fills it faster), and that path has a smaller per-address budget
//! ([`super::throttle::SIGNUP_UNPROVEN_ADDRESS`]). A field hidden from people (a honeypot)
//! must come back empty.
//!
//! Checking costs one HMAC and at most one SHA-256, and needs no storage; only a challenge
//! that passed the throttles is recorded as spent, until it would have expired anyway, so
//! a replayed solution is refused and the record stays as small as the throttles allow.

use aws_lc_rs::{digest, hmac};
use tokio::sync::OnceCell;

use crate::secrets::{base64url, base64url_decode, constant_time_eq, random_token};
use crate::state::AppState;
use crate::store::StoreError;

/// Leading zero bits the solution's hash needs: 65,536 tries on average.
pub const PROOF_BITS: u32 = 16;
/// How long a page's challenge may be answered: a person may leave the tab open a while,
/// but not past the visitor's session (30 minutes from its last change, §80), whose CSRF
/// token the form needs too.
pub const CHALLENGE_TTL_SECS: i64 = 20 * 60;
/// How long the form must have been open when it comes without a solution.
pub const MIN_FILL_SECS: i64 = 4;
/// The form field that carries the challenge, the one for the solution, and the honeypot.
pub const CHALLENGE_FIELD: &str = "challenge";
pub const SOLUTION_FIELD: &str = "solution";
pub const HONEYPOT_FIELD: &str = "website";

const KEY_NAME: &str = "signup-challenge";

/// The key that signs challenges, made once for every replica and then kept in memory.
pub type ChallengeKey = OnceCell<Vec<u8>>;

/// A challenge for one sign-up page.
pub struct Challenge {
    /// `ISSUED.NONCE.BITS.MAC`, the text the solution is found for.
    pub text: String,
    pub bits: u32,
}

/// What the form brought back.
#[derive(Clone, Debug, Default)]
pub struct ChallengeAnswer {
    pub challenge: String,
    pub solution: String,
    pub honeypot: String,
}

/// Why the anti-automation step refused a form. People are told only to send it again.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum ChallengeRefused {
    /// Not ours, changed, expired, already used, wrongly solved, or the honeypot was filled:
    /// one answer for all, so that a script learns nothing from it.
    #[error("this form has expired; please check what you typed and send it again")]
    Invalid,
    /// No solution, and sent faster than a person fills the form.
    #[error("please check what you typed and send the form again")]
    TooSoon,
}

/// A challenge that was answered, not yet spent.
#[derive(Debug)]
pub struct Answered {
    nonce: String,
    expires_at: i64,
    /// Whether the proof of work came with it (rather than the wait without JavaScript).
    pub proven: bool,
}

async fn key(state: &AppState) -> Result<&[u8], StoreError> {
    let key = state
        .challenge_key
        .get_or_try_init(|| async {
            let fresh = random_token::<32>();
            let now = state.clock.now();
            let stored = state
                .store
                .find_or_insert_instance_secret(KEY_NAME, &fresh, now)
                .await?;
            base64url_decode(&stored)
                .filter(|key| key.len() >= 32)
                .ok_or_else(|| StoreError::Corrupt("the sign-up challenge key".into()))
        })
        .await?;
    Ok(key)
}

fn mac(key: &[u8], body: &str) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, key);
    base64url(hmac::sign(&key, format!("{KEY_NAME}\n{body}").as_bytes()).as_ref())
}

/// A new challenge, issued now.
pub async fn issue(state: &AppState) -> Result<Challenge, StoreError> {
    let key = key(state).await?;
    let body = format!(
        "{}.{}.{PROOF_BITS}",
        state.clock.now(),
        random_token::<16>()
    );
    Ok(Challenge {
        text: format!("{body}.{}", mac(key, &body)),
        bits: PROOF_BITS,
    })
}

/// Leading zero bits of SHA-256(`challenge` `:` `solution`).
pub fn zero_bits(challenge: &str, solution: &str) -> u32 {
    let hash = digest::digest(
        &digest::SHA256,
        format!("{challenge}:{solution}").as_bytes(),
    );
    let mut bits = 0;
    for byte in hash.as_ref() {
        bits += byte.leading_zeros();
        if *byte != 0 {
            break;
        }
    }
    bits
}

/// Checks an answer without storage: signed by us, not expired, and either solved or sent
/// after the minimum fill time, with the honeypot empty. Spend it with [`spend`].
pub async fn check(
    state: &AppState,
    answer: &ChallengeAnswer,
) -> Result<Result<Answered, ChallengeRefused>, StoreError> {
    let key = key(state).await?;
    Ok(check_with(key, state.clock.now(), answer))
}

fn check_with(
    key: &[u8],
    now: i64,
    answer: &ChallengeAnswer,
) -> Result<Answered, ChallengeRefused> {
    if !answer.honeypot.is_empty() || answer.challenge.len() > 200 || answer.solution.len() > 20 {
        return Err(ChallengeRefused::Invalid);
    }
    let Some((body, tag)) = answer.challenge.rsplit_once('.') else {
        return Err(ChallengeRefused::Invalid);
    };
    if !constant_time_eq(mac(key, body).as_bytes(), tag.as_bytes()) {
        return Err(ChallengeRefused::Invalid);
    }
    let mut parts = body.split('.');
    let (Some(issued), Some(nonce), Some(bits), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(ChallengeRefused::Invalid);
    };
    let (Ok(issued), Ok(bits)) = (issued.parse::<i64>(), bits.parse::<u32>()) else {
        return Err(ChallengeRefused::Invalid);
    };
    let expires_at = issued.saturating_add(CHALLENGE_TTL_SECS);
    if now >= expires_at || issued > now + 60 {
        return Err(ChallengeRefused::Invalid);
    }
    let proven = match answer.solution.is_empty() {
        true => false,
        false if zero_bits(&answer.challenge, &answer.solution) >= bits => true,
        false => return Err(ChallengeRefused::Invalid),
    };
    if !proven && now - issued < MIN_FILL_SECS {
        return Err(ChallengeRefused::TooSoon);
    }
    Ok(Answered {
        nonce: nonce.to_string(),
        expires_at,
        proven,
    })
}

/// Records the challenge as used: refused if it was used before (a replay).
pub async fn spend(
    state: &AppState,
    answered: &Answered,
) -> Result<Result<(), ChallengeRefused>, StoreError> {
    let first = state
        .store
        .spend_challenge(&answered.nonce, answered.expires_at)
        .await?;
    Ok(if first {
        Ok(())
    } else {
        Err(ChallengeRefused::Invalid)
    })
}

/// Finds a solution, as the page's script does: for tests and for clients of our own.
pub fn solve(challenge: &str, bits: u32) -> String {
    (0u64..)
        .map(|n| n.to_string())
        .find(|n| zero_bits(challenge, n) >= bits)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &[u8] = b"0123456789abcdef0123456789abcdef";

    fn challenge(issued: i64, bits: u32) -> String {
        let body = format!("{issued}.nonce{issued}.{bits}");
        format!("{body}.{}", mac(KEY, &body))
    }

    fn answer(challenge: &str, solution: &str) -> ChallengeAnswer {
        ChallengeAnswer {
            challenge: challenge.into(),
            solution: solution.into(),
            honeypot: String::new(),
        }
    }

    #[test]
    fn a_solved_challenge_passes_at_once_and_a_wrong_solution_never() {
        let text = challenge(1_000, 8);
        let solution = solve(&text, 8);
        let passed = check_with(KEY, 1_000, &answer(&text, &solution)).unwrap();
        assert!(passed.proven);
        assert_eq!(passed.expires_at, 1_000 + CHALLENGE_TTL_SECS);
        let wrong = (0u64..)
            .map(|n| n.to_string())
            .find(|n| zero_bits(&text, n) < 8)
            .unwrap();
        assert_eq!(
            check_with(KEY, 1_010, &answer(&text, &wrong)).unwrap_err(),
            ChallengeRefused::Invalid
        );
    }

    #[test]
    fn without_a_solution_the_form_must_have_been_open_a_few_seconds() {
        let text = challenge(1_000, 16);
        assert_eq!(
            check_with(KEY, 1_001, &answer(&text, "")).unwrap_err(),
            ChallengeRefused::TooSoon
        );
        let passed = check_with(KEY, 1_000 + MIN_FILL_SECS, &answer(&text, "")).unwrap();
        assert!(!passed.proven);
    }

    #[test]
    fn forged_changed_expired_or_honeypotted_challenges_are_refused() {
        let text = challenge(1_000, 8);
        let easier = text.replacen(".8.", ".0.", 1);
        let other_key = {
            let body = "1000.nonce1000.0";
            format!("{body}.{}", mac(b"another key, another server....", body))
        };
        let late = 1_000 + CHALLENGE_TTL_SECS;
        let mut honeypot = answer(&text, &solve(&text, 8));
        honeypot.honeypot = "http://spam.example".into();
        for (what, now, answer) in [
            ("changed difficulty", 1_010, answer(&easier, "0")),
            ("another key", 1_010, answer(&other_key, "0")),
            ("no mac", 1_010, answer("1000.nonce.0", "0")),
            ("expired", late, answer(&text, &solve(&text, 8))),
            ("honeypot", 1_010, honeypot),
        ] {
            assert_eq!(
                check_with(KEY, now, &answer).unwrap_err(),
                ChallengeRefused::Invalid,
                "{what}"
            );
        }
    }
}
