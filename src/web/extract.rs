//! Extractors: how a handler states what it needs from a request.

use axum::body::to_bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header;

use crate::oauth2::params::Params;
use crate::oauth2::{ErrorCode, OAuthError};

/// The largest body an OAuth endpoint reads; bigger requests get 413 without being read.
pub const MAX_FORM_BYTES: usize = 16 * 1024;

/// A POST to an OAuth endpoint: `application/x-www-form-urlencoded` parameters (RFC 6749
/// §3.2) and the raw `Authorization` header, for client authentication.
pub struct OAuthRequest {
    pub params: Params,
    pub authorization: Option<String>,
}

impl<S: Send + Sync> FromRequest<S> for OAuthRequest {
    type Rejection = OAuthError;

    async fn from_request(request: Request, _state: &S) -> Result<Self, Self::Rejection> {
        let headers = request.headers();
        let is_form = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|v| {
                v.trim()
                    .eq_ignore_ascii_case("application/x-www-form-urlencoded")
            });
        if !is_form {
            return Err(OAuthError::invalid_request(
                "the body must be application/x-www-form-urlencoded",
            ));
        }
        let authorization = match headers.get(header::AUTHORIZATION) {
            None => None,
            Some(value) => Some(
                value
                    .to_str()
                    .map_err(|_| OAuthError::invalid_client("malformed Authorization header"))?
                    .to_string(),
            ),
        };
        let too_large =
            || OAuthError::new(ErrorCode::RequestTooLarge, "the request body is too large");
        let declared = headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|len| len > MAX_FORM_BYTES as u64) {
            return Err(too_large());
        }
        let body = to_bytes(request.into_body(), MAX_FORM_BYTES)
            .await
            .map_err(|error| {
                let over_limit = std::error::Error::source(&error)
                    .is_some_and(|cause| cause.is::<http_body_util::LengthLimitError>());
                match over_limit {
                    true => too_large(),
                    false => OAuthError::invalid_request("the request body could not be read"),
                }
            })?;
        let params = Params::parse(&body)?;
        Ok(OAuthRequest {
            params,
            authorization,
        })
    }
}
