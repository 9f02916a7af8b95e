//! A farm's own apps: on the farm's page, an owner or manager of an active farm gets a
//! registration token with which the farm's developers register its apps (RFC 7591). The
//! apps belong to the farm and carry its name on the login and consent pages. The token is
//! shown once.

use askama::Template;

use crate::i18n::Words;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::post;

use super::account::{AccountPost, back, refused};
use super::error::PageError;
use super::pages::{self, Csp, when};
use crate::accounts::admin::Actor;
use crate::oauth2::initial_access::{self, IssueError};
use crate::oidc::discovery::paths;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route(
        "/account/farms/{id}/registration-token",
        post(post_registration_token),
    )
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
    Path(farm): Path<String>,
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
            farm: Some(farm),
            as_member: true,
            ..initial_access::Request::default()
        },
    )
    .await;
    match issued {
        Ok(issued) => {
            let farm = match &issued.farm_id {
                Some(id) => state.store.find_farm(id).await?.map(|f| f.name.to_string()),
                None => None,
            };
            let template = RegistrationTokenPage {
                vendor: farm.unwrap_or_default(),
                token: issued.token,
                expires: when(issued.expires_at),
                registration_endpoint: format!("{}{}", state.issuer, paths::REGISTRATION),
            };
            Ok(pages::page(StatusCode::OK, &template, Csp::default()))
        }
        Err(IssueError::Store(error)) => Err(error.into()),
        Err(refusal) => {
            let why = crate::i18n::translate(&refusal.to_string());
            back(&session, refused(why)).await
        }
    }
}
