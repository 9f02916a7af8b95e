//! The person's own account page (its security and sessions parts come with issue 4).

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;

use super::error::PageError;
use super::pages::{self, AccountPage, Csp};
use super::session::BrowserSession;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/account", get(get_account))
}

async fn get_account(
    State(state): State<AppState>,
    session: BrowserSession,
) -> Result<Response, PageError> {
    let Some(person) = session.signed_in(&state).await? else {
        return Ok(Redirect::to("/login").into_response());
    };
    let Some(user) = state.store.find_user_by_id(&person.user_id).await? else {
        session.sign_out().await?;
        return Ok(Redirect::to("/login").into_response());
    };
    let template = AccountPage {
        csrf_token: session.csrf_token().await?,
        username: user.username,
        email: user.email,
        roles: user.roles.join(", "),
    };
    Ok(pages::page(StatusCode::OK, &template, Csp::default()))
}
