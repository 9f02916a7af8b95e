//! Every error becomes a response here, and only here.
//!
//! - [`OAuthError`] → RFC 6749 §5.2 JSON (`error`, `error_description`) with `Cache-Control:
//!   no-store`: 400, or 401 with `WWW-Authenticate` for `invalid_client`, or 413 for a body
//!   over the limit. An internal error is logged once with its cause and answered with a bare
//!   `server_error` 500 that says nothing more.

use std::any::Any;

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::oauth2::{ErrorCode, OAuthError};

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    error_description: Option<String>,
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        match self {
            OAuthError::Protocol { code, description } => {
                let status = match code {
                    ErrorCode::InvalidClient => StatusCode::UNAUTHORIZED,
                    ErrorCode::RequestTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
                    _ => StatusCode::BAD_REQUEST,
                };
                let body = ErrorBody {
                    error: code.as_str(),
                    error_description: Some(description_text(&description)),
                };
                let mut response = (status, no_store(), Json(body)).into_response();
                if code == ErrorCode::InvalidClient {
                    // RFC 6749 §5.2: 401 with the scheme the client can authenticate with.
                    response.headers_mut().insert(
                        header::WWW_AUTHENTICATE,
                        HeaderValue::from_static("Basic realm=\"farm-auth\""),
                    );
                }
                response
            }
            OAuthError::Internal(cause) => {
                tracing::error!(%cause, "internal error");
                let body = ErrorBody {
                    error: "server_error",
                    error_description: None,
                };
                (StatusCode::INTERNAL_SERVER_ERROR, no_store(), Json(body)).into_response()
            }
        }
    }
}

/// RFC 6749 §5.2: `error_description` is limited to %x20-21 / %x23-5B / %x5D-7E.
fn description_text(text: &str) -> String {
    text.chars()
        .take(200)
        .map(|c| {
            if c == ' ' || c == '!' || (('#'..='~').contains(&c) && c != '\\') {
                c
            } else {
                '?'
            }
        })
        .collect()
}

/// RFC 6749 §5.1: responses carrying tokens or credentials must not be cached.
pub fn no_store() -> [(header::HeaderName, HeaderValue); 2] {
    [
        (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        (header::PRAGMA, HeaderValue::from_static("no-cache")),
    ]
}

pub async fn not_found() -> impl IntoResponse {
    (StatusCode::NOT_FOUND, "not found\n")
}

/// A panic in a handler is a bug: log it, answer 500, reveal nothing.
pub fn panic_response(payload: Box<dyn Any + Send + 'static>) -> Response {
    let message = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    tracing::error!(panic = %message, "handler panicked");
    (StatusCode::INTERNAL_SERVER_ERROR, "internal server error\n").into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_carry_only_the_characters_rfc_6749_allows() {
        assert_eq!(
            description_text("a \"quoted\" \\ thing\n"),
            "a ?quoted? ? thing?"
        );
    }
}
