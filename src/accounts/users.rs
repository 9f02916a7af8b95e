//! User accounts: validated creation with roles.

use std::collections::HashSet;
use std::sync::OnceLock;

pub use crate::domain::Role;
use crate::domain::{EmailAddress, Roles, Username};
use crate::secrets::random_id;
use crate::state::AppState;
use crate::store::StoreError;
use crate::store::users::UserRecord;

use super::password;

#[derive(Debug, thiserror::Error)]
pub enum UserError {
    #[error("{0}")]
    Invalid(String),
    #[error("that username or email is already registered")]
    Taken,
    #[error(transparent)]
    Password(#[from] password::PasswordError),
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for UserError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Conflict => UserError::Taken,
            other => UserError::Store(other),
        }
    }
}

pub struct NewUser {
    pub username: String,
    pub email: String,
    /// `None`: an account without a password, signed in to with a passkey or a mailed
    /// code (decision 161).
    pub password: Option<String>,
    pub roles: Vec<Role>,
}

pub const MIN_PASSWORD_CHARS: usize = 8;
pub const MAX_PASSWORD_CHARS: usize = 128;
/// What a password outside those bounds is told: a literal, so that the pages find its
/// translation by its words (decision 144); a test keeps the numbers in step.
const PASSWORD_LENGTH: &str = "password must be 8 to 128 characters";

/// The user with id `id`, if there is one.
pub async fn find(state: &AppState, id: &str) -> Result<Option<UserRecord>, StoreError> {
    state.store.find_user_by_id(id).await
}

/// The user named `username` (any case), if there is one.
pub async fn find_by_username(
    state: &AppState,
    username: &str,
) -> Result<Option<UserRecord>, StoreError> {
    state.store.find_user_by_username(username).await
}

/// Validates and stores a new user; returns the stored record (without the password).
pub async fn create(state: &AppState, new: NewUser) -> Result<UserRecord, UserError> {
    let record = prepare(state, new).await?;
    state.store.insert_user(&record).await?;
    Ok(UserRecord {
        password_hash: None,
        ..record
    })
}

/// Validates a new user without hashing anything: their parsed name, address and roles.
pub fn check_new(new: &NewUser) -> Result<(Username, EmailAddress, Roles), UserError> {
    let username = Username::parse(&new.username).map_err(|e| UserError::Invalid(e.to_string()))?;
    let email =
        EmailAddress::parse(new.email.trim()).map_err(|e| UserError::Invalid(e.to_string()))?;
    if let Some(password) = &new.password {
        check_password(password)?;
    }
    let roles = Roles::of(&new.roles).map_err(|e| UserError::Invalid(e.to_string()))?;
    Ok((username, email, roles))
}

/// Validates a new user and hashes their password: the record to store, not yet stored.
pub async fn prepare(state: &AppState, new: NewUser) -> Result<UserRecord, UserError> {
    let (username, email, roles) = check_new(&new)?;
    let password_hash = match new.password {
        Some(text) => Some(password::hash(text).await?),
        None => None,
    };
    let now = state.clock.now();
    let record = UserRecord {
        id: random_id(),
        username: username.into_string(),
        email: email.into_string(),
        email_verified: false,
        password_hash,
        roles,
        created_at: now,
        updated_at: now,
        locked: None,
        password_reset_required: false,
        display_name: None,
    };
    Ok(record)
}

/// NIST SP 800-63B §5.1.1.2: length limits, no composition rules, and no password that is
/// among the most commonly used ones.
pub fn check_password(password: &str) -> Result<(), UserError> {
    let chars = password.chars().count();
    if !(MIN_PASSWORD_CHARS..=MAX_PASSWORD_CHARS).contains(&chars) {
        return Err(UserError::Invalid(PASSWORD_LENGTH.into()));
    }
    if is_common_password(password) {
        return Err(UserError::Invalid(
            "that password is one of the most commonly used; choose another".into(),
        ));
    }
    Ok(())
}

/// Whether `password`, ignoring case, is on the shipped list of common passwords.
pub fn is_common_password(password: &str) -> bool {
    static COMMON: OnceLock<HashSet<&'static str>> = OnceLock::new();
    let common = COMMON.get_or_init(|| {
        include_str!("common_passwords.txt")
            .lines()
            .filter(|line| !line.starts_with('#') && !line.is_empty())
            .collect()
    });
    common.contains(password.to_lowercase().as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_length_complaint_names_the_bounds() {
        let bounds = format!("{MIN_PASSWORD_CHARS} to {MAX_PASSWORD_CHARS} characters");
        assert!(PASSWORD_LENGTH.ends_with(&bounds));
    }

    #[test]
    fn passwords_are_checked() {
        assert!(check_password("1234567").is_err());
        assert!(check_password("8 chars!").is_ok());
        assert!(check_password(&"x".repeat(129)).is_err());
        assert!(check_password("a long and unusual passphrase").is_ok());
    }

    #[test]
    fn common_passwords_are_refused_whatever_their_case() {
        assert!(is_common_password("password"));
        assert!(is_common_password("PassWord"));
        assert!(is_common_password("baseball"));
        assert!(check_password("qwertyuiop").is_err());
        assert!(!is_common_password("correct horse battery staple"));
        // Comment lines of the list file are not passwords.
        assert!(!is_common_password(
            "# the most common passwords of 8 characters or more, most common first: the entries of"
        ));
    }
}
