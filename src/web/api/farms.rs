//! Farms in the JSON APIs: a person's own farms under `/api/v1/me/farms` (the account
//! scope; what they may do follows their farm role) and every farm under
//! `/api/v1/admin/farms` (administrators). The same domain functions as the pages and the
//! command line decide; another farm's id answers 404 like an unknown one.

use axum::Json;
use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use serde::{Deserialize, Serialize};

use super::{AdminCaller, ApiError, Caller, JsonBody};
use crate::accounts::admin::Actor;
use crate::accounts::audit::Origin;
use crate::accounts::farm_invitations;
use crate::accounts::farms::{self, Acting, Standing};
use crate::domain::{FarmRole, FarmStatus};
use crate::state::AppState;
use crate::store::farm_invitations::InvitationRecord;
use crate::store::farms::{FarmRecord, MemberRecord};
use crate::web::error::no_store;
use crate::web::extract::RequestOrigin;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/me/farms", get(get_my_farms))
        .route("/api/v1/me/farms/{id}", get(get_my_farm))
        .route("/api/v1/me/farms/{id}/members", get(get_my_farm_members))
        .route(
            "/api/v1/me/farms/{id}/members/{member}",
            delete(delete_my_farm_member),
        )
        .route(
            "/api/v1/me/farms/{id}/members/{member}/role",
            put(put_my_farm_member_role),
        )
        .route(
            "/api/v1/me/farms/{id}/invitations",
            get(get_invitations).post(post_invitation),
        )
        .route(
            "/api/v1/me/farms/{id}/invitations/{invitation}",
            delete(delete_invitation),
        )
        .route("/api/v1/me/farms/{id}/leave", post(post_leave))
        .route("/api/v1/me/farms/{id}/hand-over", post(post_hand_over))
        .route("/api/v1/me/farm-invitations/accept", post(post_accept))
        .route("/api/v1/admin/farms", get(get_farms))
        .route("/api/v1/admin/farms/{id}", get(get_farm))
        .route("/api/v1/admin/farms/{id}/approve", post(post_approve))
        .route("/api/v1/admin/farms/{id}/refuse", post(post_refuse))
        .route("/api/v1/admin/farms/{id}/suspend", post(post_suspend))
        .route("/api/v1/admin/farms/{id}/reactivate", post(post_reactivate))
        .route("/api/v1/admin/farms/{id}/members", post(post_member))
        .route(
            "/api/v1/admin/farms/{id}/members/{member}",
            delete(delete_member),
        )
        .route(
            "/api/v1/admin/farms/{id}/members/{member}/role",
            put(put_member_role),
        )
}

fn json<T: Serialize>(status: StatusCode, body: T) -> Response {
    (status, no_store(), Json(body)).into_response()
}

fn no_content() -> Response {
    (StatusCode::NO_CONTENT, no_store()).into_response()
}

#[derive(Serialize)]
struct FarmView {
    id: String,
    name: String,
    status: FarmStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    status_reason: Option<String>,
    /// The caller's role (account API only).
    #[serde(skip_serializing_if = "Option::is_none")]
    role: Option<FarmRole>,
    created_at: i64,
}

impl FarmView {
    fn new(farm: FarmRecord, role: Option<FarmRole>) -> FarmView {
        FarmView {
            id: farm.id,
            name: farm.name.to_string(),
            status: farm.status,
            status_reason: farm.status_reason,
            role,
            created_at: farm.created_at,
        }
    }
}

#[derive(Serialize)]
struct FarmWithMembers {
    #[serde(flatten)]
    farm: FarmView,
    members: Vec<MemberView>,
}

#[derive(Serialize)]
struct MemberView {
    user_id: String,
    username: String,
    role: FarmRole,
    joined_at: i64,
}

fn members_view(members: Vec<MemberRecord>) -> Vec<MemberView> {
    members
        .into_iter()
        .map(|m| MemberView {
            user_id: m.user_id,
            username: m.username,
            role: m.role,
            joined_at: m.joined_at,
        })
        .collect()
}

#[derive(Serialize)]
struct InvitationView {
    id: String,
    email: String,
    role: FarmRole,
    created_at: i64,
    expires_at: i64,
}

