//! Every error becomes a response here, and only here.
//!
//! - [`OAuthError`] → RFC 6749 §5.2 JSON (`error`, `error_description`) with `Cache-Control:
//!   no-store`: 400, or 401 with `WWW-Authenticate` for `invalid_client`, or 413 for a body
//!   over the limit. An internal error is logged once with its cause and answered with a bare
//!   `server_error` 500 that says nothing more.
//! - [`AuthorizeError`] → a page at the provider while the client or redirect URI is not
//!   trusted (RFC 6749 §4.1.2.1), otherwise the error response delivered to the client.
//! - [`BearerError`] → RFC 6750 §3.1: 401 with `WWW-Authenticate: Bearer`, 403 for
//!   `insufficient_scope`, 400 for `invalid_request`.
//! - [`PageError`] and [`LogoutError`] → an HTML page saying what happened, in plain words.

use std::any::Any;

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Serialize;

use super::pages;
use crate::oauth2::authorize::AuthorizeError;
use crate::oauth2::{ErrorCode, OAuthError};
use crate::oidc::logout::LogoutError;
use crate::oidc::userinfo::BearerError;

/// What can go wrong on a page.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    /// A form without the session's CSRF token: 403.
    #[error("the form's CSRF token is missing or wrong")]
    Csrf,
    /// A request no page can make sense of: 400 with the reason.
    #[error("{0}")]
    BadRequest(&'static str),
    /// A page for signed-in people, asked for by someone who is not: 303 to the login page.
    #[error("not signed in")]
    SignInFirst,
    /// Signed in, but without the right to see this (the console without the admin role):
    /// 403 with the reason.
    #[error("{0}")]
    Forbidden(&'static str),
    /// Nothing here by that name: 404.
    #[error("not found")]
    NotFound,
    /// Too many sign-ins waiting for a password check: 503, try again shortly.
    #[error("too busy")]
    Busy,
    /// Ours: logged, answered with a 500 page that says nothing more.
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<crate::store::StoreError> for PageError {
    fn from(error: crate::store::StoreError) -> Self {
        PageError::Internal(error.to_string())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        match self {
            PageError::Csrf => pages::message(
                StatusCode::FORBIDDEN,
                "This form has expired",
                "For your safety, forms can only be sent from the page we gave you. Go back, reload the page and try again.",
                None,
            ),
            PageError::BadRequest(why) => pages::message(
                StatusCode::BAD_REQUEST,
                "Something is wrong with this request",
                why,
                None,
            ),
            PageError::Busy => {
                let mut response = pages::message(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "Too many sign-ins at once",
                    "We could not check your password just now. Please try again in a few seconds.",
                    None,
                );
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
                response
            }
            PageError::Forbidden(why) => pages::message(
                StatusCode::FORBIDDEN,
                "You cannot open this page",
                why,
                Some(("/account", "Go to your account")),
            ),
            PageError::NotFound => pages::message(
                StatusCode::NOT_FOUND,
                "Not found",
                "There is nothing here by that name. It may have been deleted.",
                None,
            ),
            PageError::SignInFirst => Redirect::to("/login").into_response(),
            PageError::Internal(cause) => internal_page(&cause),
        }
    }
}

impl From<crate::accounts::password::PasswordError> for PageError {
    fn from(error: crate::accounts::password::PasswordError) -> Self {
        match error {
            crate::accounts::password::PasswordError::Busy => PageError::Busy,
            other => PageError::Internal(other.to_string()),
        }
    }
}

fn internal_page(cause: &str) -> Response {
    tracing::error!(%cause, "internal error");
    pages::message(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Something went wrong on our side",
        "Please try again in a moment.",
        None,
    )
}

/// A page problem met while answering an authorization request (the browser session).
impl From<PageError> for AuthorizeError {
    fn from(error: PageError) -> Self {
        match error {
            PageError::Internal(cause) => AuthorizeError::Internal(cause),
            other => AuthorizeError::Page(other.to_string().into()),
        }
    }
}

impl IntoResponse for AuthorizeError {
    fn into_response(self) -> Response {
        match self {
            AuthorizeError::Page(why) => pages::message(
                StatusCode::BAD_REQUEST,
                "We cannot sign you in to this application",
                &why,
                None,
            ),
            AuthorizeError::Redirect(response) => super::authorize::deliver(&response),
            AuthorizeError::Internal(cause) => internal_page(&cause),
        }
    }
}

impl IntoResponse for LogoutError {
    fn into_response(self) -> Response {
        match self {
            LogoutError::Invalid(why) => pages::message(
                StatusCode::BAD_REQUEST,
                "We cannot process this sign-out request",
                why,
                None,
            ),
            LogoutError::Store(error) => internal_page(&error.to_string()),
        }
    }
}

impl IntoResponse for BearerError {
    fn into_response(self) -> Response {
        let (status, code) = match &self {
            BearerError::Missing => (StatusCode::UNAUTHORIZED, None),
            BearerError::InvalidRequest(_) => (StatusCode::BAD_REQUEST, Some("invalid_request")),
            BearerError::InvalidToken(_) => (StatusCode::UNAUTHORIZED, Some("invalid_token")),
            BearerError::InsufficientScope(_) => {
                (StatusCode::FORBIDDEN, Some("insufficient_scope"))
            }
            BearerError::Internal(cause) => {
                return OAuthError::Internal(cause.clone()).into_response();
            }
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
                    "Bearer realm=\"farm-auth\", error=\"{error}\", error_description=\"{description}\""
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

pub async fn not_found() -> Response {
    pages::message(
        StatusCode::NOT_FOUND,
        "Page not found",
        "There is nothing at this address.",
        Some(("/account", "Go to your account")),
    )
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
