//! The UserInfo endpoint: `GET` or `POST` with the access token in the `Authorization:
//! Bearer` header (RFC 6750 §2.1), or in a form body's `access_token` (§2.2).

use axum::extract::{FromRequest, Request, State};
use axum::http::{Method, header};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};

use super::error::no_store;
use super::extract::{is_form, read_form};
use crate::oauth2::params::Params;
use crate::oidc::discovery::paths;
use crate::oidc::userinfo::{self, BearerError};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route(paths::USERINFO, get(get_userinfo).post(post_userinfo))
}

/// The access token of a request, from exactly one place.
pub struct BearerToken(String);

/// The token of an `Authorization: Bearer` header value (RFC 6750 §2.1).
pub fn bearer_from_header(value: &str) -> Result<String, BearerError> {
    let (scheme, token) = value
        .trim()
        .split_once(' ')
        .ok_or(BearerError::InvalidRequest(
            "malformed Authorization header",
        ))?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(BearerError::Missing);
    }
    let token = token.trim();
    // RFC 6750 §2.1 b64token syntax.
    let valid = !token.is_empty()
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~+/=".contains(&b));
    match valid {
        true => Ok(token.to_string()),
        false => Err(BearerError::InvalidToken("the access token is malformed")),
    }
}

impl<S: Send + Sync> FromRequest<S> for BearerToken {
    type Rejection = BearerError;

    async fn from_request(request: Request, _state: &S) -> Result<Self, Self::Rejection> {
        let in_header = match request.headers().get(header::AUTHORIZATION) {
            None => None,
            Some(value) => Some(bearer_from_header(value.to_str().map_err(|_| {
                BearerError::InvalidRequest("malformed Authorization header")
            })?)?),
        };
        // RFC 6750 §2.2: the form body is for POST only.
        let in_body = match request.method() == Method::POST && is_form(request.headers()) {
            false => None,
            true => {
                let body = read_form(request).await.map_err(|_| {
                    BearerError::InvalidRequest("the body is too large or unreadable")
                })?;
                let params = Params::parse(&body)
                    .map_err(|_| BearerError::InvalidRequest("a parameter is repeated"))?;
                params.get("access_token").map(str::to_string)
            }
        };
        match (in_header, in_body) {
            // RFC 6750 §2: a client MUST NOT use more than one method.
            (Some(_), Some(_)) => Err(BearerError::InvalidRequest(
                "the access token was sent in more than one way",
            )),
            (Some(token), None) | (None, Some(token)) => Ok(BearerToken(token)),
            (None, None) => Err(BearerError::Missing),
        }
    }
}

async fn get_userinfo(
    State(state): State<AppState>,
    BearerToken(token): BearerToken,
) -> Result<impl IntoResponse, BearerError> {
    let claims = userinfo::userinfo(&state, &token).await?;
    Ok((no_store(), Json(claims)))
}

async fn post_userinfo(
    state: State<AppState>,
    token: BearerToken,
) -> Result<impl IntoResponse, BearerError> {
    get_userinfo(state, token).await
}