impl From<InvitationRecord> for InvitationView {
    fn from(i: InvitationRecord) -> Self {
        InvitationView {
            id: i.id,
            email: i.email,
            role: i.role,
            created_at: i.created_at,
            expires_at: i.expires_at,
        }
    }
}

/// A farm role as a body gave it.
fn role(text: &str) -> Result<FarmRole, ApiError> {
    Ok(farms::parse_role(text)?)
}

// ---- The account API: the caller's own farms

fn member<'a>(caller: &'a Caller, origin: &'a Origin) -> Result<Acting<'a>, ApiError> {
    Ok(Acting::Member {
        user: caller.person()?,
        origin,
    })
}

async fn get_my_farms(State(state): State<AppState>, caller: Caller) -> Result<Response, ApiError> {
    let farms: Vec<FarmView> = farms::farms_of(&state, caller.person()?)
        .await?
        .into_iter()
        .map(|m| FarmView::new(m.farm, Some(m.role)))
        .collect();
    Ok(json(StatusCode::OK, farms))
}

async fn get_my_farm(
    State(state): State<AppState>,
    caller: Caller,
    RequestOrigin(origin): RequestOrigin,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let acting = member(&caller, &origin)?;
    let Standing { farm, role } = farms::standing(&state, acting, &id).await?;
    Ok(json(StatusCode::OK, FarmView::new(farm, role)))
}

async fn get_my_farm_members(
    State(state): State<AppState>,
    caller: Caller,
    RequestOrigin(origin): RequestOrigin,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let acting = member(&caller, &origin)?;
    let (_, members) = farms::members(&state, acting, &id).await?;
    Ok(json(StatusCode::OK, members_view(members)))
}

#[derive(Deserialize)]
struct RoleBody {
    role: String,
}

async fn put_my_farm_member_role(
    State(state): State<AppState>,
    caller: Caller,
    RequestOrigin(origin): RequestOrigin,
    Path((id, member_id)): Path<(String, String)>,
    JsonBody(body): JsonBody<RoleBody>,
) -> Result<Response, ApiError> {
    let acting = member(&caller, &origin)?;
    farms::change_role(&state, acting, &id, &member_id, role(&body.role)?).await?;
    Ok(no_content())
}

