//! The token, device authorization, introspection and revocation endpoints: parse the form, call the protocol,
//! render JSON that is never cached.

use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::post;
use axum::{Json, Router};

use super::error::no_store;
use super::extract::{OAuthRequest, RequestOrigin};
use crate::accounts::throttle::address_of;
use crate::oauth2::{OAuthError, device, introspect, revoke, token};
use crate::oidc::discovery::paths;
use crate::state::AppState;

/// The token and revocation endpoints also answer single-page apps' scripts
/// ([`super::cors`]); device authorization and introspection are for devices and resource
/// servers, not pages.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(paths::TOKEN, post(post_token))
        .route(paths::REVOKE, post(post_revoke))
        .route(paths::DEVICE_AUTHORIZATION, post(post_device_authorization))
        .route(paths::INTROSPECT, post(post_introspect))
}

async fn post_token(
    State(state): State<AppState>,
    RequestOrigin(origin): RequestOrigin,
    request: OAuthRequest,
) -> Result<impl IntoResponse, OAuthError> {
    let address = address_of(&origin);
    let authorization = request.authorization.as_deref();
    let response = token::exchange(&state, authorization, &request.params, &address).await?;
    Ok((no_store(), Json(response)))
}

/// RFC 8628 §3.1; §3.2: the answer is never cached.
async fn post_device_authorization(
    State(state): State<AppState>,
    RequestOrigin(origin): RequestOrigin,
    request: OAuthRequest,
) -> Result<impl IntoResponse, OAuthError> {
    let authorization = request.authorization.as_deref();
    let response = device::start(&state, authorization, &request.params, &origin).await?;
    Ok((no_store(), Json(response)))
}

async fn post_introspect(
    State(state): State<AppState>,
    request: OAuthRequest,
) -> Result<impl IntoResponse, OAuthError> {
    let response =
        introspect::introspect(&state, request.authorization.as_deref(), &request.params).await?;
    Ok((no_store(), Json(response)))
}

async fn post_revoke(
    State(state): State<AppState>,
    RequestOrigin(origin): RequestOrigin,
    request: OAuthRequest,
) -> Result<impl IntoResponse, OAuthError> {
    let address = address_of(&origin);
    let authorization = request.authorization.as_deref();
    revoke::revoke(&state, authorization, &request.params, &address).await?;
    Ok(no_store())
}
