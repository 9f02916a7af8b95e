//! The first step with a code mailed to a confirmed address
//! ([`crate::accounts::email_codes`]), in place of the password. Throttled per address typed,
//! known or not, like a password; a wrong, used, expired or foreign code is one refusal.
//! The code is used up in the transaction that signs the person in (or that records the
//! first step, when a second factor follows), so it works once.

use crate::state::AppState;
use crate::store::email_tokens::SIGN_IN_CODE;
use crate::store::sign_ins::Proof;

use crate::domain::EmailAddress;

use super::super::audit::{self, Event, Outcome};
use super::super::devices;
use super::super::email_codes::{CODE_DIGITS, Challenge};
use super::super::throttle;
use super::close::{Proved, StepEvent, close};
use super::{Browser, Refusal, SignInError, Step};

const EVENT: &str = "login.email_code";

/// A code typed in the browser that kept `challenge`.
pub async fn email_code(
    state: &AppState,
    browser: Browser<'_>,
    challenge: &Challenge,
    code: &str,
) -> Result<Step, SignInError> {
    let now = state.clock.now();
    if challenge.expires_at <= now {
        return Ok(Step::Refused(Refusal::StartAgain));
    }
    // The account the address names, looked up once: whether this browser is its owner's
    // (whose guesses are counted apart), and whose address the code must still be.
    let named = match EmailAddress::parse(&challenge.address) {
        Ok(address) => state.store.find_user_by_email(address.as_str()).await?,
        Err(_) => None,
    };
    let owner = match browser.device {
        Some(_) => devices::owner(state, browser.device).await?,
        None => None,
    };
    let known = named
        .as_ref()
        .is_some_and(|u| owner.as_deref() == Some(&u.id));
    let device = browser.device.filter(|_| known);
    let keys = throttle::email_code_keys(&challenge.address, browser.origin, device);
    let attempt = match throttle::begin(state, &keys).await? {
        Ok(attempt) => attempt,
        Err(locked) => {
            let event = Event::new(EVENT).outcome(Outcome::Locked);
            audit::record(state, browser.origin, event).await?;
            return Ok(Step::Refused(Refusal::Throttled(locked)));
        }
    };
    let digits = code.chars().filter(|c| !c.is_whitespace()).count();
    let hash = challenge.hash(code);
    let found = match digits == CODE_DIGITS && code.len() <= 32 {
        true => {
            state
                .store
                .find_email_token(&hash, SIGN_IN_CODE, now)
                .await?
        }
        false => None,
    };
    // The code must be for the account's address as it is now, confirmed: one mailed to an
    // address the account has since left signs in no one.
    let user = match (found, named) {
        (Some(token), Some(user))
            if token.user_id == user.id
                && user.email_verified
                && token.email.eq_ignore_ascii_case(&user.email) =>
        {
            Some(user)
        }
        _ => None,
    };
    let Some(user) = user else {
        let mut event = Event::new(EVENT).outcome(Outcome::Failure);
        if let Some(lock) = attempt.failed() {
            event = event.detail(format!("locked until {}", lock.until));
        }
        audit::record(state, browser.origin, event).await?;
        return Ok(Step::Refused(Refusal::WrongCode));
    };
    let proved = Proved {
        // RFC 8176 §2: `otp`, a one-time password (here, one the mailbox received).
        amr: vec!["otp".into()],
        used_password: false,
        first_factor: true,
        proof: Proof::EmailCode(&hash),
        lock_if_replayed: attempt.lock_if_failed(),
        settlement: Some(attempt.success()),
        event: StepEvent::named(EVENT),
        known_device: Some(known),
        fresh_at: Some(state.clock.now()),
        user,
    };
    Ok(close(state, browser, proved).await?)
}
