//! Signing in with a password, and the login session it starts.
//!
//! Whether the username exists or not, a login attempt costs one Argon2id verification and
//! fails with the same error, so neither the answer nor its timing tells an attacker which
//! usernames are registered.

use serde::{Deserialize, Serialize};

use crate::clock::Clock;
use crate::config::Config;
use crate::secrets::random_token;
use crate::store::sessions::LoginSessionRecord;
use crate::store::users::UserRecord;
use crate::store::{Store, StoreError};

use super::password;

/// Longest username or password read from a login form; longer ones cannot be valid and
/// are refused before any hashing.
const MAX_INPUT_LEN: usize = 1024;

#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    #[error("the username or password is wrong")]
    WrongCredentials,
    /// The password could not be checked (the queue is full, or hashing failed).
    #[error(transparent)]
    Password(#[from] password::PasswordError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The person signed in at the provider, as the browser session knows them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedIn {
    pub user_id: String,
    pub sid: String,
    pub auth_time: i64,
    pub amr: Vec<String>,
}

/// Verified when the username is unknown, so that the work (and time) is the same as for a
/// real account: the Argon2id hash, at the parameters every account uses, of a random
/// password nobody kept. Even a password that matched it would sign no one in.
const DECOY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$oLmW9bQKe8m9AgL739ywPg$9nNkGE5WfKFPJAUcwCp9HWiYRvWmsygXm041clfNDZ0";

/// The user with this username and password.
pub async fn check_credentials(
    store: &Store,
    username: &str,
    password_text: &str,
) -> Result<UserRecord, LoginError> {
    if username.len() > MAX_INPUT_LEN || password_text.len() > MAX_INPUT_LEN {
        return Err(LoginError::WrongCredentials);
    }
    // No username has control characters (and PostgreSQL text cannot hold a NUL): such a
    // name is unknown, answered after the same work as any other.
    let plausible = !username.chars().any(char::is_control);
    let user = match plausible {
        true => store.find_user_by_username(username.trim()).await?,
        false => None,
    };
    let hash = user
        .as_ref()
        .and_then(|u| u.password_hash.clone())
        .unwrap_or_else(|| DECOY_HASH.to_string());
    let matches = password::verify(password_text.to_string(), hash).await?;
    match user {
        Some(user) if matches => Ok(user),
        _ => Err(LoginError::WrongCredentials),
    }
}

/// Starts a login session for `user`, who just proved who they are with the methods `amr`
/// (RFC 8176 values).
pub async fn start_session(
    store: &Store,
    clock: &Clock,
    config: &Config,
    user: &UserRecord,
    amr: &[&str],
) -> Result<SignedIn, StoreError> {
    let now = clock.now();
    let record = LoginSessionRecord {
        sid: random_token::<16>(),
        user_id: user.id.clone(),
        auth_time: now,
        amr: amr.iter().map(|m| m.to_string()).collect(),
        created_at: now,
        expires_at: now + config.session_max.as_secs() as i64,
    };
    store.insert_login_session(&record).await?;
    Ok(SignedIn {
        user_id: record.user_id,
        sid: record.sid,
        auth_time: record.auth_time,
        amr: record.amr,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The decoy costs what a real account's check costs only while it has the same
    /// parameters as the hashes made today.
    #[test]
    fn the_decoy_hash_has_the_parameters_of_new_hashes() {
        let real = password::hash_blocking("any password at all").unwrap();
        let params = |phc: &str| phc.split('$').take(4).collect::<Vec<_>>().join("$");
        assert_eq!(params(DECOY_HASH), params(&real));
        assert!(!password::verify_blocking("", DECOY_HASH));
    }
}
