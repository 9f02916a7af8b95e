//! Signing in with a password, and the login session it starts.
//!
//! Whether the username exists or not, a login attempt costs one Argon2id verification and
//! fails with the same error, so neither the answer nor its timing tells an attacker which
//! usernames are registered. Failures earn back-off locks (see [`super::throttle`]), keyed
//! by what was typed, so a lock tells nothing either.

use serde::{Deserialize, Serialize};

use crate::domain::Username;
use crate::secrets::{hash_secret, random_token};
use crate::state::AppState;
use crate::store::sessions::LoginSessionRecord;
use crate::store::users::UserRecord;
use crate::store::{Store, StoreError};

use super::audit::{self, Event, Origin, Outcome};
use super::devices;
use super::password;
use super::throttle::{self, Locked};

/// Longest username or password read from a login form; longer ones cannot be valid and
/// are refused before any hashing.
const MAX_INPUT_LEN: usize = 1024;

#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    #[error("the username or password is wrong")]
    WrongCredentials,
    /// Too many failures: refused unchecked until the lock ends.
    #[error("too many failed attempts")]
    Locked(Locked),
    /// An administrator locked the account. Said only after the right password, so it
    /// tells a stranger nothing.
    #[error("this account is locked")]
    AccountLocked,
    /// An administrator asked for a new password: this one no longer signs in. Said only
    /// after the right password, too.
    #[error("a new password is required")]
    PasswordResetRequired,
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
    // Text that is no username (a control character, a NUL that PostgreSQL text cannot
    // hold, a space) names no one, answered after the same work as any other.
    let user = match Username::parse(username.trim()) {
        Ok(username) => store.find_user_by_username(username.as_str()).await?,
        Err(_) => None,
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

/// A password login with brute-force defence and an audit record: the user, if the
/// password is right and no lock is in force.
pub async fn password_login(
    state: &AppState,
    origin: &Origin,
    username: &str,
    password_text: &str,
    device: Option<&str>,
) -> Result<UserRecord, LoginError> {
    let known_device = match is_known_for(state, device, username).await? {
        true => device,
        false => None,
    };
    let keys = throttle::login_keys(username, origin, known_device);
    let attempt = match throttle::begin(state, &keys).await? {
        Ok(attempt) => attempt,
        Err(locked) => {
            let named = AttemptedName::of(state, username).await?;
            let event = named.event().outcome(Outcome::Locked);
            audit::record(state, origin, event).await?;
            return Err(LoginError::Locked(locked));
        }
    };
    match check_credentials(&state.store, username, password_text).await {
        Ok(user) => {
            attempt.succeeded(state).await?;
            let event = Event::of_user("login.password", &user.id).username(&user.username);
            if user.locked.is_some() {
                let event = event
                    .outcome(Outcome::Locked)
                    .detail("locked by an administrator");
                audit::record(state, origin, event).await?;
                return Err(LoginError::AccountLocked);
            }
            if user.password_reset_required {
                let event = event
                    .outcome(Outcome::Failure)
                    .detail("an administrator required a new password");
                audit::record(state, origin, event).await?;
                return Err(LoginError::PasswordResetRequired);
            }
            audit::record(state, origin, event).await?;
            Ok(user)
        }
        Err(LoginError::WrongCredentials) => {
            let locked = attempt.failed();
            let named = AttemptedName::of(state, username).await?;
            let mut event = named.event().outcome(Outcome::Failure);
            if let Some(lock) = locked {
                event = event.detail(format!("locked until {}", lock.until));
            }
            audit::record(state, origin, event).await?;
            Err(LoginError::WrongCredentials)
        }
        Err(other) => {
            attempt.abandoned(state).await?;
            Err(other)
        }
    }
}

/// The account a refused attempt named, as the trail records it: the account and its
/// username when one has that name, otherwise only a hash of what was typed, because
/// people paste passwords into the username field.
struct AttemptedName {
    user_id: Option<String>,
    label: String,
}

impl AttemptedName {
    /// Looked up after the answer was decided, for every attempt alike, so it tells an
    /// attacker nothing.
    async fn of(state: &AppState, typed: &str) -> Result<AttemptedName, StoreError> {
        let typed = typed.trim();
        let known = match Username::parse(typed) {
            Ok(username) => state.store.find_user_by_username(username.as_str()).await?,
            Err(_) => None,
        };
        Ok(match known {
            Some(user) => AttemptedName {
                user_id: Some(user.id),
                label: user.username,
            },
            None => AttemptedName {
                user_id: None,
                label: format!("unknown:{}", &hash_secret(&typed.to_lowercase())[..16]),
            },
        })
    }

    fn event(&self) -> Event<'_> {
        let event = Event::new("login.password").username(&self.label);
        match &self.user_id {
            Some(id) => event.user(id),
            None => event,
        }
    }
}

/// Why a sign-in whose factors all passed must still stop: an administrator's lock, or a
/// new password an administrator required, when the password was one of the factors (a
/// passkey alone is not the password).
pub fn stopped_after_checks(user: &UserRecord, used_password: bool) -> Option<LoginError> {
    if user.locked.is_some() {
        return Some(LoginError::AccountLocked);
    }
    (used_password && user.password_reset_required).then_some(LoginError::PasswordResetRequired)
}

/// Records that a sign-in by `event` (a second step, a passkey) stopped for `why` (from
/// [`stopped_after_checks`]).
pub async fn record_stopped(
    state: &AppState,
    origin: &Origin,
    user: &UserRecord,
    event: &'static str,
    why: &LoginError,
) -> Result<(), StoreError> {
    let event = match why {
        LoginError::AccountLocked => Event::of_user(event, &user.id)
            .outcome(Outcome::Locked)
            .detail("locked by an administrator"),
        _ => Event::of_user(event, &user.id)
            .outcome(Outcome::Failure)
            .detail("an administrator required a new password"),
    };
    audit::record(state, origin, event).await
}

/// Whether the browser's device token names the account `username` (an unknown or
/// mismatched one is just not known).
async fn is_known_for(
    state: &AppState,
    device: Option<&str>,
    username: &str,
) -> Result<bool, StoreError> {
    let Some(owner) = devices::owner(state, device).await? else {
        return Ok(false);
    };
    let user = state.store.find_user_by_id(&owner).await?;
    Ok(user.is_some_and(|u| u.username.to_lowercase() == username.trim().to_lowercase()))
}

/// Starts a login session for `user`, who just proved who they are with the methods `amr`
/// (RFC 8176 values).
pub async fn start_session(
    state: &AppState,
    user: &UserRecord,
    amr: &[&str],
    origin: &Origin,
) -> Result<SignedIn, StoreError> {
    let now = state.clock.now();
    let record = LoginSessionRecord {
        sid: random_token::<16>(),
        user_id: user.id.clone(),
        auth_time: now,
        amr: amr.iter().map(|m| m.to_string()).collect(),
        created_at: now,
        expires_at: now + state.config.session_max.as_secs() as i64,
        ip: origin.ip.map(|ip| ip.to_string()),
        user_agent: origin.user_agent.clone(),
        last_seen_at: Some(now),
    };
    state.store.insert_login_session(&record).await?;
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
