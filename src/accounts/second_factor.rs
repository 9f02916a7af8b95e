//! Second factors of an account: the authenticator app (enrol, confirm, check, disable),
//! recovery codes, and the password asked again before a sign-in method is added or
//! removed. Every check is throttled per user and written to the audit trail.

use crate::state::AppState;
use crate::store::StoreError;
use crate::store::users::UserRecord;

use super::audit::{self, Event, Origin, Outcome};
use super::password::{self, PasswordError};
use super::throttle::{self, Attempt, Locked};
use super::{email_links, recovery, totp};

#[derive(Debug, thiserror::Error)]
pub enum FactorError {
    #[error("that code is not right")]
    WrongCode,
    #[error("the password is wrong")]
    WrongPassword,
    #[error("too many failed attempts")]
    Locked(Locked),
    #[error("no authenticator app is set up")]
    NotEnrolled,
    #[error("an authenticator app is already set up")]
    AlreadyEnabled,
    /// An account without a password whose session signed in too long ago
    /// ([`super::reconfirm`]).
    #[error("sign in again to confirm it is you")]
    SignInAgain,
    /// An account without a password that must choose one first (a required reset).
    #[error("choose a new password first")]
    ResetRequired,
    #[error(transparent)]
    Password(#[from] PasswordError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What a person has besides their password.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Factors {
    pub totp: bool,
    pub recovery_codes_left: i64,
    pub passkeys: usize,
}

impl Factors {
    /// Whether passkeys can be offered: the person has some, and this server can check
    /// them (its issuer names a host).
    pub fn usable_passkeys(&self, state: &AppState) -> bool {
        self.passkeys > 0 && state.passkeys.is_some()
    }

    /// Whether recovery codes can be offered: some are left (they come with the app).
    pub fn usable_recovery_codes(&self) -> bool {
        self.recovery_codes_left > 0
    }

    /// What a right password leads to. A factor the person set up counts whether or not
    /// this server can check it: one that cannot be checked refuses the sign-in rather than
    /// being skipped, or the password alone would sign in an account protected by two
    /// (NIST SP 800-63B §4.2.1: AAL2 needs both factors verified).
    pub fn second_step(&self, state: &AppState) -> SecondStep {
        if !self.totp && self.passkeys == 0 {
            SecondStep::NotNeeded
        } else if self.totp || self.usable_recovery_codes() || self.usable_passkeys(state) {
            SecondStep::Ask
        } else {
            SecondStep::Unavailable
        }
    }
}

/// What a sign-in needs after the password.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SecondStep {
    /// No second factor is set up: the password signs in.
    NotNeeded,
    /// At least one of the person's factors can be checked here: ask for it.
    Ask,
    /// The person's only factors cannot be checked here (passkeys, with an issuer whose
    /// host is an IP address): the sign-in is refused.
    Unavailable,
}

/// Records a sign-in refused because none of `user_id`'s second factors can be checked.
pub async fn record_unavailable(
    state: &AppState,
    origin: &Origin,
    user_id: &str,
) -> Result<(), StoreError> {
    let event = Event::of_user("login.second_factor", user_id)
        .outcome(Outcome::Failure)
        .detail("no second factor of the account can be checked on this server");
    audit::record(state, origin, event).await
}

pub async fn factors_of(state: &AppState, user_id: &str) -> Result<Factors, StoreError> {
    let (totp, recovery_codes_left, passkeys) = state.store.count_factors(user_id).await?;
    Ok(Factors {
        totp: totp > 0,
        recovery_codes_left,
        passkeys: usize::try_from(passkeys).unwrap_or(0),
    })
}

/// An authenticator app waiting for its first code: what the enrolment page shows.
pub struct Enrolment {
    pub secret: String,
    pub otpauth_uri: String,
    pub qr_svg: String,
}

fn enrolment(secret: String, user: &UserRecord) -> Result<Enrolment, FactorError> {
    let uri = totp::otpauth_uri(&secret, &user.username)
        .ok_or_else(|| StoreError::Corrupt("a TOTP secret is not base32".into()))?;
    let svg = totp::qr_svg(&uri).ok_or_else(|| StoreError::Corrupt("QR code too long".into()))?;
    Ok(Enrolment {
        secret,
        otpauth_uri: uri,
        qr_svg: svg,
    })
}

