//! The protocol error of every OAuth endpoint: an RFC 6749 §5.2 error code with a
//! description, or an internal failure that the web layer logs and hides.

use std::borrow::Cow;
use std::fmt;

use crate::error::InternalError;
use crate::keys::KeyError;
use crate::store::StoreError;

/// RFC 6749 §5.2, RFC 7009 §2.2.1, RFC 6750 §3.1 and RFC 8628 §3.5 error codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorCode {
    InvalidRequest,
    /// Client authentication failed: always HTTP 401 with `WWW-Authenticate`.
    InvalidClient,
    InvalidGrant,
    UnauthorizedClient,
    UnsupportedGrantType,
    InvalidScope,
    UnsupportedTokenType,
    /// The request body is over the size limit: HTTP 413 with an `invalid_request` body.
    RequestTooLarge,
    /// The client is over its request rate: HTTP 429 with `Retry-After`.
    TooManyRequests,
    /// RFC 8628 §3.5: the person has not decided yet; poll again after the interval.
    AuthorizationPending,
    /// RFC 8628 §3.5: polled too soon; the interval is now 5 seconds longer.
    SlowDown,
    /// RFC 8628 §3.5: the person denied the request.
    AccessDenied,
    /// RFC 8628 §3.5: the device code expired; the device must start again.
    ExpiredToken,
    /// RFC 8707 §2: the `resource` is unknown, not allowed for the client, or does not go
    /// with the scopes asked for (HTTP 400).
    InvalidTarget,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidRequest | ErrorCode::RequestTooLarge => "invalid_request",
            ErrorCode::InvalidClient => "invalid_client",
            ErrorCode::InvalidGrant => "invalid_grant",
            ErrorCode::UnauthorizedClient => "unauthorized_client",
            ErrorCode::UnsupportedGrantType => "unsupported_grant_type",
            ErrorCode::InvalidScope => "invalid_scope",
            ErrorCode::UnsupportedTokenType => "unsupported_token_type",
            // The registered code closest in meaning (RFC 6749 §4.1.2.1); the status says
            // the rest.
            ErrorCode::TooManyRequests => "temporarily_unavailable",
            ErrorCode::AuthorizationPending => "authorization_pending",
            ErrorCode::SlowDown => "slow_down",
            ErrorCode::AccessDenied => "access_denied",
            ErrorCode::ExpiredToken => "expired_token",
            ErrorCode::InvalidTarget => "invalid_target",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum OAuthError {
    /// The client's fault: answered with the code and description.
    #[error("{code}: {description}")]
    Protocol {
        code: ErrorCode,
        description: Cow<'static, str>,
    },
    /// Ours: logged with its cause, answered with a bare `server_error`.
    #[error(transparent)]
    Internal(#[from] InternalError),
}

impl OAuthError {
    pub fn new(code: ErrorCode, description: impl Into<Cow<'static, str>>) -> Self {
        OAuthError::Protocol {
            code,
            description: description.into(),
        }
    }

    pub fn invalid_request(description: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorCode::InvalidRequest, description)
    }

    pub fn invalid_client(description: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorCode::InvalidClient, description)
    }

    pub fn invalid_scope(description: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorCode::InvalidScope, description)
    }

    pub fn unauthorized_client(description: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorCode::UnauthorizedClient, description)
    }

    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            OAuthError::Protocol { code, .. } => Some(*code),
            OAuthError::Internal(_) => None,
        }
    }
}

impl From<StoreError> for OAuthError {
    fn from(error: StoreError) -> Self {
        OAuthError::Internal(error.into())
    }
}

impl From<KeyError> for OAuthError {
    fn from(error: KeyError) -> Self {
        OAuthError::Internal(error.into())
    }
}
