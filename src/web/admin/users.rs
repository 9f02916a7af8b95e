//! The console's users: search and pages, one person's account (their farms, lock, unlock,
//! roles, required password reset, sessions, deletion).

use askama::Template;

use crate::i18n::Words;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use serde::Deserialize;

use super::{Admin, AdminPost, Frame};
use crate::accounts::admin::{self, AdminError};
use crate::accounts::farms;
use crate::accounts::sessions;
use crate::accounts::users::Role;
use crate::domain::{SessionId, UserId};
use crate::state::AppState;
use crate::store::users::{UserCursor, UserRecord};
use crate::web::account::{done, refused};
use crate::web::error::PageError;
use crate::web::pages::{self, Csp, SessionView, when};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/users", get(get_users))
        .route("/admin/users/{id}", get(get_user))
        .route("/admin/users/{id}/lock", post(post_lock))
        .route("/admin/users/{id}/unlock", post(post_unlock))
        .route("/admin/users/{id}/roles", post(post_roles))
        .route(
            "/admin/users/{id}/password-reset",
            post(post_password_reset),
        )
        .route("/admin/users/{id}/sessions/end", post(post_end_session))
        .route("/admin/users/{id}/delete", post(post_delete))
}

const PAGE_SIZE: i64 = 25;
const MAX_SEARCH_CHARS: usize = 100;

/// One row of the users list.
pub struct UserRow {
    pub id: String,
    pub username: String,
    pub email: String,
    pub roles: String,
    pub status: &'static str,
    pub joined: String,
}

fn status(user: &UserRecord) -> &'static str {
    match (user.locked.is_some(), user.password_reset_required) {
        (true, _) => "locked",
        (false, true) => "must reset password",
        (false, false) => "active",
    }
}

#[derive(Template)]
#[template(path = "admin/users.html")]
struct UsersPage {
    frame: Frame,
    section: &'static str,
    query: String,
    users: Vec<UserRow>,
    /// How many match: exact, or "more than" when `total_exact` is false.
    total: i64,
    total_exact: bool,
    first: Option<String>,
    next: Option<String>,
}

#[derive(Deserialize)]
struct Search {
    q: Option<String>,
    /// Where the page starts: the cursor the previous page's Next link carried.
    after: Option<String>,
}

fn users_href(query: &str, after: Option<&UserCursor>) -> String {
    let prefix = "/admin/users";
    let mut href = form_urlencoded::Serializer::new(String::new());
    if !query.is_empty() {
        href.append_pair("q", query);
    }
    if let Some(after) = after {
        href.append_pair("after", &after.to_string());
    }
    match href.finish() {
        pairs if pairs.is_empty() => prefix.to_string(),
        pairs => format!("{prefix}?{pairs}"),
    }
}

async fn get_users(
    State(state): State<AppState>,
    admin: Admin,
    Query(search): Query<Search>,
) -> Result<Response, PageError> {
    let query = admin::printable(&search.q.unwrap_or_default(), MAX_SEARCH_CHARS);
    // A cursor that is not one shows the first page.
    let after = search.after.as_deref().and_then(UserCursor::parse);
    let page = admin::search_users(&state, &query, after.as_ref(), PAGE_SIZE).await?;
    let users = page
        .users
        .iter()
        .map(|user| UserRow {
            id: user.id.clone(),
            username: user.username.clone(),
            email: user.email.clone(),
            roles: user.roles.join(", "),
            status: status(user),
            joined: when(user.created_at),
        })
        .collect();
    let template = UsersPage {
        frame: admin.frame().await?,
        section: "users",
        first: after.is_some().then(|| users_href(&query, None)),
        next: page
            .next
            .as_ref()
            .map(|next| users_href(&query, Some(next))),
        query,
        users,
        total: page.total.shown,
        total_exact: page.total.exact,
    };
    Ok(pages::page(StatusCode::OK, &template, Csp::default()))
}

