//! The console's farms: the list (pending first), approving, refusing with a reason,
//! suspending with a reason and reactivating, and one farm's members (add by username,
//! change role, remove; a farm keeps an owner). Decisions are `accounts::farms`'.

use askama::Template;

use crate::i18n::Words;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};

use super::{Admin, AdminPost, Frame};
use crate::accounts::farms::{self, Acting, FarmError};
use crate::domain::{FarmId, FarmRole};
use crate::state::AppState;
use crate::web::account::{Notice, done, refused};
use crate::web::error::PageError;
use crate::web::pages::{self, Csp, when};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/farms", get(get_farms))
        .route("/admin/farms/{id}", get(get_farm))
        .route("/admin/farms/{id}/approve", post(post_approve))
        .route("/admin/farms/{id}/refuse", post(post_refuse))
        .route("/admin/farms/{id}/suspend", post(post_suspend))
        .route("/admin/farms/{id}/reactivate", post(post_reactivate))
        .route("/admin/farms/{id}/members", post(post_add_member))
        .route("/admin/farms/{id}/members/{member}/role", post(post_role))
        .route(
            "/admin/farms/{id}/members/{member}/remove",
            post(post_remove),
        )
}

pub struct FarmRow {
    pub id: String,
    pub name: String,
    pub status: String,
    pub reason: Option<String>,
    pub created: String,
}

#[derive(Template)]
#[template(path = "admin/farms.html")]
struct FarmsPage {
    frame: Frame,
    section: &'static str,
    farms: Vec<FarmRow>,
}

pub struct MemberRow {
    pub user_id: String,
    pub username: String,
    pub role: String,
}

