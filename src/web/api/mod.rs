//! The JSON account API under `/api/v1/`, for the platform's own apps: sign-up, password
//! reset, password change, the authenticator app and sessions. Callers present a farm-auth
//! access token with the `account` scope: an app's own token (client credentials) for
//! sign-up and resets, a person's token (authorization code flow) for the rest. There is no
//! password grant (RFC 9700 §2.4): apps sign people in through the browser.
//!
//! Described by an OpenAPI 3.1 document at `/api/v1/openapi.json` (`docs/openapi.json`).
//! Errors are JSON `{"error", "error_description"}` with the status that says what
//! happened; token failures follow RFC 6750 §3.1 like UserInfo.

mod account;
mod admin;

use axum::Json;
use axum::Router;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::error::no_store;
use crate::accounts::second_factor::FactorError;
use crate::accounts::throttle::Locked;
use crate::oauth2::access_token::{self, AccessTokenClaims};
use crate::oidc::userinfo::BearerError;
use crate::state::AppState;
use crate::store::StoreError;
use crate::store::users::UserRecord;

/// The scope an access token needs for this API.
pub const SCOPE: &str = "account";
/// The scope an access token needs for the admin API, besides a person with the admin role.
pub const ADMIN_SCOPE: &str = "admin";
/// The largest JSON body read.
const MAX_BODY_BYTES: usize = 16 * 1024;

pub fn router() -> Router<AppState> {
    account::router()
        .merge(admin::router())
        .route("/api/v1/openapi.json", axum::routing::get(get_openapi))
}

async fn get_openapi() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../../docs/openapi.json"),
    )
}

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
    /// Ours: logged, answered 500 without details.
    Internal(String),
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
            FactorError::Password(error) => error.into(),
            FactorError::Store(error) => error.into(),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        ApiError::Internal(error.to_string())
    }
}

impl From<BearerError> for ApiError {
    fn from(error: BearerError) -> Self {
        ApiError::Bearer(error)
    }
}

impl From<crate::accounts::password::PasswordError> for ApiError {
    fn from(error: crate::accounts::password::PasswordError) -> Self {
        match error {
            crate::accounts::password::PasswordError::Busy => ApiError::Busy,
            other => ApiError::Internal(other.to_string()),
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
            ApiError::Internal(cause) => {
                tracing::error!(%cause, "internal error in the account API");
                error_json(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "server_error",
                    "something went wrong on our side",
                )
            }
        }
    }
}

/// Who calls: an access token with the `account` scope, and the person it was issued for,
/// if any (a client-credentials token has none).
pub struct Caller {
    pub claims: AccessTokenClaims,
    pub person: Option<UserRecord>,
}

impl Caller {
    /// The person behind the token, for the `/me` endpoints.
    pub fn person(&self) -> Result<&UserRecord, ApiError> {
        self.person
            .as_ref()
            .ok_or(ApiError::Bearer(BearerError::InsufficientScope(
                "this needs a person's access token",
            )))
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        Caller::authenticate(parts, state, SCOPE).await
    }
}

impl Caller {
    /// The verified, unrevoked access token of the request, if it holds `scope`.
    async fn authenticate(
        parts: &Parts,
        state: &AppState,
        scope: &'static str,
    ) -> Result<Caller, ApiError> {
        let header = match parts.headers.get(header::AUTHORIZATION) {
            None => return Err(BearerError::Missing.into()),
            Some(value) => value
                .to_str()
                .map_err(|_| BearerError::InvalidRequest("malformed Authorization header"))?,
        };
        let token = super::userinfo::bearer_from_header(header)?;
        let invalid = BearerError::InvalidToken("the access token is invalid or expired");
        let Some(claims) = access_token::verify(state, &token) else {
            return Err(invalid.into());
        };
        let revoked = access_token::is_revoked_or_orphaned(state, &claims)
            .await
            .map_err(|e| ApiError::Internal(e.to_string()))?;
        if revoked {
            return Err(invalid.into());
        }
        let granted = claims.granted_scope();
        if !granted.contains(scope) {
            return Err(BearerError::InsufficientScope(match scope {
                ADMIN_SCOPE => "the access token lacks the admin scope",
                _ => "the access token lacks the account scope",
            })
            .into());
        }
        // RFC 9068 §2.2: a client's own token has the client as its subject.
        let person = match claims.sub == claims.client_id {
            true => None,
            false => match state.store.find_user_by_id(&claims.sub).await? {
                Some(user) => Some(user),
                None => return Err(invalid.into()),
            },
        };
        Ok(Caller { claims, person })
    }
}

/// An administrator calling the admin API: an access token with the `admin` scope, of a
/// person who holds the admin role now (read at every request, so taking the role away
/// takes effect at once) and whose account is not locked.
pub struct AdminCaller {
    pub admin: UserRecord,
    pub origin: crate::accounts::audit::Origin,
}

impl FromRequestParts<AppState> for AdminCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let caller = Caller::authenticate(parts, state, ADMIN_SCOPE).await?;
        let admin =
            caller
                .person
                .filter(UserRecord::is_active_admin)
                .ok_or(ApiError::Forbidden(
                    "the admin API is for administrators only",
                ))?;
        let Ok(super::extract::RequestOrigin(origin)) =
            super::extract::RequestOrigin::from_request_parts(parts, state).await;
        Ok(AdminCaller { admin, origin })
    }
}

/// A JSON request body: an object, at most [`MAX_BODY_BYTES`] (413 beyond, without
/// reading the rest).
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, _state: &S) -> Result<Self, ApiError> {
        let body = axum::body::to_bytes(request.into_body(), MAX_BODY_BYTES)
            .await
            .map_err(|_| ApiError::TooLarge)?;
        let value: serde_json::Value = serde_json::from_slice(&body)
            .map_err(|_| ApiError::Invalid("invalid_request", "the body is not JSON".into()))?;
        // serde reads a struct from an array too, field by field; the documented bodies are
        // objects, and nothing else is taken for one.
        if !value.is_object() {
            return Err(ApiError::Invalid(
                "invalid_request",
                "the body must be a JSON object".into(),
            ));
        }
        serde_json::from_value(value).map(JsonBody).map_err(|e| {
            ApiError::Invalid(
                "invalid_request",
                format!("the body is not the object expected: {e}"),
            )
        })
    }
}
