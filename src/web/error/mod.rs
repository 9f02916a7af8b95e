//! Every error becomes a response here, and only here.
//!
//! - [`OAuthError`] → RFC 6749 §5.2 JSON (`error`, `error_description`) with `Cache-Control:
//!   no-store`: 400, or 401 with `WWW-Authenticate` for `invalid_client`, or 413 for a body
//!   over the limit ([`oauth`]).
//! - [`BearerError`] → RFC 6750 §3.1: 401 with `WWW-Authenticate: Bearer`, 403 for
//!   `insufficient_scope`, 400 for `invalid_request` ([`oauth`]).
//! - [`DcrError`] → RFC 7591 §3.2.2 JSON ([`oauth`]).
//! - [`ApiError`] → the JSON API's `{"error", "error_description"}` with the status that says
//!   what happened ([`api`]).
//! - [`ScriptError`] → `{"error": message}` that a page's script shows as is ([`api`]).
//! - [`AuthorizeError`] → a page at the provider while the client or redirect URI is not
//!   trusted (RFC 6749 §4.1.2.1), otherwise the error response delivered to the client.
//! - [`PageError`] and [`LogoutError`] → an HTML page saying what happened, in plain words.
//!
//! An [`InternalError`] in any of them is logged here once, with its whole cause chain, and
//! answered with a bare 500 that says nothing more. A protocol error is never one.
//!
//! [`OAuthError`]: crate::oauth2::OAuthError
//! [`BearerError`]: crate::oidc::userinfo::BearerError
//! [`DcrError`]: crate::oauth2::dcr::DcrError

mod api;
mod oauth;

use std::any::Any;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

use super::pages;
use crate::error::{Chain, InternalError};
use crate::oauth2::authorize::AuthorizeError;
use crate::oidc::logout::LogoutError;

pub use api::{ApiError, ScriptError};

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
    /// Too many requests of this kind from this network (sign-ups, reset links): 429 with
    /// `Retry-After`, the seconds until the limit lets it through.
    #[error("too many requests from this network")]
    TooMany(i64),
    /// Too many requests of this kind from everyone at once: 503 with `Retry-After`.
    #[error("too many requests at once")]
    Overloaded(i64),
    /// Ours: logged with its cause, answered with a 500 page that says nothing more.
    #[error(transparent)]
    Internal(#[from] InternalError),
}

impl From<crate::store::StoreError> for PageError {
    fn from(error: crate::store::StoreError) -> Self {
        PageError::Internal(error.into())
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
            PageError::TooMany(seconds) => waiting(
                StatusCode::TOO_MANY_REQUESTS,
                "Too many requests from your network",
                seconds,
            ),
            PageError::Overloaded(seconds) => waiting(
                StatusCode::SERVICE_UNAVAILABLE,
                "We are very busy just now",
                seconds,
            ),
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
            PageError::Internal(error) => internal_page(&error),
        }
    }
}

impl From<crate::accounts::password::PasswordError> for PageError {
    fn from(error: crate::accounts::password::PasswordError) -> Self {
        match error {
            crate::accounts::password::PasswordError::Busy => PageError::Busy,
            other => PageError::Internal(InternalError::Password(other)),
        }
    }
}

impl From<crate::accounts::sign_in::SignInError> for PageError {
    fn from(error: crate::accounts::sign_in::SignInError) -> Self {
        match error {
            crate::accounts::sign_in::SignInError::Password(error) => error.into(),
            crate::accounts::sign_in::SignInError::Store(error) => error.into(),
        }
    }
}

/// A page saying that nothing was done and when to try again, with `Retry-After`.
fn waiting(status: StatusCode, title: &str, seconds: i64) -> Response {
    let seconds = seconds.max(1);
    let again = crate::accounts::throttle::Locked { until: seconds }.try_again(0);
    let message = format!("{} {again}", crate::i18n::translate("Nothing was done."));
    let mut response = pages::message(status, title, &message, None);
    if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

/// Logs an internal error once, with every cause, where it becomes a 500.
fn log_internal(error: &InternalError) {
    tracing::error!(error = %Chain(error), "internal error");
}

/// Put on a response answered 503 because the database could not serve it, with the cause;
/// the server (`web::serve`) hands it to the store, which logs an outage once.
#[derive(Clone, Debug)]
pub struct DatabaseUnavailable(pub std::sync::Arc<str>);

/// Seconds a client is asked to wait when the database is unavailable: about the time a
/// restarted database or a fail-over takes, and what each request is bounded by anyway.
const UNAVAILABLE_RETRY_AFTER: &str = "5";

/// A 503 in place of a 500 for a database that cannot serve now: `Retry-After`, and the
/// marker that gets the outage logged once (not here, per request).
fn unavailable(mut response: Response, error: &InternalError) -> Response {
    *response.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
    response.headers_mut().insert(
        header::RETRY_AFTER,
        HeaderValue::from_static(UNAVAILABLE_RETRY_AFTER),
    );
    response
        .extensions_mut()
        .insert(DatabaseUnavailable(Chain(error).to_string().into()));
    response
}

fn internal_page(error: &InternalError) -> Response {
    if error.is_unavailable() {
        let page = pages::message(
            StatusCode::SERVICE_UNAVAILABLE,
            "Temporarily unavailable",
            "We cannot reach our records just now. Please try again in a few seconds.",
            None,
        );
        return unavailable(page, error);
    }
    log_internal(error);
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
            AuthorizeError::Held(held) => super::authorize::held_error(&held),
            AuthorizeError::Internal(error) => internal_page(&error),
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
            LogoutError::Store(error) => internal_page(&error.into()),
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

/// Outside the page routes, so in the language of `Accept-Language` alone.
pub async fn not_found(headers: axum::http::HeaderMap) -> Response {
    let accept = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok());
    let lang = crate::i18n::Lang::negotiate(None, accept);
    crate::i18n::scope(lang, async {
        pages::message(
            StatusCode::NOT_FOUND,
            "Page not found",
            "There is nothing at this address.",
            Some(("/account", "Go to your account")),
        )
    })
    .await
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

    /// A database that cannot serve is 503 with `Retry-After` in every family of errors,
    /// marked for the once-per-outage log; any other internal error stays a 500.
    #[test]
    fn an_unavailable_database_is_503_with_retry_after_on_pages_apis_and_oauth() {
        let unavailable = || {
            InternalError::Store(crate::store::StoreError::Database(
                sqlx::Error::PoolTimedOut,
            ))
        };
        let responses = [
            PageError::Internal(unavailable()).into_response(),
            ApiError::Internal(unavailable()).into_response(),
            crate::oauth2::OAuthError::Internal(unavailable()).into_response(),
        ];
        for response in responses {
            assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
            assert_eq!(response.headers()[header::RETRY_AFTER], "5");
            assert!(response.extensions().get::<DatabaseUnavailable>().is_some());
        }
        let other = PageError::Internal(InternalError::Random).into_response();
        assert_eq!(other.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(other.extensions().get::<DatabaseUnavailable>().is_none());
    }

    #[test]
    fn descriptions_carry_only_the_characters_rfc_6749_allows() {
        assert_eq!(
            description_text("a \"quoted\" \\ thing\n"),
            "a ?quoted? ? thing?"
        );
    }
}
