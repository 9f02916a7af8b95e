//! Cross-origin reads for the endpoints a browser app calls (token, UserInfo, revocation,
//! discovery, JWKS): allowed only to the web origins of public clients' redirect URIs
//! ([`crate::oauth2::browser_origins`]); every other origin gets no CORS headers, so the
//! browser keeps the answer from the page.
//!
//! No credentials (cookies) are ever allowed cross-origin: these endpoints authenticate a
//! public client by its code verifier and a caller by its bearer token, never by a cookie.
//!
//! The layer wraps the whole application once, outside the router ([`BrowserCors`]), and
//! steps in only for a request to one of [`BROWSER_PATHS`] that carries an `Origin` header.
//! A request without one (a verifier fetching the JWKS, a server redeeming a code) is no
//! cross-origin read and goes past untouched: tower-http's layer builds and merges its
//! headers for every request it sees, and as a router layer it wrapped each route in one
//! more boxed service; the two cost the JWKS and discovery a third of their rate (decision
//! 104). The cacheable documents say `Vary: Origin` themselves.

use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::Request;
use axum::http::{HeaderName, Method, header};
use futures_util::future::Either;
use tower::{Layer, Service};
use tower_http::cors::{AllowOrigin, Cors, CorsLayer};

use crate::oidc::discovery::paths;
use crate::state::AppState;

/// The endpoints a page calls; nothing else ever answers another origin.
pub const BROWSER_PATHS: [&str; 6] = [
    paths::TOKEN,
    paths::REVOKE,
    paths::USERINFO,
    paths::JWKS,
    paths::OPENID_CONFIGURATION,
    paths::OAUTH_AUTHORIZATION_SERVER,
];

/// The longest the origin check may wait for the list of origins (it reloads from the
/// database after a client changes).
const ORIGIN_CHECK_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a browser may reuse a preflight's answer.
const PREFLIGHT_MAX_AGE: Duration = Duration::from_secs(600);

/// The CORS rules for pages, built once for the server; [`BrowserCors::wrap`] puts them
/// around each connection's service for the price of a reference count.
#[derive(Clone)]
pub struct BrowserCors(Arc<CorsLayer>);

impl BrowserCors {
    pub fn new(state: &AppState) -> BrowserCors {
        BrowserCors(Arc::new(cors(state)))
    }

    /// The whole application `inner`, with CORS for the requests from pages to
    /// [`BROWSER_PATHS`].
    pub fn wrap<S>(&self, inner: S) -> ForBrowsers<S> {
        ForBrowsers {
            inner,
            cors: self.0.clone(),
        }
    }
}

fn cors(state: &AppState) -> CorsLayer {
    let clients = state.clients.clone();
    CorsLayer::new()
        .allow_origin(AllowOrigin::async_predicate(move |origin, _| {
            let clients = clients.clone();
            async move {
                match origin.to_str() {
                    // Outside the router's request timeout (it wraps the whole application):
                    // an origin the list cannot answer for in time gets no CORS headers.
                    Ok(origin) => tokio::time::timeout(
                        ORIGIN_CHECK_TIMEOUT,
                        clients.browser_origins.allows(origin),
                    )
                    .await
                    .unwrap_or(false),
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

/// Applies a [`CorsLayer`] only to requests with an `Origin` header, to a browser path.
#[derive(Clone)]
pub struct ForBrowsers<S> {
    inner: S,
    cors: Arc<CorsLayer>,
}

fn from_a_page<B>(request: &Request<B>) -> bool {
    request.headers().contains_key(header::ORIGIN) && BROWSER_PATHS.contains(&request.uri().path())
}

impl<S, B> Service<Request<B>> for ForBrowsers<S>
where
    S: Service<Request<B>, Response = axum::http::Response<axum::body::Body>> + Clone,
    Cors<S>: Service<Request<B>, Response = S::Response, Error = S::Error>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Either<S::Future, <Cors<S> as Service<Request<B>>>::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        if !from_a_page(&request) {
            return Either::Left(self.inner.call(request));
        }
        // The service polled ready goes into the CORS layer; a clone stays for the next call.
        let clone = self.inner.clone();
        let ready = std::mem::replace(&mut self.inner, clone);
        Either::Right(self.cors.layer(ready).call(request))
    }
}
