//! People: search, look up (with the farms they belong to), lock and unlock, roles, a
//! required new password, their sessions, deletion.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{delete, get, post, put};
use serde::{Deserialize, Serialize};

use super::super::{AdminCaller, ApiError, ApiQuery, JsonBody};
use super::{bad_cursor, json, no_content, page_limit};
use crate::accounts::admin::{self};
use crate::accounts::farms;
use crate::accounts::sessions;
use crate::domain::{SessionId, UserId};
use crate::state::AppState;
use crate::store::farms::Membership;
use crate::store::users::{UserCursor, UserRecord};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/admin/users", get(get_users))
        .route(
            "/api/v1/admin/users/{id}",
            get(get_user).delete(delete_user),
        )
        .route("/api/v1/admin/users/{id}/lock", post(post_lock))
        .route("/api/v1/admin/users/{id}/unlock", post(post_unlock))
        .route("/api/v1/admin/users/{id}/roles", put(put_roles))
        .route(
            "/api/v1/admin/users/{id}/password-reset",
            post(post_password_reset),
        )
        .route("/api/v1/admin/users/{id}/sessions", get(get_user_sessions))
        .route(
            "/api/v1/admin/users/{id}/sessions/{sid}",
            delete(delete_user_session),
        )
}

/// The user `id`, or 404.
async fn user(state: &AppState, id: &str) -> Result<UserRecord, ApiError> {
    let id = UserId::parse(id).map_err(|_| ApiError::NotFound)?;
    crate::accounts::users::find(state, &id)
        .await?
        .ok_or(ApiError::NotFound)
}

/// A user as administrators see them (never the password hash).
#[derive(Serialize)]
pub struct AdminUserView {
    id: String,
    username: String,
    email: String,
    email_verified: bool,
    roles: crate::domain::Roles,
    /// The farms they belong to, when one user is read; left out of lists (one query per
    /// person listed would be too many for a page).
    #[serde(skip_serializing_if = "Option::is_none")]
    farms: Option<Vec<UserFarmView>>,
    locked: bool,
    locked_at: Option<i64>,
    locked_reason: Option<String>,
    password_reset_required: bool,
    created_at: i64,
}

/// One farm a person belongs to, with their role there and the farm's status.
#[derive(Serialize)]
struct UserFarmView {
    id: String,
    name: String,
    role: &'static str,
    status: &'static str,
}

impl From<Membership> for UserFarmView {
    fn from(membership: Membership) -> Self {
        UserFarmView {
            id: membership.farm.id,
            name: membership.farm.name.to_string(),
            role: membership.role.as_str(),
            status: membership.farm.status.as_str(),
        }
    }
}

impl From<UserRecord> for AdminUserView {
    fn from(user: UserRecord) -> Self {
        let (locked_at, locked_reason) = match user.locked {
            Some((at, reason)) => (Some(at), Some(reason)),
            None => (None, None),
        };
        AdminUserView {
            id: user.id,
            username: user.username,
            email: user.email,
            email_verified: user.email_verified,
            roles: user.roles,
            farms: None,
            locked: locked_at.is_some(),
            locked_at,
            locked_reason,
            password_reset_required: user.password_reset_required,
            created_at: user.created_at,
        }
    }
}

/// A search and where its page starts (`cursor`, the previous page's `next_cursor`).
#[derive(Deserialize)]
struct UserSearch {
    q: Option<String>,
    limit: Option<i64>,
    cursor: Option<String>,
}

/// The longest search text read.
pub const MAX_SEARCH_CHARS: usize = 100;

#[derive(Serialize)]
struct UserPage {
    users: Vec<AdminUserView>,
    limit: i64,
    /// How many match, counted up to a bound: exact when `total_exact`, else "at least".
    total: i64,
    total_exact: bool,
    /// Where the next page starts; `null` on the last page.
    next_cursor: Option<String>,
}

