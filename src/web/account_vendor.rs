//! A farmer's own apps: on the account page, a farmer (or an administrator) gets a
//! registration token with which their developers register the farm's apps (RFC 7591).
//! The apps carry the farm's name on consent pages. The token is shown once.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::post;

use super::account::{AccountPost, back, refused};
use super::error::PageError;
use super::pages::{self, Csp, when};
use crate::accounts::admin::Actor;
use crate::accounts::users::Role;
use crate::oauth2::initial_access::{self, IssueError};
use crate::oidc::discovery::paths;
use crate::state::AppState;
use crate::store::users::UserRecord;

pub fn router() -> Router<AppState> {
    Router::new().route("/account/registration-token", post(post_registration_token))
}

/// The name a farmer's apps are shown with, if they may register apps at all.
pub fn vendor_name(user: &UserRecord) -> Option<String> {
    let has = |role: Role| user.roles.contains(role);
    (has(Role::Farmer) || has(Role::Admin)).then(|| {
        user.company
            .clone()
            .unwrap_or_else(|| user.username.clone())
    })
}

#[derive(Template)]
#[template(path = "registration_token.html")]
struct RegistrationTokenPage {
    vendor: String,
    token: String,
    expires: String,
    registration_endpoint: String,
}

async fn post_registration_token(
    State(state): State<AppState>,
    AccountPost {
        session,
        origin,
        user,
        ..
    }: AccountPost,
) -> Result<Response, PageError> {
    let actor = Actor::Person {
        user: &user,
        origin: &origin,
    };
    let issued = initial_access::issue(
        &state,
        actor,
        initial_access::Request {
            own_company: true,
            ..initial_access::Request::default()
        },
    )
    .await;
    match issued {
        Ok(issued) => {
            let template = RegistrationTokenPage {
                vendor: issued.vendor.unwrap_or_default(),
                token: issued.token,
                expires: when(issued.expires_at),
                registration_endpoint: format!("{}{}", state.issuer, paths::REGISTRATION),
            };
            Ok(pages::page(StatusCode::OK, &template, Csp::default()))
        }
        Err(IssueError::Forbidden) => {
            back(
                &session,
                refused("Only farmers can register apps for their farm."),
            )
            .await
        }
        Err(IssueError::Invalid(why)) => back(&session, refused(why)).await,
        Err(IssueError::Store(error)) => Err(error.into()),
    }
}
