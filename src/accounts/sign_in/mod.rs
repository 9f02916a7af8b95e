//! Signing in, as one state machine (the shape of the token endpoint: one file per way in).
//!
//! Each way in is a step that takes what the browser sent and returns a [`Step`]: a second
//! factor is still to come ([`Step::SecondFactor`]), the person is signed in
//! ([`Step::SignedIn`]), or the attempt is refused ([`Step::Refused`]). What every sign-in
//! shares lives in [`close`], once: the administrator's lock and required reset, whether a
//! second factor must follow, the `amr` values (RFC 8176), ending the session a sign-in
//! replaces, the new login session and the browser remembered as the person's. The handlers
//! only render a step.
//!
//! A step's writes are one transaction ([`crate::store::sign_ins`]), but for the throttle's
//! count of an attempt, which is committed before the password or code is checked so that
//! concurrent guesses are counted one after the other ([`super::throttle`]).

mod close;
pub mod email_code;
pub mod passkey;
pub mod password;
pub mod second_factor;
pub mod upstream;

use serde::{Deserialize, Serialize};

use super::audit::Origin;
use super::login::SignedIn;
use super::password::PasswordError;
use super::throttle::Locked;
use crate::metrics::{SignInMethod, SignInOutcome};
use crate::store::StoreError;

pub use close::after_sign_up;

/// How long the second factor may take after the first.
pub const SECOND_FACTOR_WINDOW_SECS: i64 = 300;

/// Where a sign-in stands after a step.
#[derive(Debug)]
pub enum Step {
    /// The first factor passed; the second must follow before the partial sign-in runs out.
    SecondFactor(Partial),
    /// Signed in.
    SignedIn(Done),
    /// Refused; nothing was signed in.
    Refused(Refusal),
}

impl Step {
    /// Counts where this step left the attempt under `method` (a metric), and returns it.
    pub fn counted(self, method: SignInMethod) -> Step {
        let outcome = match &self {
            Step::SignedIn(_) => SignInOutcome::signed_in,
            Step::SecondFactor(_) => SignInOutcome::second_factor_needed,
            Step::Refused(Refusal::Throttled(_)) => SignInOutcome::throttled,
            Step::Refused(_) => SignInOutcome::refused,
        };
        crate::metrics::sign_in(method, outcome);
        self
    }
}

/// A sign-in half done: the first factor passed, the second is still to come. Kept in the
/// browser session between the two steps (the names are those the session already holds).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Partial {
    pub user_id: String,
    /// What the first step proved (RFC 8176 values).
    pub amr: Vec<String>,
    /// The second factor must follow before this time.
    pub expires_at: i64,
}

/// A completed sign-in.
#[derive(Debug)]
pub struct Done {
    pub person: SignedIn,
    /// A new device token for the browser's cookie, when it was not known for this person.
    pub device_token: Option<String>,
}

/// Why a step refused. Said to the person; none tells a stranger whether an account exists
/// (the lock and the required reset are said only after the right password).
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    WrongCredentials,
    /// Too many failures: refused unchecked until the lock ends.
    Throttled(Locked),
    /// An administrator locked the account.
    AccountLocked,
    /// An administrator required a new password, and the password was one of the factors.
    PasswordResetRequired,
    /// The account's second factors cannot be checked on this server (passkeys, where the
    /// issuer is an IP address): the password alone must not sign it in.
    FactorUnavailable,
    /// A wrong, used or replayed one-time code.
    WrongCode,
    /// The way asked for is not set up for this account.
    NotEnrolled,
    /// The first step ran out, or its account is gone: start again.
    StartAgain,
}

/// A step that could not be decided: the database or the password hashers failed. Nothing
/// was signed in.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    #[error(transparent)]
    Password(#[from] PasswordError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Where a step comes from: the browser's address, its device cookie, and who is signed in
/// in it now (that session ends when another sign-in completes in the same browser).
#[derive(Clone, Copy, Debug)]
pub struct Browser<'a> {
    pub origin: &'a Origin,
    pub device: Option<&'a str>,
    pub replacing: Option<&'a SignedIn>,
}
