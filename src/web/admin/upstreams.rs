//! The console's upstream OpenID providers: list, configure (the client secret typed once,
//! never shown again), delete. The same functions as `farm-auth upstream` and the admin API.

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};

use super::{Admin, AdminPost, Frame};
use crate::accounts::upstream::{self, NewUpstream, UpstreamConfigError, UpstreamSummary};
use crate::i18n::Words;
use crate::state::AppState;
use crate::web::account::{done, refused};
use crate::web::error::PageError;
use crate::web::pages::{self, Csp};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/upstreams", get(get_upstreams).post(post_upstream))
        .route("/admin/upstreams/{id}/delete", post(post_delete))
}

const PAGE: &str = "/admin/upstreams";

#[derive(Template)]
#[template(path = "admin/upstreams.html")]
struct UpstreamsPage {
    frame: Frame,
    section: &'static str,
    upstreams: Vec<UpstreamSummary>,
    /// What to register at every provider.
    redirect_uri: String,
}

async fn get_upstreams(State(state): State<AppState>, admin: Admin) -> Result<Response, PageError> {
    let template = UpstreamsPage {
        frame: admin.frame().await?,
        section: "upstreams",
        upstreams: upstream::list(&state).await?,
        redirect_uri: upstream::redirect_uri(&state),
    };
    Ok(pages::page(StatusCode::OK, &template, Csp::default()))
}

async fn post_upstream(
    State(state): State<AppState>,
    post: AdminPost,
) -> Result<Response, PageError> {
    let text = |name: &str| post.form.get(name).unwrap_or_default().to_string();
    let scope = text("scope");
    let new = NewUpstream {
        id: text("id"),
        label: text("label"),
        issuer: text("issuer"),
        client_id: text("client_id"),
        client_secret: text("client_secret"),
        scopes: Some(scope).filter(|s| !s.trim().is_empty()),
        trust_mfa: post.form.get("trust_mfa") == Some("yes"),
    };
    let notice = match upstream::create(&state, post.admin.actor(), new).await {
        Ok(created) => done(&format!(
            "{} is configured. Register {} at it as the redirect URI.",
            created.provider.label, created.redirect_uri
        )),
        Err(UpstreamConfigError::Store(error)) => return Err(error.into()),
        Err(why) => refused(format!("Not configured: {why}.")),
    };
    post.admin.back(PAGE, notice).await
}

async fn post_delete(
    State(state): State<AppState>,
    Path(id): Path<String>,
    post: AdminPost,
) -> Result<Response, PageError> {
    if post.form.get("confirm").map(str::trim) != Some(id.as_str()) {
        let why = refused("Type the provider's id exactly to confirm the deletion.");
        return post.admin.back(PAGE, why).await;
    }
    let notice = match upstream::delete(&state, post.admin.actor(), &id).await {
        Ok(()) => done(&format!(
            "{id} is deleted, with every account's link to it."
        )),
        Err(UpstreamConfigError::Store(error)) => return Err(error.into()),
        Err(why) => refused(format!("Not deleted: {why}.")),
    };
    post.admin.back(PAGE, notice).await
}
