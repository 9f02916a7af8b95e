//! Signing up, the same from the pages and the account API: a person joins as a consumer
//! or a farmer (administrators are appointed, never self-made), the account is created, a
//! link to confirm the address is mailed, and the trail records it.
//!
//! A farmer names their farm: the person and a *pending* farm they own are created in one
//! transaction. They hold only the `consumer` role until an administrator approves the farm
//! (DECISIONS §52), so signing up gives no farmer powers.

use crate::domain::{FarmName, FarmStatus};
use crate::state::AppState;
use crate::store::StoreError;
use crate::store::users::UserRecord;

use super::audit::{self, Event, Origin};
use super::email_links;
use super::farms;
use super::users::{self, NewUser, Role, UserError};

/// What a person gives to sign up.
pub struct SignUp {
    pub username: String,
    pub email: String,
    pub password: String,
    /// `consumer` or `farmer`, as typed.
    pub role: String,
    /// The farm's name, required to join as a farmer (ignored for a consumer).
    pub farm_name: String,
}

#[derive(Debug, thiserror::Error)]
pub enum SignUpError {
    /// Neither `consumer` nor `farmer`.
    #[error("choose whether you join as a consumer or a farmer")]
    Role,
    /// A farmer's farm name is missing or not a name.
    #[error("farm name: {0}")]
    FarmName(String),
    #[error(transparent)]
    User(#[from] UserError),
}

/// What a sign-up created: the person, and the pending farm of a farmer.
pub struct SignedUp {
    pub user: UserRecord,
    pub farm_id: Option<String>,
}

pub async fn sign_up(
    state: &AppState,
    origin: &Origin,
    form: SignUp,
) -> Result<SignedUp, SignUpError> {
    let farm_name = match form.role.as_str() {
        "consumer" => None,
        "farmer" => Some(
            FarmName::parse(&form.farm_name).map_err(|e| SignUpError::FarmName(e.to_string()))?,
        ),
        _ => return Err(SignUpError::Role),
    };
    let new = NewUser {
        username: form.username,
        email: form.email,
        password: form.password,
        // No platform powers before an administrator approves the farm.
        roles: vec![Role::Consumer],
    };
    let store_error = |e| SignUpError::User(UserError::Store(e));
    let (user, farm) = match farm_name {
        None => (users::create(state, new).await?, None),
        Some(name) => {
            let record = users::prepare(state, new).await?;
            let farm = farms::new_farm(state, name, FarmStatus::Pending);
            match state.store.insert_user_with_farm(&record, &farm).await {
                Err(StoreError::Conflict) => return Err(UserError::Taken.into()),
                other => other.map_err(store_error)?,
            }
            let user = UserRecord {
                password_hash: None,
                ..record
            };
            (user, Some(farm))
        }
    };
    email_links::send_verification(state, &user)
        .await
        .map_err(store_error)?;
    audit::record(state, origin, Event::of_user("signup", &user.id))
        .await
        .map_err(store_error)?;
    if let Some(farm) = &farm {
        let detail = format!(
            "farm {}: \u{201c}{}\u{201d} signed up, pending approval",
            farm.id, farm.name
        );
        audit::record(
            state,
            origin,
            Event::of_user("farm.created", &user.id).detail(detail),
        )
        .await
        .map_err(store_error)?;
    }
    Ok(SignedUp {
        user,
        farm_id: farm.map(|f| f.id),
    })
}
