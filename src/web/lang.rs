//! The language of a page request, decided once (decision 143): the choice an
//! authorization request's `ui_locales` made for this browser, else `Accept-Language`,
//! else English. The rest of the request runs in it ([`crate::i18n::scope`]), so the page,
//! any error page and any mail the request writes are in the person's language.

use axum::extract::Request;
use axum::http::header::ACCEPT_LANGUAGE;
use axum::middleware::Next;
use axum::response::Response;

use super::session::BrowserSession;
use crate::i18n::{self, Lang};

/// Middleware of the page routes, inside the session layer.
pub async fn negotiate(session: BrowserSession, request: Request, next: Next) -> Response {
    let header = request
        .headers()
        .get(ACCEPT_LANGUAGE)
        .and_then(|value| value.to_str().ok());
    let lang = Lang::negotiate(session.chosen_lang().await, header);
    i18n::scope(lang, next.run(request)).await
}
