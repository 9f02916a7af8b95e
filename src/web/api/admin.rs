//! The admin API under `/api/v1/admin/`: the console's operations as JSON, for scripts and
//! tools. Callers are administrators ([`AdminCaller`]); every change is in the audit trail
//! with who made it. Also `POST /api/v1/me/initial-access-tokens`, where a farmer (or an
//! administrator) issues a registration token for their own company's apps.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use super::{AdminCaller, ApiError, Caller, JsonBody};
use crate::accounts::admin::{self, Actor};
use crate::accounts::audit::{self, Origin};
use crate::accounts::sessions;
use crate::domain::{ClientId, RedirectUri, SessionId, UserId};
use crate::error::InternalError;
use crate::oauth2::client_metadata::NewClient;
use crate::oauth2::clients::Client;
use crate::oauth2::initial_access;
use crate::oauth2::operator;
use crate::state::AppState;
use crate::store::audit::{AuditFilter, AuditRecord};
use crate::store::users::UserRecord;
use crate::web::error::no_store;
use crate::web::extract::RequestOrigin;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/admin/users", get(get_users))
        .route(
            "/api/v1/admin/users/{id}",
            get(get_user).delete(delete_user),
        )
        .route("/api/v1/admin/users/{id}/lock", post(post_lock))
        .route("/api/v1/admin/users/{id}/unlock", post(post_unlock))
        .route("/api/v1/admin/users/{id}/roles", put(put_roles))
        .route("/api/v1/admin/users/{id}/company", put(put_company))
        .route(
            "/api/v1/admin/users/{id}/password-reset",
            post(post_password_reset),
        )
        .route("/api/v1/admin/users/{id}/sessions", get(get_user_sessions))
        .route(
            "/api/v1/admin/users/{id}/sessions/{sid}",
            delete(delete_user_session),
        )
        .route("/api/v1/admin/clients", get(get_clients).post(post_client))
        .route(
            "/api/v1/admin/clients/{id}",
            get(get_client).put(put_client).delete(delete_client),
        )
        .route(
            "/api/v1/admin/clients/{id}/secret",
            post(post_client_secret),
        )
        .route("/api/v1/admin/keys", get(get_keys))
        .route("/api/v1/admin/keys/rotate", post(post_keys_rotate))
        .route("/api/v1/admin/audit", get(get_audit))
        .route(
            "/api/v1/admin/initial-access-tokens",
            post(post_initial_access_token),
        )
        .route(
            "/api/v1/me/initial-access-tokens",
            post(post_my_initial_access_token),
        )
}

fn json<T: Serialize>(status: StatusCode, body: T) -> Response {
    (status, no_store(), Json(body)).into_response()
}

fn no_content() -> Response {
    (StatusCode::NO_CONTENT, no_store()).into_response()
}

impl AdminCaller {
    fn actor(&self) -> Actor<'_> {
        Actor::Person {
            user: &self.admin,
            origin: &self.origin,
        }
    }
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
    company: Option<String>,
    locked: bool,
    locked_at: Option<i64>,
    locked_reason: Option<String>,
    password_reset_required: bool,
    created_at: i64,
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
            company: user.company,
            locked: locked_at.is_some(),
            locked_at,
            locked_reason,
            password_reset_required: user.password_reset_required,
            created_at: user.created_at,
        }
    }
}

/// A page of a list: 1-based page number and its size (at most 100).
#[derive(Deserialize)]
struct UserSearch {
    q: Option<String>,
    page: Option<i64>,
    per_page: Option<i64>,
}

pub const DEFAULT_PAGE_SIZE: i64 = 25;
const MAX_PAGE_SIZE: i64 = 100;
/// The longest search text read.
pub const MAX_SEARCH_CHARS: usize = 100;

#[derive(Serialize)]
struct UserPage {
    users: Vec<AdminUserView>,
    total: i64,
    page: i64,
    per_page: i64,
}