#[derive(Template)]
#[template(path = "admin/farm.html")]
struct FarmPage {
    frame: Frame,
    section: &'static str,
    farm: FarmRow,
    members: Vec<MemberRow>,
    roles: [&'static str; 3],
}

async fn get_farms(State(state): State<AppState>, admin: Admin) -> Result<Response, PageError> {
    let farms = farms::list(&state, None)
        .await?
        .into_iter()
        .map(|f| FarmRow {
            id: f.id,
            name: f.name.to_string(),
            status: f.status.to_string(),
            reason: f.status_reason,
            created: when(f.created_at),
        })
        .collect();
    let page = FarmsPage {
        frame: admin.frame().await?,
        section: "farms",
        farms,
    };
    Ok(pages::page(StatusCode::OK, &page, Csp::default()))
}

async fn get_farm(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let acting = Acting::Platform(admin.actor());
    let (standing, members) = match farms::members(&state, acting, &id).await {
        Ok(found) => found,
        Err(FarmError::Store(error)) => return Err(error.into()),
        Err(_) => return Err(PageError::NotFound),
    };
    let f = standing.farm;
    let page = FarmPage {
        frame: admin.frame().await?,
        section: "farms",
        farm: FarmRow {
            id: f.id,
            name: f.name.to_string(),
            status: f.status.to_string(),
            reason: f.status_reason,
            created: when(f.created_at),
        },
        members: members
            .into_iter()
            .map(|m| MemberRow {
                user_id: m.user_id,
                username: m.username,
                role: m.role.to_string(),
            })
            .collect(),
        roles: ["owner", "manager", "staff"],
    };
    Ok(pages::page(StatusCode::OK, &page, Csp::default()))
}

/// Back to `path` with how it went; an unknown farm is a 404, a failure of ours a 500.
async fn answer(
    admin: &Admin,
    path: &str,
    outcome: Result<Notice, FarmError>,
) -> Result<Response, PageError> {
    // A path naming text that is no farm id never goes into a `Location` header (a line
    // break would make it invalid): it names no farm.
    let named = path
        .trim_start_matches("/admin/farms")
        .trim_start_matches('/');
    if !named.is_empty() && FarmId::parse(named).is_err() {
        return Err(PageError::NotFound);
    }
    let notice = match outcome {
        Ok(notice) => notice,
        Err(FarmError::NoSuchFarm) => return Err(PageError::NotFound),
        Err(FarmError::Store(error)) => return Err(error.into()),
        Err(refusal) => refused(capitalised(&refusal.to_string())),
    };
    admin.back(path, notice).await
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    let first: String = chars
        .next()
        .map(|c| c.to_uppercase().collect())
        .unwrap_or_default();
    format!("{first}{}.", chars.as_str().trim_end_matches('.'))
}

async fn post_approve(
    State(state): State<AppState>,
    Path(id): Path<String>,
    AdminPost { admin, .. }: AdminPost,
) -> Result<Response, PageError> {
    let outcome = farms::approve(&state, &id, admin.actor()).await;
    let outcome = outcome.map(|()| done("The farm is approved; its owners were told by mail."));
    answer(&admin, "/admin/farms", outcome).await
}

async fn post_refuse(
    State(state): State<AppState>,
    Path(id): Path<String>,
    AdminPost { admin, form }: AdminPost,
) -> Result<Response, PageError> {
    let reason = form.get("reason").unwrap_or_default();
    let outcome = farms::reject(&state, &id, reason, admin.actor()).await;
    let outcome =
        outcome.map(|()| done("The farm is refused and deleted; its owners were told why."));
    answer(&admin, "/admin/farms", outcome).await
}

async fn post_suspend(
    State(state): State<AppState>,
    Path(id): Path<String>,
    AdminPost { admin, form }: AdminPost,
) -> Result<Response, PageError> {
    let reason = form.get("reason").unwrap_or_default();
    let outcome = farms::suspend(&state, &id, reason, admin.actor()).await;
    let outcome = outcome.map(|()| done("The farm is suspended."));
    answer(&admin, "/admin/farms", outcome).await
}

async fn post_reactivate(
    State(state): State<AppState>,
    Path(id): Path<String>,
    AdminPost { admin, .. }: AdminPost,
) -> Result<Response, PageError> {
    let outcome = farms::reactivate(&state, &id, admin.actor()).await;
    let outcome = outcome.map(|()| done("The farm is active again."));
    answer(&admin, "/admin/farms", outcome).await
}

fn role_of(text: Option<&str>) -> Result<FarmRole, FarmError> {
    farms::parse_role(text.unwrap_or_default())
}

async fn post_add_member(
    State(state): State<AppState>,
    Path(id): Path<String>,
    AdminPost { admin, form }: AdminPost,
) -> Result<Response, PageError> {
    let username = form.get("username").unwrap_or_default();
    let outcome = match role_of(form.get("role")) {
        Ok(role) => farms::add_member(&state, &id, username, role, admin.actor()).await,
        Err(error) => Err(error),
    };
    let outcome = outcome.map(|()| done("The member is added."));
    answer(&admin, &format!("/admin/farms/{id}"), outcome).await
}

async fn post_role(
    State(state): State<AppState>,
    Path((id, member)): Path<(String, String)>,
    AdminPost { admin, form }: AdminPost,
) -> Result<Response, PageError> {
    let acting = Acting::Platform(admin.actor());
    let outcome = match role_of(form.get("role")) {
        Ok(role) => farms::change_role(&state, acting, &id, &member, role).await,
        Err(error) => Err(error),
    };
    let outcome = outcome.map(|()| done("The role is changed."));
    answer(&admin, &format!("/admin/farms/{id}"), outcome).await
}

async fn post_remove(
    State(state): State<AppState>,
    Path((id, member)): Path<(String, String)>,
    AdminPost { admin, .. }: AdminPost,
) -> Result<Response, PageError> {
    let acting = Acting::Platform(admin.actor());
    let outcome = farms::remove_member(&state, acting, &id, &member).await;
    let outcome = outcome.map(|()| done("The member is removed."));
    answer(&admin, &format!("/admin/farms/{id}"), outcome).await
}
