//! Changing one's password while signed in: the current password first (throttled like a
//! login), then the same rules as at sign-up. Other sessions end; the one in use stays.

use crate::state::AppState;
use crate::store::users::UserRecord;

use super::audit::{self, Event, Origin};
use super::second_factor::{self, FactorError};
use super::users::{self, UserError};
use super::{devices, email_links, password, sessions};

#[derive(Debug, thiserror::Error)]
pub enum ChangeError {
    #[error("{0}")]
    Weak(String),
    #[error(transparent)]
    Confirm(#[from] FactorError),
}

/// Changes `user`'s password; `keep` is the session in use, which stays signed in.
pub async fn change_password(
    state: &AppState,
    origin: &Origin,
    user: &UserRecord,
    current: &str,
    new_password: &str,
    keep: Option<&str>,
    keep_device: Option<&str>,
) -> Result<(), ChangeError> {
    second_factor::confirm_password(state, origin, user, current).await?;
    if let Err(error) = users::check_password(new_password) {
        return Err(ChangeError::Weak(match error {
            UserError::Invalid(why) => why,
            other => other.to_string(),
        }));
    }
    let hash = password::hash(new_password.to_string())
        .await
        .map_err(FactorError::from)?;
    let now = state.clock.now();
    state
        .store
        .update_password_hash(&user.id, &hash, now)
        .await
        .map_err(FactorError::from)?;
    // Whoever knew the old password is signed out, and their browsers are known no more;
    // the apps the person connected keep working (the sessions page revokes them).
    sessions::sign_out_everywhere(state, origin, &user.id, keep, false)
        .await
        .map_err(FactorError::from)?;
    devices::forget_all(state, &user.id, keep_device)
        .await
        .map_err(FactorError::from)?;
    audit::record(state, origin, Event::of_user("password.changed", &user.id))
        .await
        .map_err(FactorError::from)?;
    let what = "The password of your account was changed, and its other sessions were signed out.";
    email_links::security_notice(state, user, what).await;
    Ok(())
}