#[derive(Template)]
#[template(path = "admin/user.html")]
struct UserPage {
    frame: Frame,
    section: &'static str,
    user: UserRow,
    email_verified: bool,
    farms: Vec<UserFarm>,
    locked: Option<(String, String)>,
    password_reset_required: bool,
    has_role: [(&'static str, bool); 3],
    sessions: Vec<SessionView>,
    is_me: bool,
}

/// One farm the person belongs to: read only here, changed on the farm's page.
struct UserFarm {
    id: String,
    name: String,
    role: &'static str,
    status: &'static str,
}

/// The user `id`, or the not-found page.
async fn target(state: &AppState, id: &str) -> Result<UserRecord, PageError> {
    let id = UserId::parse(id).map_err(|_| PageError::NotFound)?;
    crate::accounts::users::find(state, &id)
        .await?
        .ok_or(PageError::NotFound)
}

async fn get_user(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let user = target(&state, &id).await?;
    let sessions = sessions::live_sessions(&state, &user.id)
        .await?
        .iter()
        .map(|login| SessionView::new(login, ""))
        .collect();
    let farms = farms::farms_of(&state, &user)
        .await?
        .into_iter()
        .map(|membership| UserFarm {
            id: membership.farm.id,
            name: membership.farm.name.to_string(),
            role: membership.role.as_str(),
            status: membership.farm.status.as_str(),
        })
        .collect();
    let has = |role: Role| (role.as_str(), user.roles.contains(role));
    let template = UserPage {
        frame: admin.frame().await?,
        section: "users",
        email_verified: user.email_verified,
        farms,
        locked: user
            .locked
            .as_ref()
            .map(|(at, reason)| (when(*at), reason.clone())),
        password_reset_required: user.password_reset_required,
        has_role: [has(Role::Consumer), has(Role::Farmer), has(Role::Admin)],
        sessions,
        is_me: user.id == admin.user.id,
        user: UserRow {
            id: user.id.clone(),
            username: user.username.clone(),
            email: user.email.clone(),
            roles: user.roles.join(", "),
            status: status(&user),
            joined: when(user.created_at),
        },
    };
    Ok(pages::page(StatusCode::OK, &template, Csp::default()))
}

/// Back to the user's page, with how the change went.
async fn back_to(
    post: &AdminPost,
    user: &UserRecord,
    outcome: Result<String, AdminError>,
) -> Result<Response, PageError> {
    let notice = match outcome {
        Ok(text) => done(&text),
        Err(AdminError::Invalid(why)) => refused(why),
        Err(AdminError::NotOnYourself(why)) => refused(why),
        Err(AdminError::NoSuchUser(_)) => return Err(PageError::NotFound),
        Err(AdminError::Store(error)) => return Err(error.into()),
    };
    post.admin
        .back(&format!("/admin/users/{}", user.id), notice)
        .await
}

async fn post_lock(
    State(state): State<AppState>,
    Path(id): Path<String>,
    post: AdminPost,
) -> Result<Response, PageError> {
    let user = target(&state, &id).await?;
    let reason = match admin::stated_reason(post.form.get("reason")) {
        Ok(reason) => reason,
        Err(missing) => return back_to(&post, &user, Err(missing)).await,
    };
    let outcome = admin::lock(&state, &user, reason, post.admin.actor())
        .await
        .map(|()| format!("{} is locked and signed out everywhere.", user.username));
    back_to(&post, &user, outcome).await
}

async fn post_unlock(
    State(state): State<AppState>,
    Path(id): Path<String>,
    post: AdminPost,
) -> Result<Response, PageError> {
    let user = target(&state, &id).await?;
    let reason = post.form.get("reason").unwrap_or_default();
    let outcome = admin::unlock(&state, &user, reason, post.admin.actor())
        .await
        .map(|()| format!("{} can sign in again.", user.username));
    back_to(&post, &user, outcome).await
}

async fn post_roles(
    State(state): State<AppState>,
    Path(id): Path<String>,
    post: AdminPost,
) -> Result<Response, PageError> {
    let user = target(&state, &id).await?;
    // One checkbox per role, each with its own name (form fields never repeat here).
    let roles: Vec<&str> = [Role::Consumer, Role::Farmer, Role::Admin]
        .into_iter()
        .map(Role::as_str)
        .filter(|role| post.form.get(&format!("role_{role}")).is_some())
        .collect();
    let outcome = admin::set_roles(&state, &user, &roles, post.admin.actor())
        .await
        .map(|roles| format!("{}'s roles: {}.", user.username, roles.join(", ")));
    back_to(&post, &user, outcome).await
}

async fn post_password_reset(
    State(state): State<AppState>,
    Path(id): Path<String>,
    post: AdminPost,
) -> Result<Response, PageError> {
    let user = target(&state, &id).await?;
    let outcome = admin::require_password_reset(&state, &user, post.admin.actor())
        .await
        .map(|mailed| match mailed {
            true => format!(
                "{} must choose a new password; a reset link was mailed to {}.",
                user.username, user.email
            ),
            false => format!(
                "{} must choose a new password. No link was mailed (three went out this hour); they can ask for one from the sign-in page.",
                user.username
            ),
        });
    back_to(&post, &user, outcome).await
}

async fn post_end_session(
    State(state): State<AppState>,
    Path(id): Path<String>,
    post: AdminPost,
) -> Result<Response, PageError> {
    let user = target(&state, &id).await?;
    let ended = match SessionId::parse(post.form.get("session").unwrap_or_default()) {
        Ok(sid) => admin::end_session(&state, &user, &sid, post.admin.actor()).await,
        // Not a session id: it names no session, so there is none to end.
        Err(_) => Ok(false),
    };
    let outcome = ended.and_then(|ended| match ended {
        true => Ok("The session is ended.".to_string()),
        false => Err(AdminError::Invalid(
            "That session had already ended.".into(),
        )),
    });
    back_to(&post, &user, outcome).await
}

async fn post_delete(
    State(state): State<AppState>,
    Path(id): Path<String>,
    post: AdminPost,
) -> Result<Response, PageError> {
    let user = target(&state, &id).await?;
    // Deleting cannot be undone: the administrator types the username to confirm.
    if post.form.get("confirm").map(str::trim) != Some(user.username.as_str()) {
        let unconfirmed = Err(AdminError::Invalid(
            "Type the username exactly to confirm the deletion.".into(),
        ));
        return back_to(&post, &user, unconfirmed).await;
    }
    match admin::delete(&state, &user, post.admin.actor()).await {
        Ok(()) => {
            let text = format!("{}'s account is deleted.", user.username);
            post.admin.back("/admin/users", done(&text)).await
        }
        Err(error) => back_to(&post, &user, Err(error)).await,
    }
}
