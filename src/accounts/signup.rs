//! Signing up, the same from the pages and the account API: a person joins as a consumer
//! or a farmer (administrators are appointed, never self-made), the account is created, a
//! link to confirm the address is mailed, and the trail records it.

use crate::state::AppState;
use crate::store::users::UserRecord;

use super::audit::{self, Event, Origin};
use super::email_links;
use super::users::{self, NewUser, Role, UserError};

/// What a person gives to sign up.
pub struct SignUp {
    pub username: String,
    pub email: String,
    pub password: String,
    /// `consumer` or `farmer`, as typed.
    pub role: String,
}

#[derive(Debug, thiserror::Error)]
pub enum SignUpError {
    /// Neither `consumer` nor `farmer`.
    #[error("choose whether you join as a consumer or a farmer")]
    Role,
    #[error(transparent)]
    User(#[from] UserError),
}

pub async fn sign_up(
    state: &AppState,
    origin: &Origin,
    form: SignUp,
) -> Result<UserRecord, SignUpError> {
    let role = match form.role.as_str() {
        "consumer" => Role::Consumer,
        "farmer" => Role::Farmer,
        _ => return Err(SignUpError::Role),
    };
    let new = NewUser {
        username: form.username,
        email: form.email,
        password: form.password,
        roles: vec![role],
    };
    let user = users::create(state, new).await?;
    let store_error = |e| SignUpError::User(UserError::Store(e));
    email_links::send_verification(state, &user)
        .await
        .map_err(store_error)?;
    audit::record(state, origin, Event::of_user("signup", &user.id))
        .await
        .map_err(store_error)?;
    Ok(user)
}
