//! The password check of a sign-in ([`super::sign_in::password`]) and the login session a
//! sign-in starts, as the browser session knows it.
//!
//! Whether the username exists or not, a login attempt costs one Argon2id verification and
//! fails with the same error, so neither the answer nor its timing tells an attacker which
//! usernames are registered. Failures earn back-off locks (see [`super::throttle`]), keyed
//! by what was typed, so a lock tells nothing either.

use serde::{Deserialize, Serialize};

use crate::secrets::hash_secret;
use crate::store::users::UserRecord;

use super::audit::Event;
use super::password;

/// Longest username or password read from a login form; longer ones cannot be valid and
/// are refused before any hashing.
pub(crate) const MAX_INPUT_LEN: usize = 1024;

/// The person signed in at the provider, as the browser session knows them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedIn {
    pub user_id: String,
    pub sid: String,
    pub auth_time: i64,
    pub amr: Vec<String>,
    /// When the person last proved who they are: the sign-in's time for a factor checked
    /// here, the provider's `auth_time` for an upstream sign-in, `None` when unknown. Only
    /// this stands for the password of an account without one (decision 159): a provider's
    /// old session signs a person in, but proves nothing fresh.
    #[serde(default)]
    pub fresh_at: Option<i64>,
}

impl SignedIn {
    /// [`Self::fresh_at`], or 0 (never recent) when unknown.
    pub fn proved_at(&self) -> i64 {
        self.fresh_at.unwrap_or(0)
    }
}

/// Verified when the username is unknown, so that the work (and time) is the same as for a
/// real account: the Argon2id hash, at the parameters every account uses, of a random
/// password nobody kept. Even a password that matched it would sign no one in.
const DECOY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$oLmW9bQKe8m9AgL739ywPg$9nNkGE5WfKFPJAUcwCp9HWiYRvWmsygXm041clfNDZ0";

/// `named` (the account a username names, if any) when `password_text` is its password;
/// when no account is named, the same work on a decoy hash, and `None`.
pub async fn verify_named(
    named: Option<UserRecord>,
    password_text: &str,
) -> Result<Option<UserRecord>, password::PasswordError> {
    if password_text.len() > MAX_INPUT_LEN {
        return Ok(None);
    }
    let hash = named
        .as_ref()
        .and_then(|u| u.password_hash.clone())
        .unwrap_or_else(|| DECOY_HASH.to_string());
    let matches = password::verify(password_text.to_string(), hash).await?;
    Ok(named.filter(|_| matches))
}

/// The account a refused attempt named, as the trail records it: the account and its
/// username when one has that name, otherwise only a hash of what was typed, because
/// people paste passwords into the username field.
pub(crate) struct AttemptedName {
    user_id: Option<String>,
    label: String,
}

impl AttemptedName {
    /// `named`: the account the typed username names, looked up once for every attempt alike
    /// ([`super::sign_in::password`]), so the record tells an attacker nothing.
    pub(crate) fn of(named: Option<&UserRecord>, typed: &str) -> AttemptedName {
        match named {
            Some(user) => AttemptedName {
                user_id: Some(user.id.clone()),
                label: user.username.clone(),
            },
            None => AttemptedName {
                user_id: None,
                label: format!(
                    "unknown:{}",
                    &hash_secret(&typed.trim().to_lowercase())[..16]
                ),
            },
        }
    }

    pub(crate) fn event(&self) -> Event<'_> {
        let event = Event::new("login.password").username(&self.label);
        match &self.user_id {
            Some(id) => event.user(id),
            None => event,
        }
    }
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
