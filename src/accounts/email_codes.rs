//! Codes mailed to sign in with, in place of a password: six digits, for the one browser
//! that asked, for ten minutes, used once. A code and not a link, because mail scanners
//! open links (and would use them up), and because a code typed in the browser that asked
//! cannot sign in another one.
//!
//! Asking is answered the same for every address, known or not, before anything is looked
//! up: the lookup and the mail happen after the answer (as for password resets, decision
//! 88), so neither its words nor its timing tell whether an account has the address. Only
//! a confirmed address gets a code (an unconfirmed one may be someone else's). The code is
//! stored as the SHA-256 of the browser's challenge (128 random bits it keeps in its
//! session) and the digits, so the table alone does not give a code away, and a code is
//! found only from the browser that asked. Guesses are throttled per address typed, like
//! passwords ([`throttle::EMAIL_CODE`]); asking is limited per network and per account.

use serde::{Deserialize, Serialize};

use crate::domain::EmailAddress;
use crate::mail::{self, CodeMail};
use crate::secrets::{hash_secret, random_bytes, random_token};
use crate::state::AppState;
use crate::store::StoreError;
use crate::store::email_tokens::{EmailTokenRecord, SIGN_IN_CODE};

use super::audit::{self, Event, Origin, Outcome};
use super::throttle::{self, Locked};

/// How long a code works.
pub const CODE_TTL_SECS: i64 = 10 * 60;
/// Digits in a code.
pub const CODE_DIGITS: usize = 6;
/// Codes mailed to one account per hour, at most.
const MAX_CODES_PER_HOUR: i64 = 6;
/// The longest address read from the form.
const MAX_ADDRESS_LEN: usize = 254;

/// What the browser that asked keeps in its session until it types the code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Challenge {
    /// 128 random bits, part of what the code's row is found by.
    pub id: String,
    /// The address as typed (trimmed, lower case), shown on the page and the key guesses
    /// are throttled by.
    pub address: String,
    pub expires_at: i64,
}

impl Challenge {
    /// The hash a code's row is stored and found under.
    pub fn hash(&self, code: &str) -> String {
        let digits: String = code.chars().filter(|c| !c.is_whitespace()).collect();
        hash_secret(&format!("{}\n{digits}", self.id))
    }
}

/// Why a request for a code was not taken.
#[derive(Debug, PartialEq, Eq)]
pub enum AskRefused {
    /// Too many requests from this network: 429.
    Throttled(Locked),
    /// Too many being handled at once: 503.
    Overloaded(Locked),
}

/// Takes "mail me a code" for `address`, or refuses it. Answered at once with the
/// challenge the browser keeps, the same for every address; the lookup and the mail happen
/// afterwards.
pub async fn ask(
    state: &AppState,
    origin: Origin,
    address: &str,
) -> Result<Result<Challenge, AskRefused>, StoreError> {
    let now = state.clock.now();
    let network = throttle::address_of(&origin);
    let keys = throttle::key(throttle::EMAIL_CODE_REQUEST, &network);
    // Every request counts against the network, found or not: the limit is on asking. It is
    // counted before the room to handle it is taken, so one network cannot fill that room.
    if let Err(lock) = throttle::begin(state, &keys).await? {
        return Ok(Err(AskRefused::Throttled(lock)));
    }
    let everyone = [throttle::limit(throttle::EMAIL_CODE_ALL, "")];
    if let Err(lock) = throttle::count(state, &everyone).await? {
        return Ok(Err(AskRefused::Overloaded(lock)));
    }
    let Ok(permit) = state.after_answer.clone().try_acquire_owned() else {
        tracing::warn!("too many sign-in code requests at once; one was refused");
        return Ok(Err(AskRefused::Overloaded(Locked { until: now + 5 })));
    };
    let challenge = Challenge {
        id: random_token::<16>(),
        address: normalized(address),
        expires_at: now + CODE_TTL_SECS,
    };
    let state = state.clone();
    let kept = challenge.clone();
    // The mail is written in the language of the request that asked for it.
    tokio::spawn(crate::i18n::carried(async move {
        if let Err(error) = mail_code(&state, &origin, &kept).await {
            tracing::error!(%error, "a sign-in code request failed");
        }
        drop(permit);
    }));
    Ok(Ok(challenge))
}

/// The address as the throttle and the page know it.
pub fn normalized(address: &str) -> String {
    address
        .trim()
        .chars()
        .take(MAX_ADDRESS_LEN)
        .collect::<String>()
        .to_lowercase()
}

/// Mails a code for `challenge` if an account has its address, confirmed.
async fn mail_code(
    state: &AppState,
    origin: &Origin,
    challenge: &Challenge,
) -> Result<(), StoreError> {
    let user = match EmailAddress::parse(&challenge.address) {
        Ok(email) => state.store.find_user_by_email(email.as_str()).await?,
        Err(_) => None,
    };
    let Some(user) = user.filter(|u| u.email_verified && u.locked.is_none()) else {
        let event = Event::new("login.email_code_requested")
            .outcome(Outcome::Failure)
            .detail("no account has that address confirmed");
        return audit::record(state, origin, event).await;
    };
    let now = state.clock.now();
    let code = new_code();
    let record = EmailTokenRecord {
        token_hash: challenge.hash(&code),
        purpose: SIGN_IN_CODE.to_string(),
        user_id: user.id.clone(),
        email: user.email.clone(),
        created_at: now,
        expires_at: challenge.expires_at,
    };
    let stored = state
        .store
        .insert_email_token_limited(&record, now - 3_600, MAX_CODES_PER_HOUR)
        .await?;
    let event = Event::of_user("login.email_code_requested", &user.id);
    if !stored {
        let event = event
            .outcome(Outcome::Locked)
            .detail("too many codes this hour");
        return audit::record(state, origin, event).await;
    }
    let mail = CodeMail {
        subject: "Your sign-in code",
        greeting_name: &user.username,
        intro: "Someone (we hope you) asked to sign in to your account with a code. Type it on the page that asked for it; it works once, for 10 minutes.",
        code: &code,
        closing: "If you did not ask for this, ignore this message: nobody can sign in without the code, and your password stays as it is.",
    };
    let bodies = mail::render_code_mail(&mail)
        .map_err(|e| StoreError::Corrupt(format!("a mail template failed: {e}")))?;
    mail::enqueue(
        state,
        &user.email,
        mail.subject,
        bodies,
        Some(CODE_TTL_SECS),
    )
    .await?;
    audit::record(state, origin, event).await
}

/// [`CODE_DIGITS`] random digits, each equally likely.
fn new_code() -> String {
    let mut code = String::with_capacity(CODE_DIGITS);
    while code.len() < CODE_DIGITS {
        // Rejection sampling: bytes of 250 and above would make 0-5 likelier.
        let [byte] = random_bytes::<1>();
        if byte < 250 {
            code.push(char::from(b'0' + byte % 10));
        }
    }
    code
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_six_digits_and_differ() {
        let a = new_code();
        assert_eq!(a.len(), CODE_DIGITS);
        assert!(a.bytes().all(|b| b.is_ascii_digit()));
        assert!((0..20).map(|_| new_code()).any(|b| b != a));
    }

    #[test]
    fn a_code_is_found_only_with_the_challenge_that_asked_for_it() {
        let one = Challenge {
            id: "a".into(),
            address: "x@y.example".into(),
            expires_at: 0,
        };
        let other = Challenge {
            id: "b".into(),
            ..one.clone()
        };
        assert_eq!(one.hash("123 456"), one.hash("123456"));
        assert_ne!(one.hash("123456"), other.hash("123456"));
    }
}
