//! The sessions and connected apps of the account: end one session, all others, or take
//! back what an app was given.

use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;

use super::account::{AccountPost, back, done, refused};
use super::error::PageError;
use crate::accounts::sessions;
use crate::domain::{ClientId, SessionId};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/account/sessions/end", post(post_end_session))
        .route("/account/sessions/end-others", post(post_end_others))
        .route("/account/apps/revoke", post(post_revoke_app))
}

async fn post_end_session(
    State(state): State<AppState>,
    AccountPost {
        session,
        origin,
        me,
        user,
        form,
    }: AccountPost,
) -> Result<Response, PageError> {
    // An id that is not a session id names no session: nothing to end.
    let sid = SessionId::parse(form.get("session").unwrap_or_default()).ok();
    if let Some(sid) = sid.as_ref().filter(|sid| sid.as_str() == me.sid) {
        // Ending the session in use is signing out.
        sessions::end_session(&state, &origin, &user.id, sid).await?;
        session.sign_out().await?;
        return Ok(Redirect::to("/login").into_response());
    }
    let ended = match &sid {
        Some(sid) => sessions::end_session(&state, &origin, &user.id, sid).await?,
        None => false,
    };
    let notice = match ended {
        true => done("That session is signed out."),
        false => refused("That session had already ended."),
    };
    back(&session, notice).await
}

async fn post_end_others(
    State(state): State<AppState>,
    AccountPost {
        session,
        origin,
        me,
        user,
        ..
    }: AccountPost,
) -> Result<Response, PageError> {
    let ended =
        sessions::sign_out_everywhere(&state, &origin, &user.id, Some(&me.sid), false).await?;
    let notice = match ended.len() {
        0 => done("There were no other sessions."),
        1 => done("Your other session is signed out."),
        n => done(&crate::i18n::t1("page-other-sessions-ended", "n", &n)),
    };
    back(&session, notice).await
}

async fn post_revoke_app(
    State(state): State<AppState>,
    AccountPost {
        session,
        origin,
        user,
        form,
        ..
    }: AccountPost,
) -> Result<Response, PageError> {
    let revoked = match ClientId::parse(form.get("client_id").unwrap_or_default()) {
        Ok(client_id) => sessions::revoke_app(&state, &origin, &user.id, &client_id).await?,
        Err(_) => false,
    };
    let notice = match revoked {
        true => done("The app's access is revoked. It will have to ask you again."),
        false => refused("That app had no access to revoke."),
    };
    back(&session, notice).await
}
