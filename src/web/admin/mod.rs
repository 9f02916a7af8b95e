//! The administrator's console under `/admin`: users, farms, apps, APIs, registration tokens, signing
//! keys, sign-in providers, webhooks and the audit trail, as server-rendered pages. Every page needs a signed-in person
//! who holds the admin role now (read at each request); every form carries the session's
//! CSRF token; every change goes through the same functions as the admin API and the
//! command line, and lands in the trail with the administrator's name.

mod apis;
mod audit;
mod clients;
mod farms;
mod keys;
mod tokens;
mod upstreams;
mod users;
mod webhooks;

use axum::Router;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;

use super::account::{self, Notice};
use super::csrf::CsrfForm;
use super::error::PageError;
use super::extract::RequestOrigin;
use super::login;
use super::session::BrowserSession;
use crate::accounts::admin::Actor;
use crate::accounts::audit::Origin;
use crate::accounts::step_up::{self, SignInFacts, StepUp};
use crate::oauth2::params::Params;
use crate::state::AppState;
use crate::store::users::UserRecord;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin", get(|| async { Redirect::to("/admin/users") }))
        .merge(users::router())
        .merge(clients::router())
        .merge(farms::router())
        .merge(apis::router())
        .merge(upstreams::router())
        .merge(webhooks::router())
        .merge(keys::router())
        .merge(tokens::router())
        .merge(audit::router())
}

/// The flash key of the console's notices.
const NOTICE: &str = "admin_notice";

/// The signed-in administrator, for a console page: [`PageError::SignInFirst`] for someone
/// not signed in, [`PageError::Forbidden`] for someone without the role.
pub struct Admin {
    pub session: BrowserSession,
    pub origin: Origin,
    pub user: UserRecord,
}

impl Admin {
    async fn of(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Admin, PageError> {
        let session = BrowserSession::from_request_parts(parts, state).await?;
        let Ok(RequestOrigin(origin)) = RequestOrigin::from_request_parts(parts, state).await;
        let (signed_in, user) = match account::person(state, &session).await {
            Err(PageError::SignInFirst) => {
                if let Some(path) = asked_page(parts) {
                    session.set_return_path(path, state.clock.now()).await?;
                }
                return Err(PageError::SignInFirst);
            }
            found => found?,
        };
        if !user.is_active_admin() {
            return Err(PageError::Forbidden(
                "The console is for the platform's administrators.",
            ));
        }
        let facts = SignInFacts {
            user_id: &user.id,
            auth_time: Some(signed_in.proved_at()),
            amr: &signed_in.amr,
        };
        match step_up::admin_needs(state, facts).await? {
            None => {}
            Some(StepUp::Enrol) => return Err(PageError::Forbidden(ENROL_FIRST)),
            // Back to the page asked for, or to the console after a form.
            Some(StepUp::SignInAgain) => {
                let path = asked_page(parts).unwrap_or("/admin");
                session.set_return_path(path, state.clock.now()).await?;
                login::ask_to_sign_in_again(&session).await?;
                return Err(PageError::SignInFirst);
            }
        }
        Ok(Admin {
            session,
            origin,
            user,
        })
    }

    pub fn actor(&self) -> Actor<'_> {
        Actor::Person {
            user: &self.user,
            origin: &self.origin,
        }
    }

    /// What every console page shows: the form token and the last change's notice.
    pub async fn frame(&self) -> Result<Frame, PageError> {
        Ok(Frame {
            csrf_token: self.session.csrf_token().await?,
            notice: self.session.take_flash(NOTICE).await?.unwrap_or_default(),
            admin_name: self.user.username.clone(),
        })
    }

    /// Back to `path` (a console page), saying how the change went.
    pub async fn back(&self, path: &str, notice: Notice) -> Result<Response, PageError> {
        self.session.set_flash(NOTICE, &notice).await?;
        Ok(Redirect::to(path).into_response())
    }
}

/// What an administrator without a second factor is told (decision 73).
const ENROL_FIRST: &str = "The console needs two-step sign-in. Set up an authenticator app on your account page, then sign in again with it.";

/// The page to come back to after signing in: the one asked for (a form is not sent again).
fn asked_page(parts: &axum::http::request::Parts) -> Option<&str> {
    match (&parts.method, parts.uri.path_and_query()) {
        (&axum::http::Method::GET, Some(path)) => Some(path.as_str()),
        _ => None,
    }
}

impl FromRequestParts<AppState> for Admin {
    type Rejection = PageError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Self, PageError> {
        Admin::of(parts, state).await
    }
}

/// A console form, sent by a signed-in administrator with the session's CSRF token.
pub struct AdminPost {
    pub admin: Admin,
    pub form: Params,
}

impl FromRequest<AppState> for AdminPost {
    type Rejection = PageError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, PageError> {
        let (mut parts, body) = request.into_parts();
        let admin = Admin::of(&mut parts, state).await?;
        let CsrfForm { form, .. } =
            CsrfForm::from_request(Request::from_parts(parts, body), state).await?;
        Ok(AdminPost { admin, form })
    }
}

/// The parts every console template shows.
pub struct Frame {
    pub csrf_token: String,
    pub notice: Notice,
    pub admin_name: String,
}

/// Lines of a text area, trimmed, empty ones dropped.
fn lines(text: Option<&str>) -> Vec<String> {
    text.unwrap_or_default()
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(str::to_string)
        .collect()
}
