//! The OAuth endpoints' errors: RFC 6749 §5.2 JSON for the token, revocation,
//! introspection and device endpoints, RFC 6750 §3.1 for bearer tokens, RFC 7591 §3.2.2 for
//! registration.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::{description_text, log_internal, no_store, unavailable};
use crate::error::InternalError;
use crate::oauth2::dcr::DcrError;
use crate::oauth2::{ErrorCode, OAuthError};
use crate::oidc::userinfo::BearerError;
use crate::web::registration::MAX_BODY_BYTES;

impl IntoResponse for BearerError {
    fn into_response(self) -> Response {
        let (status, code) = match &self {
            BearerError::Missing => (StatusCode::UNAUTHORIZED, None),
            BearerError::InvalidRequest(_) => (StatusCode::BAD_REQUEST, Some("invalid_request")),
            BearerError::InvalidToken(_) => (StatusCode::UNAUTHORIZED, Some("invalid_token")),
            BearerError::InsufficientScope(_) => {
                (StatusCode::FORBIDDEN, Some("insufficient_scope"))
            }
            BearerError::InsufficientUserAuthentication { .. } => (
                StatusCode::UNAUTHORIZED,
                Some("insufficient_user_authentication"),
            ),
            BearerError::Internal(error) => return internal_json(error),
        };
        // RFC 9470 §3: the challenge may say how recent a sign-in would do.
        let max_age = match &self {
            BearerError::InsufficientUserAuthentication {
                max_age: Some(age), ..
            } => format!(", max_age=\"{age}\""),
            _ => String::new(),
        };
        // RFC 6750 §3: the challenge names the error; §3.1: neither the challenge nor a
        // body names one when no token was sent. The description is already limited to
        // characters that need no escaping inside the quotes.
        let description = description_text(&self.to_string());
        let (challenge, mut response) = match code {
            None => (
                "Bearer realm=\"farm-auth\"".to_string(),
                (status, no_store()).into_response(),
            ),
            Some(error) => (
                format!(
                    "Bearer realm=\"farm-auth\", error=\"{error}\", error_description=\"{description}\"{max_age}"
                ),
                (
                    status,
                    no_store(),
                    Json(ErrorBody {
                        error,
                        error_description: Some(description),
                    }),
                )
                    .into_response(),
            ),
        };
        if let Ok(value) = HeaderValue::from_str(&challenge) {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, value);
        }
        response
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        match self {
            OAuthError::Protocol { code, description } => {
                let status = match code {
                    ErrorCode::InvalidClient => StatusCode::UNAUTHORIZED,
                    ErrorCode::RequestTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
                    ErrorCode::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
                    _ => StatusCode::BAD_REQUEST,
                };
                let body = ErrorBody {
                    error: code.as_str(),
                    error_description: Some(description_text(&description)),
                };
                let mut response = (status, no_store(), Json(body)).into_response();
                if code == ErrorCode::TooManyRequests {
                    // The window is a minute long: by then the client may try again.
                    let wait = crate::oauth2::rate_limit::WINDOW_SECS.to_string();
                    if let Ok(value) = HeaderValue::from_str(&wait) {
                        response.headers_mut().insert(header::RETRY_AFTER, value);
                    }
                }
                if code == ErrorCode::InvalidClient {
                    // RFC 6749 §5.2: 401 with the scheme the client can authenticate with.
                    response.headers_mut().insert(
                        header::WWW_AUTHENTICATE,
                        HeaderValue::from_static("Basic realm=\"farm-auth\""),
                    );
                }
                response
            }
            OAuthError::Internal(error) => internal_json(&error),
        }
    }
}

impl IntoResponse for DcrError {
    fn into_response(self) -> Response {
        match self {
            DcrError::Bearer(error) => error.into_response(),
            DcrError::Metadata(error, description) => {
                let body = ErrorBody {
                    error,
                    error_description: Some(description),
                };
                (StatusCode::BAD_REQUEST, no_store(), Json(body)).into_response()
            }
            DcrError::TooLarge => {
                let body = ErrorBody {
                    error: "invalid_request",
                    error_description: Some(format!("the body is over {MAX_BODY_BYTES} bytes")),
                };
                (StatusCode::PAYLOAD_TOO_LARGE, no_store(), Json(body)).into_response()
            }
        }
    }
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    error_description: Option<String>,
}

/// RFC 6749 §5.2 `server_error`: logged with its cause, the body says nothing more.
/// A database that cannot serve now is RFC 6749 §4.1.2.1's `temporarily_unavailable`
/// instead: 503 with `Retry-After`.
pub(super) fn internal_json(error: &InternalError) -> Response {
    if error.is_unavailable() {
        let body = ErrorBody {
            error: "temporarily_unavailable",
            error_description: Some(
                "the service is temporarily unavailable; try again shortly".into(),
            ),
        };
        let response = (StatusCode::SERVICE_UNAVAILABLE, no_store(), Json(body)).into_response();
        return unavailable(response, error);
    }
    log_internal(error);
    let body = ErrorBody {
        error: "server_error",
        error_description: None,
    };
    (StatusCode::INTERNAL_SERVER_ERROR, no_store(), Json(body)).into_response()
}
