//! Cross-origin reads for the endpoints a browser app calls (token, UserInfo, revocation,
//! discovery, JWKS): allowed only to the web origins of public clients' redirect URIs
//! ([`crate::oauth2::browser_origins`]); every other origin gets no CORS headers, so the
//! browser keeps the answer from the page.
//!
//! No credentials (cookies) are ever allowed cross-origin: these endpoints authenticate a
//! public client by its code verifier and a caller by its bearer token, never by a cookie.

use std::time::Duration;

use axum::http::{HeaderName, Method, header};
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::state::AppState;

/// How long a browser may reuse a preflight's answer.
const PREFLIGHT_MAX_AGE: Duration = Duration::from_secs(600);

pub fn layer(state: &AppState) -> CorsLayer {
    let clients = state.clients.clone();
    CorsLayer::new()
        .allow_origin(AllowOrigin::async_predicate(move |origin, _| {
            let clients = clients.clone();
            async move {
                match origin.to_str() {
                    Ok(origin) => clients.browser_origins.allows(origin).await,
                    Err(_) => false,
                }
            }
        }))
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
        // RFC 6750 §3: a refused bearer token is explained in `WWW-Authenticate`; the app
        // needs to read it to know whether to refresh.
        .expose_headers([
            header::WWW_AUTHENTICATE,
            HeaderName::from_static("retry-after"),
        ])
        .max_age(PREFLIGHT_MAX_AGE)
}