/// Starts (or restarts) an enrolment with a new secret (replacing one that was never
/// confirmed), after the password once more: whoever holds a session or a token must not
/// tie the account to their own phone.
pub async fn start_totp(
    state: &AppState,
    origin: &Origin,
    user: &UserRecord,
    password_text: &str,
) -> Result<Enrolment, FactorError> {
    confirm_password(state, origin, user, password_text).await?;
    let secret = totp::new_secret();
    match state
        .store
        .upsert_pending_totp(&user.id, &secret, state.clock.now())
        .await
    {
        Ok(()) => enrolment(secret, user),
        Err(StoreError::Conflict) => Err(FactorError::AlreadyEnabled),
        Err(other) => Err(other.into()),
    }
}

/// The enrolment in progress, if any.
pub async fn pending_totp(
    state: &AppState,
    user: &UserRecord,
) -> Result<Option<Enrolment>, FactorError> {
    match state.store.find_totp(&user.id).await? {
        Some(factor) if factor.confirmed_at.is_none() => enrolment(factor.secret, user).map(Some),
        _ => Ok(None),
    }
}

/// Completes an enrolment with the first valid code; returns the new recovery codes, to be
/// shown once.
pub async fn confirm_totp(
    state: &AppState,
    origin: &Origin,
    user_id: &str,
    code: &str,
) -> Result<Vec<String>, FactorError> {
    let pending = match state.store.find_totp(user_id).await? {
        Some(factor) if factor.confirmed_at.is_none() => factor,
        Some(_) => return Err(FactorError::AlreadyEnabled),
        None => return Err(FactorError::NotEnrolled),
    };
    let keys = throttle::key(throttle::SECOND_FACTOR, user_id);
    let attempt = begin(state, origin, user_id, "totp.enabled", &keys).await?;
    let now = state.clock.now();
    let accepted = match totp::matching_step(&pending.secret, code, now) {
        Some(step) => state.store.take_totp_step(user_id, step, true, now).await?,
        None => false,
    };
    if !accepted {
        return failed(state, origin, user_id, "totp.enabled", attempt).await;
    }
    attempt.succeeded(state).await?;
    let codes = new_recovery_codes(state, user_id).await?;
    audit::record(state, origin, Event::of_user("totp.enabled", user_id)).await?;
    if let Some(user) = state.store.find_user_by_id(user_id).await? {
        let what = "An authenticator app was set up for two-step sign-in on your account.";
        email_links::security_notice(state, &user, what).await;
    }
    Ok(codes)
}

/// Checks a sign-in code from the authenticator app.
pub async fn check_totp(
    state: &AppState,
    origin: &Origin,
    user_id: &str,
    code: &str,
) -> Result<(), FactorError> {
    let factor = match state.store.find_totp(user_id).await? {
        Some(factor) if factor.confirmed_at.is_some() => factor,
        _ => return Err(FactorError::NotEnrolled),
    };
    let keys = throttle::key(throttle::SECOND_FACTOR, user_id);
    let attempt = begin(state, origin, user_id, "login.totp", &keys).await?;
    let now = state.clock.now();
    // RFC 6238 §5.2: the verifier MUST NOT accept the second attempt of the same OTP.
    let accepted = match totp::matching_step(&factor.secret, code, now) {
        Some(step) => {
            state
                .store
                .take_totp_step(user_id, step, false, now)
                .await?
        }
        None => false,
    };
    if !accepted {
        return failed(state, origin, user_id, "login.totp", attempt).await;
    }
    attempt.succeeded(state).await?;
    audit::record(state, origin, Event::of_user("login.totp", user_id)).await?;
    Ok(())
}

/// Uses up a recovery code at sign-in.
pub async fn check_recovery_code(
    state: &AppState,
    origin: &Origin,
    user_id: &str,
    code: &str,
) -> Result<(), FactorError> {
    let keys = throttle::key(throttle::SECOND_FACTOR, user_id);
    let attempt = begin(state, origin, user_id, "login.recovery_code", &keys).await?;
    let accepted = match recovery::hash(user_id, code) {
        Some(hash) => {
            state
                .store
                .take_recovery_code(user_id, &hash, state.clock.now())
                .await?
        }
        None => false,
    };
    if !accepted {
        return failed(state, origin, user_id, "login.recovery_code", attempt).await;
    }
    attempt.succeeded(state).await?;
    let left = state.store.count_recovery_codes(user_id).await?;
    let event = Event::of_user("login.recovery_code", user_id).detail(format!("{left} left"));
    audit::record(state, origin, event).await?;
    Ok(())
}

