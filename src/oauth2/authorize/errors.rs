//! Where an authorization error goes (RFC 6749 §4.1.2.1): a page at the provider, a redirect
//! to the client with `state` and `iss`, or a held response behind a link back (RFC 9700
//! §4.11.2).

use std::borrow::Cow;

use super::{AuthorizationRequest, AuthorizationResponse, ResponseMode};
use crate::error::InternalError;
use crate::oauth2::clients::Client;
use crate::state::AppState;
use crate::store::StoreError;

/// An error response for a vendor's app, kept at the provider because nobody is signed in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeldResponse {
    /// The app's name, for the link back to it.
    pub app: String,
    pub response: AuthorizationResponse,
}

#[derive(Debug)]
pub enum AuthorizeError {
    /// Shown at the provider: the client or redirect URI cannot be trusted.
    Page(Cow<'static, str>),
    /// Sent back to the client's redirect URI.
    Redirect(AuthorizationResponse),
    /// Shown at the provider with a link back to the app, which the person may follow: a
    /// vendor's app's error found before anyone signed in (RFC 9700 §4.11.2).
    Held(HeldResponse),
    /// Ours: logged with its cause, answered with a page that says nothing more.
    Internal(InternalError),
}

impl From<StoreError> for AuthorizeError {
    fn from(error: StoreError) -> Self {
        AuthorizeError::Internal(error.into())
    }
}

impl From<InternalError> for AuthorizeError {
    fn from(error: InternalError) -> Self {
        AuthorizeError::Internal(error)
    }
}

/// Where errors for a trusted client go, before the whole request is parsed.
pub(super) struct ErrorTarget<'a> {
    pub(super) issuer: &'a str,
    pub(super) redirect_uri: String,
    pub(super) mode: ResponseMode,
    pub(super) state: Option<String>,
    /// The app's name when its errors must be held at the provider ([`held_for`]).
    pub(super) hold_for: Option<String>,
}

impl ErrorTarget<'_> {
    pub(super) fn error(
        &self,
        code: &'static str,
        description: impl Into<String>,
    ) -> AuthorizeError {
        let response = error_response(
            self.issuer,
            &self.redirect_uri,
            self.mode,
            self.state.as_deref(),
            code,
            &description.into(),
        );
        hold_or_redirect(self.hold_for.clone(), response)
    }
}

/// RFC 9700 §4.11.2: the provider redirects by itself only to a URI it trusts. A vendor's
/// app's URIs are trusted once the person is known (someone is signed in in this browser);
/// before that its errors are held at the provider: `Some(app name)`. The platform's own
/// clients keep the RFC 6749 §4.1.2.1 redirect, which relying parties and the OpenID
/// conformance suite expect.
pub(super) fn held_for(client: &Client, person_known: bool) -> Option<String> {
    (client.is_vendor_app() && !person_known).then(|| client.name.clone())
}

pub(super) fn hold_or_redirect(
    hold_for: Option<String>,
    response: AuthorizationResponse,
) -> AuthorizeError {
    match hold_for {
        Some(app) => AuthorizeError::Held(HeldResponse { app, response }),
        None => AuthorizeError::Redirect(response),
    }
}

/// RFC 6749 §4.1.2.1 error response, with RFC 9207 `iss`.
pub(super) fn error_response(
    issuer: &str,
    redirect_uri: &str,
    mode: ResponseMode,
    state: Option<&str>,
    code: &'static str,
    description: &str,
) -> AuthorizationResponse {
    // RFC 6749 §4.1.2.1: error_description is limited to %x20-21 / %x23-5B / %x5D-7E.
    let description: String = description
        .chars()
        .take(200)
        .map(|c| match c {
            ' ' | '!' | '#'..='[' | ']'..='~' => c,
            _ => '?',
        })
        .collect();
    let mut params = vec![
        ("error", code.to_string()),
        ("error_description", description),
    ];
    if let Some(state) = state {
        params.push(("state", state.to_string()));
    }
    params.push(("iss", issuer.to_string()));
    AuthorizationResponse {
        redirect_uri: redirect_uri.to_string(),
        mode,
        params,
    }
}

/// An error response for a parsed request.
pub fn request_error(
    state: &AppState,
    request: &AuthorizationRequest,
    code: &'static str,
    description: &str,
) -> AuthorizeError {
    AuthorizeError::Redirect(error_response(
        &state.issuer,
        &request.redirect_uri,
        request.response_mode,
        request.state.as_deref(),
        code,
        description,
    ))
}
