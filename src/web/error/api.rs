//! The JSON errors of farm-auth's own APIs: the account and admin API under `/api/v1/`
//! (`{"error", "error_description"}` with the status that says what happened) and the
//! passkey ceremonies' refusals that `static/passkeys.js` shows as they are.

use crate::accounts::farm_invitations::InvitationError;
use crate::accounts::farms::FarmError;
use std::borrow::Cow;

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::json;

use super::{PageError, log_internal, no_store, unavailable};
use crate::accounts::admin::AdminError;
use crate::accounts::passkeys::PasskeyError;
use crate::accounts::password::PasswordError;
use crate::accounts::second_factor::FactorError;
use crate::accounts::throttle::Locked;
use crate::accounts::upstream::UpstreamConfigError;
use crate::error::InternalError;
use crate::events::endpoints::EndpointError;
use crate::keys::KeyError;
use crate::oauth2::api_admin::ApiAdminError;
use crate::oauth2::client_metadata::RegistrationError;
use crate::oauth2::initial_access::IssueError;
use crate::oidc::userinfo::BearerError;
use crate::state::AppState;
use crate::store::StoreError;

/// What can go wrong in the API, each with the status it becomes.
#[derive(Debug)]
pub enum ApiError {
    /// The access token: RFC 6750 §3.1 (401, 403 `insufficient_scope`, 400).
    Bearer(BearerError),
    /// 400 with a machine-readable code.
    Invalid(&'static str, String),
    /// 403: the token is fine, the person may not do this (the admin API without the role).
    Forbidden(&'static str),
    /// 404: nothing of the caller's by that id.
    NotFound,
    /// 409: taken already, or enabled already.
    Conflict(&'static str, String),
    /// 413: a body over the limit.
    TooLarge,
    /// 429 with `Retry-After`: too many failures.
    Locked(Locked, i64),
    /// 503 with `Retry-After`: the password hashers are saturated.
    Busy,
    /// Ours: logged with its cause, answered 500 without details.
    Internal(InternalError),
}

impl ApiError {
    /// The answer to a refused password or code.
    pub fn from_factor(state: &AppState, error: FactorError) -> ApiError {
        match error {
            FactorError::WrongPassword => {
                ApiError::Invalid("invalid_password", "the password is wrong".into())
            }
            FactorError::WrongCode => ApiError::Invalid("invalid_code", "the code is wrong".into()),
            FactorError::Locked(lock) => ApiError::Locked(lock, state.clock.now()),
            FactorError::NotEnrolled => ApiError::Conflict(
                "totp_not_enabled",
                "no authenticator app is being set up or enabled".into(),
            ),
            FactorError::AlreadyEnabled => ApiError::Conflict(
                "totp_already_enabled",
                "an authenticator app is already enabled".into(),
            ),
            // Only a browser's session can stand for a password; the API never gets here.
            FactorError::SignInAgain | FactorError::ResetRequired => {
                ApiError::Invalid("invalid_password", "the password is wrong".into())
            }
            FactorError::Password(error) => error.into(),
            FactorError::Store(error) => error.into(),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        ApiError::Internal(error.into())
    }
}

impl From<InternalError> for ApiError {
    fn from(error: InternalError) -> Self {
        ApiError::Internal(error)
    }
}

impl From<BearerError> for ApiError {
    fn from(error: BearerError) -> Self {
        ApiError::Bearer(error)
    }
}

impl From<PasswordError> for ApiError {
    fn from(error: PasswordError) -> Self {
        match error {
            PasswordError::Busy => ApiError::Busy,
            other => ApiError::Internal(InternalError::Password(other)),
        }
    }
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
    error_description: &'a str,
}

fn error_json(status: StatusCode, error: &str, description: &str) -> Response {
    let body = ErrorBody {
        error,
        error_description: description,
    };
    (status, no_store(), Json(body)).into_response()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            ApiError::Bearer(error) => error.into_response(),
            ApiError::Invalid(code, why) => error_json(StatusCode::BAD_REQUEST, code, &why),
            ApiError::NotFound => error_json(StatusCode::NOT_FOUND, "not_found", "no such item"),
            ApiError::Forbidden(why) => error_json(StatusCode::FORBIDDEN, "forbidden", why),
            ApiError::TooLarge => error_json(
                StatusCode::PAYLOAD_TOO_LARGE,
                "invalid_request",
                "the body is over 16384 bytes",
            ),
            ApiError::Conflict(code, why) => error_json(StatusCode::CONFLICT, code, &why),
            ApiError::Locked(lock, now) => {
                let wait = lock.retry_after(now);
                let mut response = error_json(
                    StatusCode::TOO_MANY_REQUESTS,
                    "too_many_attempts",
                    "too many failed attempts; try again later",
                );
                if let Ok(value) = HeaderValue::from_str(&wait.to_string()) {
                    response.headers_mut().insert(header::RETRY_AFTER, value);
                }
                response
            }
            ApiError::Busy => {
                let mut response = error_json(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "temporarily_unavailable",
                    "too many password checks at once; try again shortly",
                );
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
                response
            }
            ApiError::Internal(error) if error.is_unavailable() => {
                let response = error_json(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "temporarily_unavailable",
                    "the service is temporarily unavailable; try again shortly",
                );
                unavailable(response, &error)
            }
            ApiError::Internal(error) => {
                log_internal(&error);
                error_json(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "server_error",
                    "something went wrong on our side",
                )
            }
        }
    }
}

impl From<AdminError> for ApiError {
    fn from(error: AdminError) -> Self {
        match error {
            AdminError::NoSuchUser(_) => ApiError::NotFound,
            AdminError::Invalid(why) => ApiError::Invalid("invalid_request", why),
            AdminError::NotOnYourself(why) => ApiError::Conflict("not_on_yourself", why.into()),
            AdminError::Store(error) => error.into(),
        }
    }
}

impl From<FarmError> for ApiError {
    fn from(error: FarmError) -> Self {
        match error {
            // Another farm's id is answered like an unknown one.
            FarmError::NoSuchFarm
            | FarmError::NoSuchMember
            | FarmError::NoSuchInvitation
            | FarmError::NoSuchUser(_) => ApiError::NotFound,
            FarmError::Forbidden(why) => ApiError::Forbidden(why),
            FarmError::LastOwner => ApiError::Conflict("last_owner", error.to_string()),
            FarmError::AlreadyMember => ApiError::Conflict("already_member", error.to_string()),
            FarmError::WrongStatus(why) => ApiError::Conflict("wrong_status", why.into()),
            FarmError::Invalid(why) => ApiError::Invalid("invalid_request", why),
            // 429 with `Retry-After`: the lock's end, counted from now.
            FarmError::Throttled { retry_after } => {
                ApiError::Locked(Locked { until: retry_after }, 0)
            }
            FarmError::Store(error) => error.into(),
        }
    }
}

impl From<InvitationError> for ApiError {
    fn from(error: InvitationError) -> Self {
        match error {
            InvitationError::Invalid => ApiError::Invalid("invalid_invitation", error.to_string()),
            InvitationError::OtherAddress => {
                ApiError::Forbidden("this invitation was sent to another email address")
            }
            InvitationError::Unconfirmed => {
                ApiError::Forbidden("confirm your email address before accepting")
            }
            InvitationError::AlreadyMember => {
                ApiError::Conflict("already_member", error.to_string())
            }
            InvitationError::Store(error) => error.into(),
        }
    }
}

impl From<ApiAdminError> for ApiError {
    fn from(error: ApiAdminError) -> Self {
        match error {
            ApiAdminError::Invalid(why) => ApiError::Invalid("invalid_api", why),
            ApiAdminError::Taken(why) => ApiError::Conflict("api_taken", why.into()),
            ApiAdminError::NotFound => ApiError::NotFound,
            ApiAdminError::Store(e) => e.into(),
        }
    }
}

impl From<UpstreamConfigError> for ApiError {
    fn from(error: UpstreamConfigError) -> Self {
        match error {
            UpstreamConfigError::Invalid(why) => ApiError::Invalid("invalid_upstream", why),
            UpstreamConfigError::Taken(id) => ApiError::Conflict(
                "upstream_taken",
                format!("a provider with id '{id}' exists already"),
            ),
            UpstreamConfigError::NoSuchProvider(_) => ApiError::NotFound,
            UpstreamConfigError::Store(e) => e.into(),
        }
    }
}

impl From<EndpointError> for ApiError {
    fn from(error: EndpointError) -> Self {
        match error {
            EndpointError::Invalid(why) => ApiError::Invalid("invalid_webhook", why),
            EndpointError::TooMany => ApiError::Conflict("too_many_webhooks", error.to_string()),
            EndpointError::NotFound => ApiError::NotFound,
            EndpointError::Store(e) => e.into(),
        }
    }
}

impl From<RegistrationError> for ApiError {
    fn from(error: RegistrationError) -> Self {
        match error {
            RegistrationError::NotFound => ApiError::NotFound,
            RegistrationError::RedirectUri(why) => ApiError::Invalid("invalid_redirect_uri", why),
            RegistrationError::Metadata(why) => ApiError::Invalid("invalid_client_metadata", why),
            RegistrationError::Store(error) => error.into(),
        }
    }
}

impl From<IssueError> for ApiError {
    fn from(error: IssueError) -> Self {
        match error {
            IssueError::Invalid(why) => ApiError::Invalid("invalid_request", why),
            IssueError::Forbidden => ApiError::Forbidden(
                "only administrators, and owners and managers of a farm, can issue registration tokens",
            ),
            IssueError::NoSuchFarm => ApiError::NotFound,
            IssueError::FarmNotActive => ApiError::Conflict("farm_not_active", error.to_string()),
            IssueError::OverQuota(_) => ApiError::Conflict("quota_exceeded", error.to_string()),
            IssueError::Store(error) => error.into(),
        }
    }
}

impl From<KeyError> for ApiError {
    fn from(error: KeyError) -> Self {
        match error {
            KeyError::UnknownKid(_) => ApiError::NotFound,
            error => ApiError::Internal(error.into()),
        }
    }
}

/// A passkey ceremony request that was refused: `{"error": message}` with the status, which
/// the page's script shows as is. A page problem (a missing CSRF token, our own failure) is
/// answered as a page would answer it.
#[derive(Debug)]
pub enum ScriptError {
    Refused(StatusCode, Cow<'static, str>),
    Page(PageError),
}

impl ScriptError {
    pub fn refused(status: StatusCode, message: impl Into<Cow<'static, str>>) -> ScriptError {
        ScriptError::Refused(status, message.into())
    }
}

impl From<PageError> for ScriptError {
    fn from(error: PageError) -> Self {
        ScriptError::Page(error)
    }
}

impl From<StoreError> for ScriptError {
    fn from(error: StoreError) -> Self {
        ScriptError::Page(error.into())
    }
}

impl From<PasskeyError> for ScriptError {
    fn from(error: PasskeyError) -> Self {
        let refused = ScriptError::refused;
        match error {
            PasskeyError::Rejected => refused(
                StatusCode::BAD_REQUEST,
                "That passkey could not be verified. Try again.",
            ),
            PasskeyError::Invalid(why) => refused(StatusCode::BAD_REQUEST, why),
            PasskeyError::Confirm(FactorError::Locked(_)) => refused(
                StatusCode::TOO_MANY_REQUESTS,
                "Too many wrong passwords. Try again later.",
            ),
            PasskeyError::Confirm(FactorError::Store(error)) => error.into(),
            PasskeyError::Confirm(FactorError::Password(error)) => ScriptError::Page(error.into()),
            PasskeyError::Confirm(FactorError::SignInAgain) => refused(
                StatusCode::FORBIDDEN,
                crate::web::account::SIGN_IN_AGAIN_FIRST,
            ),
            PasskeyError::Confirm(FactorError::ResetRequired) => {
                refused(StatusCode::FORBIDDEN, crate::web::account::RESET_FIRST)
            }
            PasskeyError::Confirm(_) => refused(
                StatusCode::BAD_REQUEST,
                "Your current password is not right.",
            ),
            PasskeyError::Store(error) => error.into(),
        }
    }
}

impl IntoResponse for ScriptError {
    fn into_response(self) -> Response {
        match self {
            ScriptError::Refused(status, message) => {
                // The page's script shows it to the person: in their language.
                let message = crate::i18n::translate(&message);
                let mut response = (status, Json(json!({ "error": message }))).into_response();
                response
                    .headers_mut()
                    .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
                response
            }
            ScriptError::Page(error) => error.into_response(),
        }
    }
}
