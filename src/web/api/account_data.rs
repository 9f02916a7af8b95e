//! The account API's side of one's own profile and data: the display name, a change of
//! e-mail address (its links open the same pages as from the account page), deleting the
//! account, and a download of one's data. Each parses its JSON, calls one `accounts`
//! function and answers.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post, put};
use serde::Deserialize;

use super::account::{UserView, json, no_content};
use super::{ApiError, Caller, JsonBody};
use crate::accounts::deletion::{self, DeleteError};
use crate::accounts::email_change::{self, EmailChangeError};
use crate::accounts::export;
use crate::accounts::profile::{self, ProfileError};
use crate::accounts::reconfirm::Proof;
use crate::state::AppState;
use crate::web::extract::RequestOrigin;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/me/name", put(put_name))
        .route("/api/v1/me/email", post(post_email))
        .route("/api/v1/me/deletion", post(post_deletion))
        .route("/api/v1/me/export", get(get_export))
}

#[derive(Deserialize)]
struct NameBody {
    /// `null` or empty clears the name.
    name: Option<String>,
}

async fn put_name(
    State(state): State<AppState>,
    caller: Caller,
    RequestOrigin(origin): RequestOrigin,
    JsonBody(form): JsonBody<NameBody>,
) -> Result<Response, ApiError> {
    let user = caller.person()?;
    let text = form.name.unwrap_or_default();
    match profile::set_display_name(&state, &origin, user, &text).await {
        Ok(name) => {
            let mut view = UserView::from(user.clone());
            view.display_name = name.map(|n| n.into_string());
            Ok(json(StatusCode::OK, view))
        }
        Err(ProfileError::Invalid(why)) => Err(ApiError::Invalid("invalid_name", why.to_string())),
        Err(ProfileError::Store(error)) => Err(error.into()),
    }
}

/// The password, or a code from the authenticator app.
#[derive(Deserialize)]
struct ProofBody {
    #[serde(default)]
    password: Option<String>,
    #[serde(default)]
    code: Option<String>,
}

impl ProofBody {
    fn proof(&self) -> Proof<'_> {
        Proof::of(self.password.as_deref(), self.code.as_deref(), None)
    }
}

#[derive(Deserialize)]
struct EmailBody {
    email: String,
    #[serde(flatten)]
    proof: ProofBody,
}

/// 202 whether or not another account has the address (the mail says which).
async fn post_email(
    State(state): State<AppState>,
    caller: Caller,
    RequestOrigin(origin): RequestOrigin,
    JsonBody(form): JsonBody<EmailBody>,
) -> Result<Response, ApiError> {
    let user = caller.person()?;
    let proof = form.proof.proof();
    match email_change::request_change(&state, &origin, user, proof, &form.email).await {
        Ok(()) => Ok(json(StatusCode::ACCEPTED, serde_json::json!({}))),
        Err(EmailChangeError::Invalid(why)) => Err(ApiError::Invalid("invalid_email", why.into())),
        Err(EmailChangeError::TooMany) => Err(ApiError::Conflict(
            "too_many_requests",
            "three changes of address were asked for this hour; use the last link".into(),
        )),
        Err(EmailChangeError::Confirm(error)) => Err(ApiError::from_factor(&state, error)),
    }
}

async fn post_deletion(
    State(state): State<AppState>,
    caller: Caller,
    RequestOrigin(origin): RequestOrigin,
    JsonBody(form): JsonBody<ProofBody>,
) -> Result<Response, ApiError> {
    let user = caller.person()?;
    match deletion::delete_own_account(&state, &origin, user, form.proof()).await {
        Ok(()) => Ok(no_content()),
        Err(error @ DeleteError::LastOwner(_)) => {
            Err(ApiError::Conflict("last_owner", error.to_string()))
        }
        Err(DeleteError::Confirm(error)) => Err(ApiError::from_factor(&state, error)),
    }
}

async fn get_export(State(state): State<AppState>, caller: Caller) -> Result<Response, ApiError> {
    let user = caller.person()?;
    let data = export::export(&state, user).await?;
    Ok(crate::web::account_profile::download(&data, &user.username))
}
