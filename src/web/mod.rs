//! The HTTP adapter: the only module that knows axum. Each area owns its routes in its own
//! file; this one merges them and adds what every response shares (request tracing without
//! query strings or bodies, security headers, panic containment).

pub mod account;
pub mod account_factors;
pub mod account_profile;
pub mod account_sessions;
pub mod account_upstream;
pub mod account_vendor;
pub mod admin;
pub mod api;
pub mod authorize;
pub mod consent;
pub mod cors;
pub mod csrf;
pub mod device;
pub mod discovery;
pub mod email_code;
pub mod error;
pub mod extract;
pub mod farms;
pub mod health;
pub mod lang;
pub mod login;
pub mod logout;
pub mod oauth2;
pub mod pages;
pub mod passkey_login;
pub mod passkey_offer;
pub mod passkeys;
pub mod password_reset;
pub mod registration;
pub mod second_factor;
pub mod serve;
pub mod session;
pub mod session_store;
pub mod sign_in;
pub mod upstream;
mod upstream_signup;
pub mod userinfo;

use axum::Router;
use axum::body::Body;
use axum::extract::MatchedPath;
use axum::http::{HeaderName, HeaderValue, Request, StatusCode, header};
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::state::AppState;

/// The longest one request may take, from its first body byte to its response.
pub const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

pub fn router(state: AppState) -> Router {
    // What a person's browser sees: these routes, and only these, have a session cookie.
    let pages = Router::new()
        .merge(authorize::router())
        .merge(login::router())
        .merge(consent::router())
        .merge(device::router())
        .merge(logout::router())
        .merge(account::router())
        .merge(farms::router())
        .merge(second_factor::router())
        .merge(email_code::router())
        .merge(password_reset::router())
        .merge(passkeys::router())
        .merge(upstream::router())
        .merge(admin::router())
        // The language of every page, from the session's choice or the request.
        .layer(axum::middleware::from_fn(lang::negotiate))
        .layer(session::layer(&state));
    Router::new()
        .merge(pages)
        .merge(health::router())
        .merge(discovery::router())
        .merge(oauth2::router())
        .merge(userinfo::router())
        .merge(api::router())
        .merge(registration::router())
        .route("/static/style.css", axum::routing::get(pages::get_style))
        .route(
            "/static/passkeys.js",
            axum::routing::get(pages::get_passkeys_script),
        )
        .route(
            "/static/signup.js",
            axum::routing::get(pages::get_signup_script),
        )
        .fallback(error::not_found)
        // A request (its body included) that takes longer than this is cut off with 408, so
        // slow clients cannot hold connections and workers forever.
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        .layer(
            ServiceBuilder::new()
                .layer(CatchPanicLayer::custom(error::panic_response))
                .layer(
                    // The route, not the path: query strings and some paths carry codes or
                    // tokens (a farm invitation's), and never a body. Unrouted requests
                    // (404s) log their path.
                    TraceLayer::new_for_http().make_span_with(|request: &Request<Body>| {
                        let path = match request.extensions().get::<MatchedPath>() {
                            Some(route) => route.as_str(),
                            None => request.uri().path(),
                        };
                        tracing::debug_span!("request", method = %request.method(), path = %path)
                    })
                    // A failure is logged where it is rendered (`error`), once with its cause,
                    // and an outage once for all its 503s; not again here for every 5xx.
                    .on_failure(
                        tower_http::trace::DefaultOnFailure::new().level(tracing::Level::DEBUG),
                    ),
                )
                .layer(SetResponseHeaderLayer::if_not_present(
                    header::X_CONTENT_TYPE_OPTIONS,
                    HeaderValue::from_static("nosniff"),
                ))
                .layer(SetResponseHeaderLayer::if_not_present(
                    HeaderName::from_static("referrer-policy"),
                    HeaderValue::from_static("no-referrer"),
                )),
        )
        // Outermost: every answer is counted, a timeout's 408 and a panic's 500 included.
        .layer(axum::middleware::from_fn(crate::metrics::http::record))
        .with_state(state)
}