async fn get_users(
    State(state): State<AppState>,
    _admin: AdminCaller,
    ApiQuery(search): ApiQuery<UserSearch>,
) -> Result<Response, ApiError> {
    let limit = page_limit(search.limit)?;
    let after = match search.cursor.as_deref() {
        None => None,
        Some(text) => Some(UserCursor::parse(text).ok_or_else(bad_cursor)?),
    };
    let text: String = search
        .q
        .unwrap_or_default()
        .chars()
        .take(MAX_SEARCH_CHARS)
        .collect();
    let page = admin::search_users(&state, &text, after.as_ref(), limit).await?;
    let users = page.users.into_iter().map(AdminUserView::from).collect();
    Ok(json(
        StatusCode::OK,
        UserPage {
            users,
            limit,
            total: page.total.shown,
            total_exact: page.total.exact,
            next_cursor: page.next.map(|cursor| cursor.to_string()),
        },
    ))
}

async fn get_user(
    State(state): State<AppState>,
    _admin: AdminCaller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    shown(&state, &id).await
}

/// The answer showing user `id` as they are now (after a change).
async fn shown(state: &AppState, id: &str) -> Result<Response, ApiError> {
    let user = user(state, id).await?;
    let farms = farms::farms_of(state, &user).await?;
    let view = AdminUserView {
        farms: Some(farms.into_iter().map(UserFarmView::from).collect()),
        ..AdminUserView::from(user)
    };
    Ok(json(StatusCode::OK, view))
}

#[derive(Deserialize)]
struct Reason {
    reason: Option<String>,
}

async fn post_lock(
    State(state): State<AppState>,
    caller: AdminCaller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<Reason>,
) -> Result<Response, ApiError> {
    let target = user(&state, &id).await?;
    let reason = admin::stated_reason(body.reason.as_deref())?;
    admin::lock(&state, &target, reason, caller.actor()).await?;
    shown(&state, &id).await
}

async fn post_unlock(
    State(state): State<AppState>,
    caller: AdminCaller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<Reason>,
) -> Result<Response, ApiError> {
    let target = user(&state, &id).await?;
    let reason = body.reason.unwrap_or_default();
    admin::unlock(&state, &target, &reason, caller.actor()).await?;
    shown(&state, &id).await
}

#[derive(Deserialize)]
struct Roles {
    roles: Vec<String>,
}

async fn put_roles(
    State(state): State<AppState>,
    caller: AdminCaller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<Roles>,
) -> Result<Response, ApiError> {
    let target = user(&state, &id).await?;
    admin::set_roles(&state, &target, &body.roles, caller.actor()).await?;
    shown(&state, &id).await
}

async fn post_password_reset(
    State(state): State<AppState>,
    caller: AdminCaller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let target = user(&state, &id).await?;
    let mailed = admin::require_password_reset(&state, &target, caller.actor()).await?;
    Ok(json(
        StatusCode::ACCEPTED,
        serde_json::json!({ "password_reset_required": true, "mailed": mailed }),
    ))
}

async fn delete_user(
    State(state): State<AppState>,
    caller: AdminCaller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let target = user(&state, &id).await?;
    admin::delete(&state, &target, caller.actor()).await?;
    Ok(no_content())
}

async fn get_user_sessions(
    State(state): State<AppState>,
    _admin: AdminCaller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let target = user(&state, &id).await?;
    let sessions = sessions::live_sessions(&state, &target.id).await?;
    Ok(json(
        StatusCode::OK,
        super::super::account::session_list(sessions),
    ))
}

async fn delete_user_session(
    State(state): State<AppState>,
    caller: AdminCaller,
    Path((id, sid)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let target = user(&state, &id).await?;
    let Ok(sid) = SessionId::parse(&sid) else {
        return Err(ApiError::NotFound);
    };
    match admin::end_session(&state, &target, &sid, caller.actor()).await? {
        true => Ok(no_content()),
        false => Err(ApiError::NotFound),
    }
}
