//! User accounts: validated creation with roles.

use std::collections::HashSet;
use std::fmt;
use std::sync::OnceLock;

use crate::secrets::random_id;
use crate::state::AppState;
use crate::store::StoreError;
use crate::store::users::UserRecord;

use super::password;

/// What a person may do on the platform.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Consumer,
    Farmer,
    Admin,
}

impl Role {
    pub fn parse(text: &str) -> Option<Role> {
        match text {
            "consumer" => Some(Role::Consumer),
            "farmer" => Some(Role::Farmer),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Consumer => "consumer",
            Role::Farmer => "farmer",
            Role::Admin => "admin",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

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
    pub password: String,
    pub roles: Vec<Role>,
}

pub const MIN_PASSWORD_CHARS: usize = 8;
pub const MAX_PASSWORD_CHARS: usize = 128;

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
    let username = check_username(&new.username)?;
    let email = check_email(&new.email)?;
    check_password(&new.password)?;
    if new.roles.is_empty() {
        return Err(UserError::Invalid("a user needs at least one role".into()));
    }
    let password_hash = password::hash(new.password).await?;
    let now = state.clock.now();
    let mut roles: Vec<String> = Vec::new();
    for role in &new.roles {
        if !roles.iter().any(|r| r == role.as_str()) {
            roles.push(role.as_str().to_string());
        }
    }
    let record = UserRecord {
        id: random_id(),
        username,
        email,
        email_verified: false,
        password_hash: Some(password_hash),
        roles,
        created_at: now,
        updated_at: now,
        locked: None,
        company: None,
        password_reset_required: false,
    };
    state.store.insert_user(&record).await?;
    Ok(UserRecord {
        password_hash: None,
        ..record
    })
}

/// 3 to 64 characters: ASCII letters and digits, `.`, `_` and `-`.
fn check_username(text: &str) -> Result<String, UserError> {
    let ok = (3..=64).contains(&text.chars().count())
        && text
            .chars()
            // ASCII only: with open sign-up, Unicode look-alikes ("аda" with a Cyrillic а)
            // would let one person pass for another in `preferred_username`.
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    ok.then(|| text.to_string()).ok_or_else(|| {
        UserError::Invalid(
            "username must be 3 to 64 letters (a-z, A-Z), digits, '.', '_' or '-'".into(),
        )
    })
}

/// A plausible address: one `@`, something on each side, a dot in the domain, no spaces.
fn check_email(text: &str) -> Result<String, UserError> {
    let text = text.trim();
    let ok = text.len() <= 254
        && !text.chars().any(|c| c.is_whitespace() || c.is_control())
        && text.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.contains('@')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        });
    ok.then(|| text.to_string())
        .ok_or_else(|| UserError::Invalid("email is not a valid address".into()))
}

/// NIST SP 800-63B §5.1.1.2: length limits, no composition rules, and no password that is
/// among the most commonly used ones.
pub fn check_password(password: &str) -> Result<(), UserError> {
    let chars = password.chars().count();
    if !(MIN_PASSWORD_CHARS..=MAX_PASSWORD_CHARS).contains(&chars) {
        return Err(UserError::Invalid(format!(
            "password must be {MIN_PASSWORD_CHARS} to {MAX_PASSWORD_CHARS} characters"
        )));
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
    fn usernames_emails_and_passwords_are_checked() {
        assert!(check_username("farmer_jo").is_ok());
        assert!(check_username("jo").is_err());
        assert!(check_username("jo smith").is_err());
        assert!(check_username("\u{430}da").is_err(), "Cyrillic a");
        assert!(check_username("jos\u{e9}").is_err());
        assert!(check_email("jo@farm.example").is_ok());
        for bad in [
            "jo",
            "jo@",
            "@farm.example",
            "jo@farm",
            "jo @farm.example",
            "a@b@c.d",
        ] {
            assert!(check_email(bad).is_err(), "{bad}");
        }
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
