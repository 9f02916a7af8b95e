//! The person proves it is them once more before a change that could lock them out or hand
//! the account to someone else (a new e-mail address, deleting the account, a passkey or a
//! provider that signs in alone): their password, or a code from their authenticator app.
//! Both are throttled and written to the trail as at sign-in (`second_factor`).
//!
//! An account without a password (made through a provider, or whose password was removed)
//! proves it by a fresh sign-in instead: any way in, at most [`RECENT_SIGN_IN_SECS`] ago
//! (decision 159; the "sudo mode" of GitHub, the maximum authentication age of Keycloak's
//! account actions). An account with a password keeps asking for it.

use crate::state::AppState;
use crate::store::users::UserRecord;

use super::audit::Origin;
use super::second_factor::{self, FactorError};

/// How long a sign-in stands as the proof of an account without a password.
pub const RECENT_SIGN_IN_SECS: i64 = 300;

/// What the person gave to prove it is them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Proof<'a> {
    Password(&'a str),
    /// A code from the authenticator app.
    Code(&'a str),
    /// Neither: when the browser's session last proved who the person is
    /// ([`crate::accounts::login::SignedIn::proved_at`]), for an account without a password.
    SignedInAt(i64),
}

impl<'a> Proof<'a> {
    /// The proof in a form or body: the code when one was given, else the password; with
    /// neither, when the browser's session last proved who the person is, if there is a
    /// session (else the empty password, which no password matches).
    pub fn of(
        password: Option<&'a str>,
        code: Option<&'a str>,
        signed_in_at: Option<i64>,
    ) -> Proof<'a> {
        let code = code.map(str::trim).filter(|c| !c.is_empty());
        let password = password.filter(|p| !p.is_empty());
        match (code, password, signed_in_at) {
            (Some(code), _, _) => Proof::Code(code),
            (None, Some(password), _) => Proof::Password(password),
            (None, None, Some(at)) => Proof::SignedInAt(at),
            (None, None, None) => Proof::Password(""),
        }
    }
}

/// Checks `proof` for `user`.
pub async fn confirm(
    state: &AppState,
    origin: &Origin,
    user: &UserRecord,
    proof: Proof<'_>,
) -> Result<(), FactorError> {
    match proof {
        Proof::Password(text) => second_factor::confirm_password(state, origin, user, text).await,
        Proof::Code(code) => second_factor::check_totp(state, origin, &user.id, code).await,
        // An account with a password is asked for it, as if the field was left empty.
        Proof::SignedInAt(_) if user.password_hash.is_some() => {
            second_factor::confirm_password(state, origin, user, "").await
        }
        // A new password required (an administrator's, or an undone change of address):
        // whoever took the account may be the one signing in, so only the reset helps.
        Proof::SignedInAt(_) if user.password_reset_required => Err(FactorError::ResetRequired),
        Proof::SignedInAt(at) => match recent(at, state.clock.now()) {
            true => Ok(()),
            false => Err(FactorError::SignInAgain),
        },
    }
}

/// Whether a sign-in at `at` is recent enough at `now` (a clock set back counts as not).
fn recent(at: i64, now: i64) -> bool {
    (0..=RECENT_SIGN_IN_SECS).contains(&(now - at))
}

#[cfg(test)]
mod tests {
    use super::{Proof, RECENT_SIGN_IN_SECS, recent};

    #[test]
    fn a_code_given_is_the_proof_else_the_password_else_the_sign_in() {
        let at = Some(7);
        assert_eq!(
            Proof::of(Some("pw"), Some(" 123456 "), at),
            Proof::Code("123456")
        );
        assert_eq!(Proof::of(Some("pw"), Some("  "), at), Proof::Password("pw"));
        assert_eq!(Proof::of(Some("pw"), None, None), Proof::Password("pw"));
        assert_eq!(Proof::of(Some(""), None, at), Proof::SignedInAt(7));
        assert_eq!(Proof::of(None, None, at), Proof::SignedInAt(7));
        assert_eq!(Proof::of(None, None, None), Proof::Password(""));
    }

    #[test]
    fn a_sign_in_stands_for_five_minutes_and_never_from_the_future() {
        assert!(recent(1_000, 1_000));
        assert!(recent(1_000, 1_000 + RECENT_SIGN_IN_SECS));
        assert!(!recent(1_000, 1_001 + RECENT_SIGN_IN_SECS));
        assert!(!recent(1_000, 999));
    }
}