async fn delete_my_farm_member(
    State(state): State<AppState>,
    caller: Caller,
    RequestOrigin(origin): RequestOrigin,
    Path((id, member_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let acting = member(&caller, &origin)?;
    farms::remove_member(&state, acting, &id, &member_id).await?;
    Ok(no_content())
}

async fn post_leave(
    State(state): State<AppState>,
    caller: Caller,
    RequestOrigin(origin): RequestOrigin,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    farms::leave(&state, caller.person()?, &origin, &id).await?;
    Ok(no_content())
}

/// An owner hands the farm over: `member_id` becomes an owner, and the caller a manager
/// when `step_down` (else a second owner), in one step.
#[derive(Deserialize)]
struct HandOverBody {
    member_id: String,
    #[serde(default)]
    step_down: bool,
}

async fn post_hand_over(
    State(state): State<AppState>,
    caller: Caller,
    RequestOrigin(origin): RequestOrigin,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<HandOverBody>,
) -> Result<Response, ApiError> {
    let acting = member(&caller, &origin)?;
    farms::hand_over(&state, acting, &id, &body.member_id, body.step_down).await?;
    Ok(no_content())
}

async fn get_invitations(
    State(state): State<AppState>,
    caller: Caller,
    RequestOrigin(origin): RequestOrigin,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let acting = member(&caller, &origin)?;
    let open = farm_invitations::open_invitations(&state, acting, &id).await?;
    let open: Vec<InvitationView> = open.into_iter().map(InvitationView::from).collect();
    Ok(json(StatusCode::OK, open))
}

#[derive(Deserialize)]
struct InviteBody {
    email: String,
    role: String,
}

async fn post_invitation(
    State(state): State<AppState>,
    caller: Caller,
    RequestOrigin(origin): RequestOrigin,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<InviteBody>,
) -> Result<Response, ApiError> {
    let acting = member(&caller, &origin)?;
    let role = role(&body.role)?;
    let invitation = farm_invitations::invite(&state, acting, &id, &body.email, role).await?;
    Ok(json(StatusCode::CREATED, InvitationView::from(invitation)))
}

async fn delete_invitation(
    State(state): State<AppState>,
    caller: Caller,
    RequestOrigin(origin): RequestOrigin,
    Path((id, invitation)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let acting = member(&caller, &origin)?;
    farm_invitations::withdraw(&state, acting, &id, &invitation).await?;
    Ok(no_content())
}

#[derive(Deserialize)]
struct AcceptBody {
    token: String,
}

async fn post_accept(
    State(state): State<AppState>,
    caller: Caller,
    RequestOrigin(origin): RequestOrigin,
    JsonBody(body): JsonBody<AcceptBody>,
) -> Result<Response, ApiError> {
    let user = caller.person()?;
    let farm = farm_invitations::accept(&state, user, &origin, &body.token).await?;
    let role = state
        .store
        .find_membership(&farm.id, &user.id)
        .await?
        .map(|m| m.role);
    Ok(json(StatusCode::OK, FarmView::new(farm, role)))
}

// ---- The admin API: every farm

impl AdminCaller {
    fn farm_actor(&self) -> Actor<'_> {
        Actor::Person {
            user: &self.admin,
            origin: &self.origin,
        }
    }
}

async fn get_farms(
    State(state): State<AppState>,
    _admin: AdminCaller,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let mut status = None;
    for (name, value) in form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        match name.as_ref() {
            "status" => {
                status = Some(FarmStatus::parse(&value).ok_or_else(|| {
                    ApiError::Invalid(
                        "invalid_request",
                        "status is pending, active or suspended".into(),
                    )
                })?)
            }
            _ => continue,
        }
    }
    let farms: Vec<FarmView> = farms::list(&state, status)
        .await?
        .into_iter()
        .map(|f| FarmView::new(f, None))
        .collect();
    Ok(json(StatusCode::OK, farms))
}

async fn get_farm(
    State(state): State<AppState>,
    admin: AdminCaller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let acting = Acting::Platform(admin.farm_actor());
    let (standing, members) = farms::members(&state, acting, &id).await?;
    let body = FarmWithMembers {
        farm: FarmView::new(standing.farm, None),
        members: members_view(members),
    };
    Ok(json(StatusCode::OK, body))
}

async fn post_approve(
    State(state): State<AppState>,
    admin: AdminCaller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    farms::approve(&state, &id, admin.farm_actor()).await?;
    Ok(no_content())
}

#[derive(Deserialize)]
struct ReasonBody {
    reason: String,
}

async fn post_refuse(
    State(state): State<AppState>,
    admin: AdminCaller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<ReasonBody>,
) -> Result<Response, ApiError> {
    farms::reject(&state, &id, &body.reason, admin.farm_actor()).await?;
    Ok(no_content())
}

async fn post_suspend(
    State(state): State<AppState>,
    admin: AdminCaller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<ReasonBody>,
) -> Result<Response, ApiError> {
    farms::suspend(&state, &id, &body.reason, admin.farm_actor()).await?;
    Ok(no_content())
}

async fn post_reactivate(
    State(state): State<AppState>,
    admin: AdminCaller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    farms::reactivate(&state, &id, admin.farm_actor()).await?;
    Ok(no_content())
}

#[derive(Deserialize)]
struct NewMemberBody {
    username: String,
    role: String,
}

async fn post_member(
    State(state): State<AppState>,
    admin: AdminCaller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<NewMemberBody>,
) -> Result<Response, ApiError> {
    let role = role(&body.role)?;
    farms::add_member(&state, &id, &body.username, role, admin.farm_actor()).await?;
    Ok(no_content())
}

async fn put_member_role(
    State(state): State<AppState>,
    admin: AdminCaller,
    Path((id, member_id)): Path<(String, String)>,
    JsonBody(body): JsonBody<RoleBody>,
) -> Result<Response, ApiError> {
    let acting = Acting::Platform(admin.farm_actor());
    farms::change_role(&state, acting, &id, &member_id, role(&body.role)?).await?;
    Ok(no_content())
}

async fn delete_member(
    State(state): State<AppState>,
    admin: AdminCaller,
    Path((id, member_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let acting = Acting::Platform(admin.farm_actor());
    farms::remove_member(&state, acting, &id, &member_id).await?;
    Ok(no_content())
}
