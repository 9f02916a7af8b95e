//! The stylesheet and scripts, compiled into the binary.

use axum::http::header;
use axum::response::IntoResponse;

/// The stylesheet, compiled in: one binary carries everything it serves.
pub async fn get_style() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../../static/style.css"),
    )
}

/// A script of ours, compiled in like the stylesheet.
fn script(text: &'static str) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        text,
    )
}

/// The passkey ceremonies' script.
pub async fn get_passkeys_script() -> impl IntoResponse {
    script(include_str!("../../../static/passkeys.js"))
}

/// The sign-up form's proof of work ([`crate::accounts::signup_challenge`]).
pub async fn get_signup_script() -> impl IntoResponse {
    script(include_str!("../../../static/signup.js"))
}
