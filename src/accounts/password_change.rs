//! Changing one's password while signed in: the current password first (throttled like a
//! login), then the same rules as at sign-up. Other sessions end; the one in use stays. The
//! grants that can change the account (`account` or `admin` scope) end too unless the person
//! chose to keep them (decision 72): whoever knew the old password may have connected an app
//! that could otherwise change the new one back.

use crate::state::AppState;
use crate::store::StoreError;
use crate::store::users::UserRecord;

use super::audit::{self, Event, Origin};
use super::second_factor::{self, FactorError};
use super::users::{self, UserError};
use super::{devices, email_links, password, sessions};

/// Scopes whose holder can change the account or others': their grants end with the
/// password by default.
const ACCOUNT_CHANGING_SCOPES: [&str; 2] = ["account", "admin"];

#[derive(Debug, thiserror::Error)]
pub enum ChangeError {
    #[error("{0}")]
    Weak(String),
    #[error(transparent)]
    Confirm(#[from] FactorError),
}

/// A change of password, as asked.
pub struct PasswordChange<'a> {
    pub current: &'a str,
    pub new_password: &'a str,
    /// The browser session in use, which stays signed in.
    pub keep_session: Option<&'a str>,
    /// The browser in use, which stays a known device.
    pub keep_device: Option<&'a str>,
    /// End the grants holding `account` or `admin` (ticked by default).
    pub end_account_grants: bool,
    /// The `jti` of the access token making the change through the account API: its own
    /// grant stays, as the session in use does.
    pub calling_jti: Option<&'a str>,
}

/// Changes `user`'s password.
pub async fn change_password(
    state: &AppState,
    origin: &Origin,
    user: &UserRecord,
    change: PasswordChange<'_>,
) -> Result<(), ChangeError> {
    second_factor::confirm_password(state, origin, user, change.current).await?;
    if let Err(error) = users::check_password(change.new_password) {
        return Err(ChangeError::Weak(match error {
            UserError::Invalid(why) => why,
            other => other.to_string(),
        }));
    }
    let hash = password::hash(change.new_password.to_string())
        .await
        .map_err(FactorError::from)?;
    let now = state.clock.now();
    let ended = async {
        state
            .store
            .update_password_hash(&user.id, &hash, now)
            .await?;
        // Whoever knew the old password is signed out, and their browsers are known no
        // more; apps keep working unless they can change the account.
        sessions::sign_out_everywhere(state, origin, &user.id, change.keep_session, false).await?;
        devices::forget_all(state, &user.id, change.keep_device).await?;
        match change.end_account_grants {
            true => end_account_grants(state, &user.id, change.calling_jti).await,
            false => Ok(0),
        }
    }
    .await
    .map_err(FactorError::from)?;
    let event =
        Event::of_user("password.changed", &user.id).detail(match change.end_account_grants {
            true => format!("{ended} grants with account or admin scope ended"),
            false => "grants with account or admin scope kept, as asked".to_string(),
        });
    audit::record(state, origin, event)
        .await
        .map_err(FactorError::from)?;
    let what = match ended {
        0 => "The password of your account was changed, and its other sessions were signed out.",
        _ => {
            "The password of your account was changed; its other sessions, and the apps that could change your account, were signed out."
        }
    };
    email_links::security_notice(state, user, what).await;
    Ok(())
}

/// Revokes `user_id`'s grants holding a scope of [`ACCOUNT_CHANGING_SCOPES`] (their refresh
/// tokens and the access tokens issued with them), but the one that issued the access
/// token `calling_jti`; returns how many.
async fn end_account_grants(
    state: &AppState,
    user_id: &str,
    calling_jti: Option<&str>,
) -> Result<usize, StoreError> {
    let now = state.clock.now();
    let grants = state
        .store
        .list_live_grants_of_user(user_id, now, calling_jti)
        .await?;
    let mut ended = 0;
    for grant in grants {
        if !ACCOUNT_CHANGING_SCOPES
            .iter()
            .any(|scope| grant.scope.contains(scope))
        {
            continue;
        }
        for (jti, exp) in state.store.revoke_grant(&grant.id, now).await? {
            state.revocations.revoke(&jti, exp).await?;
        }
        ended += 1;
    }
    Ok(ended)
}
