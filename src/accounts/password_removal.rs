//! Removing one's password (decision 151): an account may sign in without one, by passkey,
//! by a code mailed to its confirmed address, or through a linked upstream provider. The
//! person proves it is them once more ([`reconfirm`]: the password being removed, or an
//! authenticator app's code), and the password goes only while another way in remains. A
//! password comes back through "Forgot your password?" (a reset sets one) with the
//! confirmed address.

use crate::state::AppState;
use crate::store::StoreError;
use crate::store::users::UserRecord;

use super::audit::{self, Event, Origin};
use super::email_links;
use super::reconfirm::{self, Proof};
use super::second_factor::FactorError;

#[derive(Debug, thiserror::Error)]
pub enum RemovalError {
    #[error("Your account has no password.")]
    NoPassword,
    #[error(
        "Add a passkey or confirm your e-mail address first: without a password, you need another way to sign in."
    )]
    LastWayIn,
    #[error(transparent)]
    Confirm(#[from] FactorError),
}

impl From<StoreError> for RemovalError {
    fn from(error: StoreError) -> Self {
        RemovalError::Confirm(error.into())
    }
}

/// Whether `user` can sign in without a password: a passkey, a confirmed address for
/// e-mail codes, or a linked upstream provider.
pub async fn other_way_in(state: &AppState, user: &UserRecord) -> Result<bool, StoreError> {
    // A passkey counts only where this server can check one (not on an IP-address issuer).
    let passkeys =
        state.passkeys.is_some() && !state.store.list_passkeys(&user.id).await?.is_empty();
    Ok(user.email_verified
        || passkeys
        || !state.store.upstream_links_of(&user.id).await?.is_empty())
}

/// Removes `user`'s password after `proof`.
pub async fn remove_password(
    state: &AppState,
    origin: &Origin,
    user: &UserRecord,
    proof: Proof<'_>,
) -> Result<(), RemovalError> {
    if user.password_hash.is_none() {
        return Err(RemovalError::NoPassword);
    }
    if !other_way_in(state, user).await? {
        return Err(RemovalError::LastWayIn);
    }
    reconfirm::confirm(state, origin, user, proof).await?;
    // Checked again as it is written: another request may have removed a way in since.
    if !state
        .store
        .remove_password_hash(&user.id, state.clock.now(), state.passkeys.is_some())
        .await?
    {
        return Err(RemovalError::LastWayIn);
    }
    audit::record(state, origin, Event::of_user("password.removed", &user.id)).await?;
    let what = "The password of your account was removed: it signs in with a passkey or a code by e-mail now.";
    email_links::security_notice(state, user, what).await;
    Ok(())
}
