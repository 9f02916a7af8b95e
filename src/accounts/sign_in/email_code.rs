//! The first step with a code mailed to a confirmed address
//! ([`crate::accounts::email_codes`]), in place of the password. Throttled per address typed,
//! known or not, like a password; a wrong, used, expired or foreign code is one refusal.
//! The code is used up in the transaction that signs the person in (or that records the
//! first step, when a second factor follows), so it works once.

use crate::state::AppState;
use crate::store::email_tokens::SIGN_IN_CODE;
use crate::store::sign_ins::Proof;

use super::super::audit::{self, Event, Outcome};
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
    let keys = throttle::key(throttle::EMAIL_CODE, &challenge.address);
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
    let user = match found {
        Some(token) => state.store.find_user_by_id(&token.user_id).await?,
        None => None,
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
        known_device: None,
        user,
    };
    Ok(close(state, browser, proved).await?)
}
