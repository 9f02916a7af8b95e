//! The display name a person chooses: the `name` claim of the `profile` scope (decision
//! 116). Parsed by [`DisplayName`]; clearing it shows the username again.

use crate::domain::{DisplayName, DisplayNameError};
use crate::state::AppState;
use crate::store::StoreError;
use crate::store::users::UserRecord;

use super::audit::{self, Event, Origin};

#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error(transparent)]
    Invalid(#[from] DisplayNameError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Sets `user`'s display name to `text` (trimmed; empty clears it); the name now shown.
pub async fn set_display_name(
    state: &AppState,
    origin: &Origin,
    user: &UserRecord,
    text: &str,
) -> Result<Option<DisplayName>, ProfileError> {
    let name = DisplayName::parse(text)?;
    let now = state.clock.now();
    let stored = name.as_ref().map(DisplayName::as_str);
    state.store.set_display_name(&user.id, stored, now).await?;
    let event = Event::of_user("profile.name_changed", &user.id);
    audit::record(state, origin, event).await?;
    Ok(name)
}
