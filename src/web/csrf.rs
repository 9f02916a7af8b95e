//! CSRF protection as extractors: a handler that changes anything takes [`CsrfForm`] (a page's
//! form) or [`CsrfScript`] (a page's script, the token in `X-CSRF-Token`), and cannot run
//! without the browser session's synchronizer token (OWASP's synchronizer-token pattern). A
//! new form cannot forget the check: without one of these it has no session to act on.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};

use super::error::{PageError, ScriptError};
use super::extract::PageForm;
use super::session::BrowserSession;
use crate::oauth2::params::Params;

/// The form field every page form carries the token in.
pub const FIELD: &str = "csrf_token";
/// The header a page's script sends the token in.
pub const HEADER: &str = "x-csrf-token";

/// A form posted from one of our pages, its CSRF token checked against the browser session
/// (403 otherwise, before anything is done).
pub struct CsrfForm {
    pub session: BrowserSession,
    pub form: Params,
}

impl<S: Send + Sync> FromRequest<S> for CsrfForm {
    type Rejection = PageError;

    async fn from_request(request: Request, state: &S) -> Result<Self, PageError> {
        let (mut parts, body) = request.into_parts();
        let session = BrowserSession::from_request_parts(&mut parts, state).await?;
        let PageForm(form) =
            PageForm::from_request(Request::from_parts(parts, body), state).await?;
        session.check_csrf(form.get(FIELD)).await?;
        Ok(CsrfForm { session, form })
    }
}

/// A request from one of our pages' scripts (a JSON body), its CSRF token checked from the
/// `X-CSRF-Token` header (403 otherwise, before the body is read).
pub struct CsrfScript {
    pub session: BrowserSession,
    pub body: Bytes,
}

impl<S: Send + Sync> FromRequest<S> for CsrfScript {
    type Rejection = ScriptError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ScriptError> {
        let (mut parts, body) = request.into_parts();
        let session = BrowserSession::from_request_parts(&mut parts, state).await?;
        let token = parts.headers.get(HEADER).and_then(|v| v.to_str().ok());
        session.check_csrf(token).await?;
        let body = Bytes::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(|_| PageError::BadRequest("The request body could not be read."))?;
        Ok(CsrfScript { session, body })
    }
}
