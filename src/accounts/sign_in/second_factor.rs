//! The second step with a one-time code: from the authenticator app (RFC 6238) or one of
//! the recovery codes. Throttled per account ([`throttle::SECOND_FACTOR`]); the code is used
//! up in the same transaction that signs the person in, so a code sent twice at once signs
//! in once.

use crate::state::AppState;
use crate::store::sign_ins::Proof;
use crate::store::users::UserRecord;

use super::super::audit::{self, Event, Outcome};
use super::super::throttle::{self, Attempt};
use super::super::{recovery, totp};
use super::close::{Proved, StepEvent, close};
use super::{Browser, Partial, Refusal, SignInError, Step};

/// A code from the authenticator app, after the first step `partial`.
pub async fn totp(
    state: &AppState,
    browser: Browser<'_>,
    partial: &Partial,
    code: &str,
) -> Result<Step, SignInError> {
    const EVENT: &str = "login.totp";
    let Some(user) = state.store.find_user_by_id(&partial.user_id).await? else {
        return Ok(Step::Refused(Refusal::StartAgain));
    };
    let factor = match state.store.find_totp(&user.id).await? {
        Some(factor) if factor.confirmed_at.is_some() => factor,
        _ => return Ok(Step::Refused(Refusal::NotEnrolled)),
    };
    let attempt = match begin(state, browser, &user, EVENT).await? {
        Ok(attempt) => attempt,
        Err(refused) => return Ok(refused),
    };
    // RFC 6238 §5.2: the verifier MUST NOT accept the second attempt of the same OTP; the
    // step is taken only if it is later than the last one used ([`Proof::TotpStep`]).
    let Some(step) = totp::matching_step(&factor.secret, code, state.clock.now()) else {
        return failed(state, browser, &user, EVENT, attempt).await;
    };
    let proved = second(
        state.clock.now(),
        partial,
        user,
        ["otp"],
        Proof::TotpStep(step),
        Some(attempt),
        EVENT,
    );
    Ok(close(state, browser, proved).await?)
}

/// One of the recovery codes, after the first step `partial`.
pub async fn recovery_code(
    state: &AppState,
    browser: Browser<'_>,
    partial: &Partial,
    code: &str,
) -> Result<Step, SignInError> {
    const EVENT: &str = "login.recovery_code";
    let Some(user) = state.store.find_user_by_id(&partial.user_id).await? else {
        return Ok(Step::Refused(Refusal::StartAgain));
    };
    let attempt = match begin(state, browser, &user, EVENT).await? {
        Ok(attempt) => attempt,
        Err(refused) => return Ok(refused),
    };
    let Some(hash) = recovery::hash(&user.id, code) else {
        return failed(state, browser, &user, EVENT, attempt).await;
    };
    let left = state.store.count_recovery_codes(&user.id).await? - 1;
    let proof = Proof::RecoveryCode(&hash);
    let mut proved = second(
        state.clock.now(),
        partial,
        user,
        ["otp"],
        proof,
        Some(attempt),
        EVENT,
    );
    proved.event.detail = Some(format!("{} left", left.max(0)));
    Ok(close(state, browser, proved).await?)
}

/// What a second step proved: the first step's factors and its own, two factors in all.
pub(super) fn second<'a>(
    now: i64,
    partial: &Partial,
    user: UserRecord,
    added: impl IntoIterator<Item = &'static str>,
    proof: Proof<'a>,
    attempt: Option<Attempt>,
    event: &'static str,
) -> Proved<'a> {
    let mut amr = partial.amr.clone();
    for method in added {
        if !amr.iter().any(|m| m == method) {
            amr.push(method.to_string());
        }
    }
    // RFC 8176 §2: `mfa`, more than one factor.
    amr.push("mfa".into());
    Proved {
        used_password: partial.amr.iter().any(|m| m == "pwd"),
        first_factor: false,
        proof,
        lock_if_replayed: attempt.as_ref().and_then(Attempt::lock_if_failed),
        settlement: attempt.map(Attempt::success),
        event: StepEvent::named(event),
        known_device: None,
        // The second factor was checked here, now.
        fresh_at: Some(now),
        amr,
        user,
    }
}

/// Counts the attempt against the account's second-factor key; one refused because of a
/// lock is written to the trail as `locked`.
async fn begin(
    state: &AppState,
    browser: Browser<'_>,
    user: &UserRecord,
    event: &'static str,
) -> Result<Result<Attempt, Step>, SignInError> {
    let keys = throttle::key(throttle::SECOND_FACTOR, &user.id);
    match throttle::begin(state, &keys).await? {
        Ok(attempt) => Ok(Ok(attempt)),
        Err(locked) => {
            let record = Event::of_user(event, &user.id).outcome(Outcome::Locked);
            audit::record(state, browser.origin, record).await?;
            Ok(Err(Step::Refused(Refusal::Throttled(locked))))
        }
    }
}

/// A wrong code: the attempt stays counted, and the trail says so.
async fn failed(
    state: &AppState,
    browser: Browser<'_>,
    user: &UserRecord,
    event: &'static str,
    attempt: Attempt,
) -> Result<Step, SignInError> {
    let mut record = Event::of_user(event, &user.id).outcome(Outcome::Failure);
    if let Some(lock) = attempt.failed() {
        record = record.detail(format!("locked until {}", lock.until));
    }
    audit::record(state, browser.origin, record).await?;
    Ok(Step::Refused(Refusal::WrongCode))
}
