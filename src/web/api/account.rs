//! The handlers of the account API: each parses its JSON, calls one `accounts` function and
//! answers JSON.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use super::{ApiError, Caller, JsonBody};
use crate::accounts::email_links::{self, Asker, LinkError, ResetRefused};
use crate::accounts::password_change::{self, ChangeError, PasswordChange};
use crate::accounts::second_factor;
use crate::accounts::sessions;
use crate::accounts::signup::{self, Applicant, SignUp, SignUpError};
use crate::accounts::users::UserError;
use crate::domain::SessionId;
use crate::state::AppState;
use crate::store::sessions::LoginSessionRecord;
use crate::store::users::UserRecord;
use crate::web::error::no_store;
use crate::web::extract::RequestOrigin;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/users", post(post_user))
        .route("/api/v1/password-reset-requests", post(post_reset_request))
        .route("/api/v1/password-resets", post(post_reset))
        .route("/api/v1/me", get(get_me))
        .route("/api/v1/me/password", post(post_password))
        .route("/api/v1/me/totp", post(post_totp_start))
        .route("/api/v1/me/totp/verify", post(post_totp_verify))
        .route("/api/v1/me/totp/disable", post(post_totp_disable))
        .route("/api/v1/me/sessions", get(get_sessions))
        .route("/api/v1/me/sessions/{id}", delete(delete_session))
}

pub(super) fn json<T: Serialize>(status: StatusCode, body: T) -> Response {
    (status, no_store(), Json(body)).into_response()
}

pub(super) fn no_content() -> Response {
    (StatusCode::NO_CONTENT, no_store()).into_response()
}

#[derive(Serialize)]
pub(super) struct UserView {
    id: String,
    username: String,
    /// The `name` claim's source; `null` when none is set (the username is shown).
    pub(super) display_name: Option<String>,
    email: String,
    email_verified: bool,
    roles: crate::domain::Roles,
}

impl From<UserRecord> for UserView {
    fn from(user: UserRecord) -> Self {
        UserView {
            id: user.id,
            username: user.username,
            display_name: user.display_name,
            email: user.email,
            email_verified: user.email_verified,
            roles: user.roles,
        }
    }
}

#[derive(Deserialize)]
struct SignUpBody {
    username: String,
    email: String,
    password: String,
    /// `consumer` (the default) or `farmer`; administrators are appointed, never self-made.
    #[serde(default, deserialize_with = "super::present_not_null")]
    role: Option<String>,
    /// Required with `role: farmer`: the farm signed up with the person, pending approval.
    #[serde(default, deserialize_with = "super::present_not_null")]
    farm_name: Option<String>,
}

async fn post_user(
    State(state): State<AppState>,
    caller: Caller,
    RequestOrigin(origin): RequestOrigin,
    JsonBody(form): JsonBody<SignUpBody>,
) -> Result<Response, ApiError> {
    let form = SignUp {
        username: form.username,
        email: form.email,
        password: Some(form.password),
        role: form.role.unwrap_or_else(|| "consumer".into()),
        farm_name: form.farm_name.unwrap_or_default(),
    };
    // The app signs its users up from its own servers, with its own token (client
    // credentials): a person's token would let anyone who can sign in spend the app's
    // budget with no proof of work.
    if caller.person.is_some() {
        return Err(ApiError::Forbidden(
            "sign-up takes the app's own token (client credentials), not a person's",
        ));
    }
    // Its budget is its own.
    let applicant = Applicant::App(caller.claims.client_id.clone());
    let user = match signup::sign_up(&state, &origin, &applicant, form).await {
        Ok(done) => done.user,
        Err(SignUpError::Throttled(lock)) => {
            return Err(ApiError::Locked(lock, state.clock.now()));
        }
        Err(SignUpError::Overloaded(_)) => return Err(ApiError::Busy),
        // Only the page asks its anti-automation question; an app never meets it.
        Err(SignUpError::Refused(why)) => {
            return Err(ApiError::Invalid("invalid_request", why.to_string()));
        }
        Err(SignUpError::Role) => {
            return Err(ApiError::Invalid(
                "invalid_role",
                "role is consumer or farmer".into(),
            ));
        }
        Err(SignUpError::FarmName(why)) => {
            return Err(ApiError::Invalid("invalid_farm_name", why));
        }
        Err(SignUpError::User(UserError::Invalid(why))) => {
            return Err(ApiError::Invalid("invalid_user", why));
        }
        Err(SignUpError::User(UserError::Taken)) => {
            return Err(ApiError::Conflict(
                "already_registered",
                "that username or email is already registered".into(),
            ));
        }
        Err(SignUpError::User(UserError::Password(error))) => return Err(error.into()),
        Err(SignUpError::User(UserError::Store(error))) => return Err(error.into()),
    };
    Ok(json(StatusCode::CREATED, UserView::from(user)))
}

#[derive(Deserialize)]
struct ResetRequest {
    email: String,
}

/// 202 whatever the address: the lookup and the mail happen after the answer; 429 or 503
/// with `Retry-After` when the request was not taken.
async fn post_reset_request(
    State(state): State<AppState>,
    caller: Caller,
    RequestOrigin(origin): RequestOrigin,
    JsonBody(form): JsonBody<ResetRequest>,
) -> Result<Response, ApiError> {
    // The app asks for its users from its own servers: its budget is its own, not the
    // address's.
    let asker = Asker::App(caller.claims.client_id.clone());
    match email_links::request_reset_after_answer(&state, origin, asker, form.email).await? {
        Ok(()) => Ok(json(StatusCode::ACCEPTED, serde_json::json!({}))),
        Err(ResetRefused::Throttled(lock)) => Err(ApiError::Locked(lock, state.clock.now())),
        Err(ResetRefused::Overloaded(_)) => Err(ApiError::Busy),
    }
}