async fn get_users(
    State(state): State<AppState>,
    _admin: AdminCaller,
    Query(search): Query<UserSearch>,
) -> Result<Response, ApiError> {
    let per_page = search.per_page.unwrap_or(DEFAULT_PAGE_SIZE);
    if !(1..=MAX_PAGE_SIZE).contains(&per_page) {
        return Err(ApiError::Invalid(
            "invalid_request",
            format!("per_page is 1 to {MAX_PAGE_SIZE}"),
        ));
    }
    let page = search.page.unwrap_or(1);
    if !(1..=1_000_000).contains(&page) {
        return Err(ApiError::Invalid(
            "invalid_request",
            "page starts at 1".into(),
        ));
    }
    let text: String = search
        .q
        .unwrap_or_default()
        .chars()
        .take(MAX_SEARCH_CHARS)
        .collect();
    let (users, total) =
        admin::search_users(&state, &text, (page - 1) * per_page, per_page).await?;
    let users = users.into_iter().map(AdminUserView::from).collect();
    Ok(json(
        StatusCode::OK,
        UserPage {
            users,
            total,
            page,
            per_page,
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
    Ok(json(StatusCode::OK, AdminUserView::from(user)))
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

#[derive(Deserialize)]
struct Company {
    company: Option<String>,
}

async fn put_company(
    State(state): State<AppState>,
    caller: AdminCaller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<Company>,
) -> Result<Response, ApiError> {
    let target = user(&state, &id).await?;
    let company = body.company.unwrap_or_default();
    admin::set_company(&state, &target, &company, caller.actor()).await?;
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
    Ok(json(StatusCode::OK, super::account::session_list(sessions)))
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

/// A client as administrators see it (never its secret).
#[derive(Serialize)]
pub struct ClientView {
    client_id: String,
    client_name: String,
    token_endpoint_auth_method: &'static str,
    redirect_uris: Vec<RedirectUri>,
    post_logout_redirect_uris: Vec<RedirectUri>,
    grant_types: Vec<&'static str>,
    scope: String,
    registered_by_vendor: bool,
    vendor: Option<String>,
    created_at: i64,
}

impl From<&Client> for ClientView {
    fn from(client: &Client) -> Self {
        ClientView {
            client_id: client.id.clone(),
            client_name: client.name.clone(),
            token_endpoint_auth_method: client.auth_method.as_str(),
            redirect_uris: client.redirect_uris.clone(),
            post_logout_redirect_uris: client.post_logout_redirect_uris.clone(),
            grant_types: client.grant_types.iter().map(|g| g.as_str()).collect(),
            scope: client.scope.to_string(),
            registered_by_vendor: client.registered_by_vendor,
            vendor: client.vendor.clone(),
            created_at: client.created_at,
        }
    }
}

async fn get_clients(
    State(state): State<AppState>,
    _admin: AdminCaller,
) -> Result<Response, ApiError> {
    let clients = operator::list_clients(&state).await?;
    let clients: Vec<ClientView> = clients.iter().map(ClientView::from).collect();
    Ok(json(
        StatusCode::OK,
        serde_json::json!({ "clients": clients }),
    ))
}

async fn client(state: &AppState, id: &str) -> Result<Client, ApiError> {
    let id = ClientId::parse(id).map_err(|_| ApiError::NotFound)?;
    operator::find_client(state, &id)
        .await?
        .ok_or(ApiError::NotFound)
}

async fn get_client(
    State(state): State<AppState>,
    _admin: AdminCaller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let client = client(&state, &id).await?;
    Ok(json(StatusCode::OK, ClientView::from(&client)))
}

/// A client's metadata as the admin API takes it (the CLI's `client create` options).
#[derive(Deserialize)]
struct ClientBody {
    client_name: String,
    #[serde(default)]
    redirect_uris: Vec<String>,
    #[serde(default)]
    post_logout_redirect_uris: Vec<String>,
    #[serde(default)]
    grant_types: Vec<String>,
    scope: Option<String>,
    token_endpoint_auth_method: Option<String>,
}

impl From<ClientBody> for NewClient {
    fn from(body: ClientBody) -> Self {
        let public = body.token_endpoint_auth_method.as_deref() == Some("none");
        NewClient {
            name: body.client_name,
            redirect_uris: body.redirect_uris,
            post_logout_redirect_uris: body.post_logout_redirect_uris,
            grant_types: body.grant_types,
            scope: body.scope,
            public,
            auth_method: body.token_endpoint_auth_method.filter(|_| !public),
        }
    }
}

async fn post_client(
    State(state): State<AppState>,
    caller: AdminCaller,
    JsonBody(body): JsonBody<ClientBody>,
) -> Result<Response, ApiError> {
    let registered = operator::create_client(&state, caller.actor(), body.into()).await?;
    let mut view =
        serde_json::to_value(ClientView::from(&registered.client)).map_err(InternalError::from)?;
    if let Some(secret) = registered.secret {
        view["client_secret"] = serde_json::json!(secret);
    }
    Ok(json(StatusCode::CREATED, view))
}

async fn put_client(
    State(state): State<AppState>,
    caller: AdminCaller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<ClientBody>,
) -> Result<Response, ApiError> {
    let current = client(&state, &id).await?;
    let updated = operator::update_client(&state, caller.actor(), &current.id, body.into()).await?;
    Ok(json(StatusCode::OK, ClientView::from(&updated)))
}

async fn post_client_secret(
    State(state): State<AppState>,
    caller: AdminCaller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let current = client(&state, &id).await?;
    let secret = operator::rotate_client_secret(&state, caller.actor(), &current.id).await?;
    Ok(json(
        StatusCode::OK,
        serde_json::json!({ "client_id": current.id, "client_secret": secret }),
    ))
}

async fn delete_client(
    State(state): State<AppState>,
    caller: AdminCaller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let Ok(id) = ClientId::parse(&id) else {
        return Err(ApiError::NotFound);
    };
    match operator::delete_client(&state, caller.actor(), &id).await? {
        true => Ok(no_content()),
        false => Err(ApiError::NotFound),
    }
}

async fn get_keys(
    State(state): State<AppState>,
    _admin: AdminCaller,
) -> Result<Response, ApiError> {
    let keys = operator::list_keys(&state).await?;
    Ok(json(StatusCode::OK, serde_json::json!({ "keys": keys })))
}

async fn post_keys_rotate(
    State(state): State<AppState>,
    caller: AdminCaller,
) -> Result<Response, ApiError> {
    let kid = operator::rotate_keys(&state, caller.actor()).await?;
    Ok(json(StatusCode::OK, serde_json::json!({ "kid": kid })))
}

#[derive(Deserialize)]
struct AuditQuery {
    user_id: Option<String>,
    client_id: Option<String>,
    event: Option<String>,
    since: Option<i64>,
    until: Option<i64>,
    /// The `next_before` of the previous page.
    before: Option<i64>,
    limit: Option<i64>,
}

#[derive(Serialize)]
struct AuditPage {
    events: Vec<AuditRecord>,
    /// Pass as `before` for the next (older) page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    next_before: Option<i64>,
}

async fn get_audit(
    State(state): State<AppState>,
    _admin: AdminCaller,
    Query(query): Query<AuditQuery>,
) -> Result<Response, ApiError> {
    let limit = query.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::Invalid(
            "invalid_request",
            "limit is 1 to 500".into(),
        ));
    }
    let too_long = |t: &Option<String>| t.as_ref().is_some_and(|t| t.len() > 100);
    if too_long(&query.user_id) || too_long(&query.client_id) || too_long(&query.event) {
        return Err(ApiError::Invalid(
            "invalid_request",
            "user_id, client_id and event are at most 100 characters".into(),
        ));
    }
    let filter = AuditFilter {
        user_id: query.user_id.as_deref().filter(|t| !t.is_empty()),
        client_id: query.client_id.as_deref().filter(|t| !t.is_empty()),
        event: query.event.as_deref().filter(|t| !t.is_empty()),
        since: query.since,
        until: query.until,
        before_id: query.before,
    };
    let events = audit::search(&state, &filter, limit).await?;
    let next_before = match events.len() as i64 == limit {
        true => events.last().map(|e| e.id),
        false => None,
    };
    Ok(json(
        StatusCode::OK,
        AuditPage {
            events,
            next_before,
        },
    ))
}

#[derive(Deserialize, Default)]
struct IssueBody {
    ttl: Option<i64>,
    uses: Option<i64>,
    vendor: Option<String>,
}

async fn issue(
    state: &AppState,
    user: &UserRecord,
    origin: &Origin,
    body: IssueBody,
    own_company: bool,
) -> Result<Response, ApiError> {
    let request = initial_access::Request {
        ttl_secs: body.ttl,
        uses: body.uses,
        vendor: body.vendor,
        own_company,
    };
    let actor = Actor::Person { user, origin };
    let issued = initial_access::issue(state, actor, request).await?;
    Ok(json(
        StatusCode::CREATED,
        serde_json::json!({
            "token": issued.token,
            "expires_at": issued.expires_at,
            "uses": issued.uses,
            "vendor": issued.vendor,
        }),
    ))
}

async fn post_initial_access_token(
    State(state): State<AppState>,
    caller: AdminCaller,
    JsonBody(body): JsonBody<IssueBody>,
) -> Result<Response, ApiError> {
    issue(&state, &caller.admin, &caller.origin, body, false).await
}

/// A farmer's registration token: their company's apps. An administrator gets one for
/// their own company here too; naming another vendor needs the admin API (and its scope).
async fn post_my_initial_access_token(
    State(state): State<AppState>,
    caller: Caller,
    RequestOrigin(origin): RequestOrigin,
    JsonBody(body): JsonBody<IssueBody>,
) -> Result<Response, ApiError> {
    let person = caller.person()?;
    issue(&state, person, &origin, body, true).await
}
