//! The end-session endpoint (OpenID Connect RP-Initiated Logout 1.0) and the sign-out
//! confirmation. `GET` and `POST` both take a logout request (§2); a `POST` from the
//! confirmation form carries the CSRF token and `confirm=yes`.

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;

use super::authorize::destination;
use super::error::PageError;
use super::extract::{RawForm, RequestOrigin};
use super::pages::{self, Csp, LogoutPage, ReturnToAppPage};
use super::session::BrowserSession;
use crate::accounts::audit::Origin;
use crate::oauth2::params::Params;
use crate::oidc::discovery::paths;
use crate::oidc::logout::{self, AfterLogout, LogoutRequest, LogoutStep};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route(paths::END_SESSION, get(get_logout).post(post_logout))
}

async fn get_logout(
    State(state): State<AppState>,
    session: BrowserSession,
    RequestOrigin(origin): RequestOrigin,
    RawQuery(query): RawQuery,
) -> Result<Response, Response> {
    let params = Params::parse(query.unwrap_or_default().as_bytes()).map_err(|_| {
        PageError::BadRequest("A parameter is given more than once.").into_response()
    })?;
    end_session(&state, &session, &origin, &params, false).await
}

/// The confirmation form, or a logout request POSTed by a client (§2). A cross-site POST
/// carries no `SameSite=Lax` cookie, so the provider could not tell who is signed in: the
/// request is sent back (303) as the same GET, which does carry it.
async fn post_logout(
    State(state): State<AppState>,
    session: BrowserSession,
    RequestOrigin(origin): RequestOrigin,
    form: RawForm,
) -> Result<Response, Response> {
    let params = Params::parse(&form.0).map_err(|_| {
        PageError::BadRequest("A parameter is given more than once.").into_response()
    })?;
    if params.get("confirm") != Some("yes") {
        let location = format!("{}?{}", paths::END_SESSION, form.to_query());
        return Ok(Redirect::to(&location).into_response());
    }
    session
        .check_csrf(params.get("csrf_token"))
        .await
        .map_err(IntoResponse::into_response)?;
    end_session(&state, &session, &origin, &params, true).await
}

async fn end_session(
    state: &AppState,
    session: &BrowserSession,
    origin: &Origin,
    params: &Params,
    confirmed: bool,
) -> Result<Response, Response> {
    let request = logout::parse_request(state, params)
        .await
        .map_err(IntoResponse::into_response)?;
    let signed_in = session
        .signed_in(state)
        .await
        .map_err(IntoResponse::into_response)?;
    let after = match logout::decide(&request, signed_in.as_ref(), confirmed) {
        LogoutStep::Confirm => {
            return confirmation_page(state, session, &request)
                .await
                .map_err(IntoResponse::into_response);
        }
        LogoutStep::SignOut(after) => after,
    };
    if let Some(person) = &signed_in {
        logout::end_login_session(state, origin, person, "signed out")
            .await
            .map_err(|e| PageError::from(e).into_response())?;
    }
    session
        .sign_out()
        .await
        .map_err(IntoResponse::into_response)?;
    Ok(signed_out(after))
}

/// Where a person goes once signed out: back to the client, or a page at the provider
/// (with a link back to a vendor's app that asked before the person was known).
fn signed_out(after: AfterLogout) -> Response {
    const TITLE: &str = "You are signed out";
    const ENDED: &str = "Your session on Not Far(m) From Home has ended in this browser.";
    match after {
        AfterLogout::Return(target) => Redirect::to(&target).into_response(),
        AfterLogout::OfferReturn { app, uri } => {
            let page = ReturnToAppPage {
                title: TITLE,
                message: ENDED.to_string(),
                app,
                destination: destination(&uri),
                action: uri,
                post: false,
                params: Vec::new(),
            };
            pages::page(StatusCode::OK, &page, Csp::default())
        }
        AfterLogout::Stay => pages::message(
            StatusCode::OK,
            TITLE,
            ENDED,
            Some(("/login", "Sign in again")),
        ),
    }
}

async fn confirmation_page(
    state: &AppState,
    session: &BrowserSession,
    request: &LogoutRequest,
) -> Result<Response, PageError> {
    let username = match session.signed_in(state).await? {
        Some(person) => crate::accounts::users::find(state, &person.user_id)
            .await?
            .map(|u| u.username),
        None => None,
    };
    let template = LogoutPage {
        csrf_token: session.csrf_token().await?,
        username,
        client_name: request.client.as_ref().map(|c| c.name.clone()),
        client_id: request.client.as_ref().map(|c| c.id.clone()),
        post_logout_redirect_uri: request.post_logout_redirect_uri.clone(),
        state: request.state.clone(),
    };
    let csp = Csp::returning_to(request.post_logout_redirect_uri.as_deref());
    Ok(pages::page(StatusCode::OK, &template, csp))
}
