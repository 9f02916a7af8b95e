//! Deleting one's own account (GDPR art. 17; decision 119). After the password or a code
//! once more: refused while the person is the last owner of a farm that is not pending
//! (they hand it over first); otherwise every session ends and every grant is revoked
//! (refresh tokens, and access tokens through the revocation list), then in one
//! transaction the account row goes, and with it, by foreign key, factors, passkeys,
//! known devices, consents, grants, memberships and mailed links; the pending farms only
//! they own go too. The security trail stays, under a random pseudonym
//! (`deleted-<random>`): no username, id or address of theirs remains in it, yet the
//! events of one deleted account still read as one story (art. 17(3)(e): kept for the
//! establishment or defence of legal claims, such as an investigation of abuse).

use crate::secrets::random_id;
use crate::state::AppState;
use crate::store::StoreError;
use crate::store::own_account::Deletion;
use crate::store::users::UserRecord;

use super::audit::{self, Event, Origin};
use super::reconfirm::{self, Proof};
use super::second_factor::FactorError;
use super::sessions;

#[derive(Debug, thiserror::Error)]
pub enum DeleteError {
    /// The person is the last owner of these farms: they hand them over first.
    #[error("you are the last owner of {}; hand it over to someone else first", .0.join(", "))]
    LastOwner(Vec<String>),
    #[error(transparent)]
    Confirm(#[from] FactorError),
}

impl From<StoreError> for DeleteError {
    fn from(error: StoreError) -> Self {
        DeleteError::Confirm(error.into())
    }
}

/// Deletes `user`'s own account after `proof`.
pub async fn delete_own_account(
    state: &AppState,
    origin: &Origin,
    user: &UserRecord,
    proof: Proof<'_>,
) -> Result<(), DeleteError> {
    reconfirm::confirm(state, origin, user, proof).await?;
    // Asked before anything is revoked, so a refusal changes nothing; asked again in the
    // transaction that deletes.
    let farms = state.store.farms_solely_owned_by(&user.id).await?;
    if !farms.is_empty() {
        return Err(DeleteError::LastOwner(farms));
    }
    sessions::sign_out_everywhere(state, origin, &user.id, None, true).await?;
    let pseudonym = format!("deleted-{}", random_id());
    let names = (user.username.as_str(), user.email.as_str());
    let deletion = state
        .store
        .delete_account(&user.id, &pseudonym, names)
        .await?;
    match deletion {
        Deletion::Deleted | Deletion::NoSuchUser => {}
        Deletion::LastOwnerOf(farms) => return Err(DeleteError::LastOwner(farms)),
    }
    audit::record(state, origin, Event::of_user("account.deleted", &pseudonym)).await?;
    Ok(())
}
