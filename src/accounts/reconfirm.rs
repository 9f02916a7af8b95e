//! The person proves it is them once more before a change that could lock them out or hand
//! the account to someone else (a new e-mail address, deleting the account): their
//! password, or a code from their authenticator app. Both are throttled and written to the
//! trail as at sign-in (`second_factor`).

use crate::state::AppState;
use crate::store::users::UserRecord;

use super::audit::Origin;
use super::second_factor::{self, FactorError};

/// What the person gave to prove it is them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Proof<'a> {
    Password(&'a str),
    /// A code from the authenticator app.
    Code(&'a str),
}

impl<'a> Proof<'a> {
    /// The proof in a form or body: the code when one was given, else the password (empty
    /// when neither was, which no password matches).
    pub fn of(password: Option<&'a str>, code: Option<&'a str>) -> Proof<'a> {
        match code.map(str::trim).filter(|c| !c.is_empty()) {
            Some(code) => Proof::Code(code),
            None => Proof::Password(password.unwrap_or_default()),
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
    }
}

#[cfg(test)]
mod tests {
    use super::Proof;

    #[test]
    fn a_code_given_is_the_proof_else_the_password() {
        assert_eq!(
            Proof::of(Some("pw"), Some(" 123456 ")),
            Proof::Code("123456")
        );
        assert_eq!(Proof::of(Some("pw"), Some("  ")), Proof::Password("pw"));
        assert_eq!(Proof::of(Some("pw"), None), Proof::Password("pw"));
        assert_eq!(Proof::of(None, None), Proof::Password(""));
    }
}
