//! Provider metadata and the JWKS, served from bytes computed ahead of time (the metadata
//! whenever the registered APIs change).

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::IntoResponse;
use axum::routing::get;
use bytes::Bytes;

use crate::oidc::discovery::paths;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(paths::OPENID_CONFIGURATION, get(get_provider_metadata))
        .route(
            paths::OAUTH_AUTHORIZATION_SERVER,
            get(get_provider_metadata),
        )
        .route(paths::JWKS, get(get_jwks))
}

async fn get_provider_metadata(State(state): State<AppState>) -> impl IntoResponse {
    public_json(state.apis.current().discovery(), "public, max-age=3600")
}

/// Short-lived in caches: verifiers that meet an unknown `kid` refetch. A rotated key is
/// published this long before it signs (`keys::activation_delay`).
async fn get_jwks(State(state): State<AppState>) -> impl IntoResponse {
    public_json(state.keys.current().jwks(), crate::keys::JWKS_CACHE_CONTROL)
}

/// Public JSON; single-page apps read both documents, from the origins [`super::cors`] allows.
fn public_json(body: Bytes, cache: &'static str) -> impl IntoResponse {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
            // Shared caches keep one copy per origin: a page's request gets CORS headers,
            // a verifier's request none (super::cors).
            (header::VARY, HeaderValue::from_static("origin")),
        ],
        body,
    )
}