/// Removes the authenticator app and its recovery codes, after the password once more.
pub async fn disable_totp(
    state: &AppState,
    origin: &Origin,
    user: &UserRecord,
    password_text: &str,
) -> Result<(), FactorError> {
    confirm_password(state, origin, user, password_text).await?;
    let was_on = factors_of(state, &user.id).await?.totp;
    if !state.store.delete_totp(&user.id).await? {
        return Err(FactorError::NotEnrolled);
    }
    audit::record(state, origin, Event::of_user("totp.disabled", &user.id)).await?;
    // A setup that was never finished protected nothing: no need to tell anyone.
    if was_on {
        let what = "The authenticator app was removed from your account, with its recovery codes.";
        email_links::security_notice(state, user, what).await;
    }
    Ok(())
}

/// Replaces the recovery codes, after the password once more; returns the new ones.
pub async fn regenerate_recovery_codes(
    state: &AppState,
    origin: &Origin,
    user: &UserRecord,
    password_text: &str,
) -> Result<Vec<String>, FactorError> {
    confirm_password(state, origin, user, password_text).await?;
    if !factors_of(state, &user.id).await?.totp {
        return Err(FactorError::NotEnrolled);
    }
    let codes = new_recovery_codes(state, &user.id).await?;
    let event = Event::of_user("recovery_codes.regenerated", &user.id);
    audit::record(state, origin, event).await?;
    let what = "New recovery codes were made for your account; the old ones no longer work.";
    email_links::security_notice(state, user, what).await;
    Ok(codes)
}

async fn new_recovery_codes(state: &AppState, user_id: &str) -> Result<Vec<String>, FactorError> {
    let codes = recovery::generate();
    let hashes: Vec<String> = codes
        .iter()
        .filter_map(|code| recovery::hash(user_id, code))
        .collect();
    state
        .store
        .replace_recovery_codes(user_id, &hashes, state.clock.now())
        .await?;
    Ok(codes)
}

/// The signed-in person's password, asked again before a sign-in method is added or
/// removed; throttled like a login.
pub async fn confirm_password(
    state: &AppState,
    origin: &Origin,
    user: &UserRecord,
    password_text: &str,
) -> Result<(), FactorError> {
    let keys = throttle::key(throttle::PASSWORD_CONFIRM, &user.id);
    let attempt = begin(state, origin, &user.id, "password.confirm", &keys).await?;
    let hash = user.password_hash.clone().unwrap_or_default();
    // A password an administrator (or an undone change of address) required to be replaced
    // proves nothing any more: whoever took the account may know it.
    let refused = hash.is_empty() || password_text.len() > 1024 || user.password_reset_required;
    let matches = match refused {
        true => Ok(false),
        false => password::verify(password_text.to_string(), hash).await,
    };
    match matches {
        Ok(true) => {
            attempt.succeeded(state).await?;
            Ok(())
        }
        Ok(false) => {
            let locked = attempt.failed();
            let mut event = Event::of_user("password.confirm", &user.id).outcome(Outcome::Failure);
            if let Some(lock) = locked {
                event = event.detail(format!("locked until {}", lock.until));
            }
            audit::record(state, origin, event).await?;
            Err(FactorError::WrongPassword)
        }
        // Not checked (the hashers are saturated): not an attempt.
        Err(error) => {
            attempt.abandoned(state).await?;
            Err(error.into())
        }
    }
}

/// Starts a counted attempt; one refused because of a lock is written to the trail as
/// `locked`.
async fn begin(
    state: &AppState,
    origin: &Origin,
    user_id: &str,
    event: &'static str,
    keys: &[(throttle::Policy, String)],
) -> Result<Attempt, FactorError> {
    match throttle::begin(state, keys).await? {
        Ok(attempt) => Ok(attempt),
        Err(locked) => {
            let record = Event::of_user(event, user_id).outcome(Outcome::Locked);
            audit::record(state, origin, record).await?;
            Err(FactorError::Locked(locked))
        }
    }
}

async fn failed<T>(
    state: &AppState,
    origin: &Origin,
    user_id: &str,
    event: &'static str,
    attempt: Attempt,
) -> Result<T, FactorError> {
    let mut record = Event::of_user(event, user_id).outcome(Outcome::Failure);
    if let Some(lock) = attempt.failed() {
        record = record.detail(format!("locked until {}", lock.until));
    }
    audit::record(state, origin, record).await?;
    Err(FactorError::WrongCode)
}