#[derive(Deserialize)]
struct Reset {
    token: String,
    new_password: String,
}

async fn post_reset(
    State(state): State<AppState>,
    _caller: Caller,
    RequestOrigin(origin): RequestOrigin,
    JsonBody(form): JsonBody<Reset>,
) -> Result<Response, ApiError> {
    match email_links::reset_password(&state, &origin, &form.token, &form.new_password).await {
        Ok(_) => Ok(no_content()),
        Err(LinkError::Invalid) => Err(ApiError::Invalid(
            "invalid_token",
            "the reset token is unknown, used or expired".into(),
        )),
        Err(LinkError::WeakPassword(why)) => Err(ApiError::Invalid("weak_password", why)),
        Err(LinkError::Password(error)) => Err(error.into()),
        Err(LinkError::Store(error)) => Err(error.into()),
    }
}

async fn get_me(caller: Caller) -> Result<Response, ApiError> {
    Ok(json(
        StatusCode::OK,
        UserView::from(caller.person()?.clone()),
    ))
}

#[derive(Deserialize)]
struct PasswordChangeBody {
    current_password: String,
    new_password: String,
    /// End the grants holding `account` or `admin` (decision 72); this token's stays.
    #[serde(default = "yes")]
    end_account_grants: bool,
}

fn yes() -> bool {
    true
}

async fn post_password(
    State(state): State<AppState>,
    caller: Caller,
    RequestOrigin(origin): RequestOrigin,
    JsonBody(form): JsonBody<PasswordChangeBody>,
) -> Result<Response, ApiError> {
    let user = caller.person()?;
    let change = PasswordChange {
        current: &form.current_password,
        new_password: &form.new_password,
        keep_session: None,
        keep_device: None,
        end_account_grants: form.end_account_grants,
        calling_jti: Some(&caller.claims.jti),
    };
    let changed = password_change::change_password(&state, &origin, user, change).await;
    match changed {
        Ok(()) => Ok(no_content()),
        Err(ChangeError::Weak(why)) => Err(ApiError::Invalid("weak_password", why)),
        Err(ChangeError::Confirm(error)) => Err(ApiError::from_factor(&state, error)),
    }
}

#[derive(Serialize)]
struct TotpEnrolment {
    secret: String,
    otpauth_uri: String,
}

async fn post_totp_start(
    State(state): State<AppState>,
    caller: Caller,
    RequestOrigin(origin): RequestOrigin,
    JsonBody(form): JsonBody<Password>,
) -> Result<Response, ApiError> {
    let user = caller.person()?;
    match second_factor::start_totp(&state, &origin, user, &form.password).await {
        Ok(enrolment) => Ok(json(
            StatusCode::CREATED,
            TotpEnrolment {
                secret: enrolment.secret,
                otpauth_uri: enrolment.otpauth_uri,
            },
        )),
        Err(error) => Err(ApiError::from_factor(&state, error)),
    }
}

#[derive(Deserialize)]
struct Code {
    code: String,
}

#[derive(Serialize)]
struct RecoveryCodes {
    recovery_codes: Vec<String>,
}

async fn post_totp_verify(
    State(state): State<AppState>,
    caller: Caller,
    RequestOrigin(origin): RequestOrigin,
    JsonBody(form): JsonBody<Code>,
) -> Result<Response, ApiError> {
    let user = caller.person()?;
    match second_factor::confirm_totp(&state, &origin, &user.id, &form.code).await {
        Ok(recovery_codes) => Ok(json(StatusCode::OK, RecoveryCodes { recovery_codes })),
        Err(error) => Err(ApiError::from_factor(&state, error)),
    }
}

#[derive(Deserialize)]
struct Password {
    password: String,
}

async fn post_totp_disable(
    State(state): State<AppState>,
    caller: Caller,
    RequestOrigin(origin): RequestOrigin,
    JsonBody(form): JsonBody<Password>,
) -> Result<Response, ApiError> {
    let user = caller.person()?;
    match second_factor::disable_totp(&state, &origin, user, &form.password).await {
        Ok(()) => Ok(no_content()),
        Err(error) => Err(ApiError::from_factor(&state, error)),
    }
}

#[derive(Serialize)]
struct SessionItem {
    id: String,
    ip: Option<String>,
    user_agent: Option<String>,
    amr: Vec<String>,
    created_at: i64,
    last_seen_at: Option<i64>,
    expires_at: i64,
}

#[derive(Serialize)]
struct SessionList {
    sessions: Vec<SessionItem>,
}

async fn get_sessions(State(state): State<AppState>, caller: Caller) -> Result<Response, ApiError> {
    let user = caller.person()?;
    let sessions = sessions::live_sessions(&state, &user.id).await?;
    Ok(json(StatusCode::OK, session_list(sessions)))
}

/// Live sessions as the API lists them.
pub(super) fn session_list(sessions: Vec<LoginSessionRecord>) -> impl Serialize {
    let sessions = sessions
        .into_iter()
        .map(|s| SessionItem {
            id: s.sid,
            ip: s.ip,
            user_agent: s.user_agent,
            amr: s.amr,
            created_at: s.created_at,
            last_seen_at: s.last_seen_at,
            expires_at: s.expires_at,
        })
        .collect();
    SessionList { sessions }
}

async fn delete_session(
    State(state): State<AppState>,
    caller: Caller,
    RequestOrigin(origin): RequestOrigin,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let user = caller.person()?;
    let Ok(id) = SessionId::parse(&id) else {
        return Err(ApiError::NotFound);
    };
    match sessions::end_session(&state, &origin, &user.id, &id).await? {
        true => Ok(no_content()),
        false => Err(ApiError::NotFound),
    }
}
