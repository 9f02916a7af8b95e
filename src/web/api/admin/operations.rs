//! Signing keys, the audit trail, and registration tokens (an administrator's for any
//! vendor or farm, an owner's or manager's for their own farm).

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};

use super::super::{AdminCaller, ApiError, ApiQuery, Caller, JsonBody};
use super::json;
use crate::accounts::admin::Actor;
use crate::accounts::audit::{self, Origin};
use crate::oauth2::initial_access;
use crate::oauth2::operator;
use crate::state::AppState;
use crate::store::audit::{AuditFilter, AuditRecord};
use crate::store::users::UserRecord;
use crate::web::extract::RequestOrigin;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/admin/keys", get(get_keys))
        .route("/api/v1/admin/keys/rotate", post(post_keys_rotate))
        .route("/api/v1/admin/keys/{kid}/revoke", post(post_key_revoke))
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
    let rotation = operator::rotate_keys(&state, caller.actor()).await?;
    let body = serde_json::json!({ "kid": rotation.kid, "activates_at": rotation.activates_at });
    Ok(json(StatusCode::OK, body))
}

async fn post_key_revoke(
    State(state): State<AppState>,
    caller: AdminCaller,
    Path(kid): Path<String>,
) -> Result<Response, ApiError> {
    let successor = operator::revoke_key(&state, caller.actor(), &kid).await?;
    let body = serde_json::json!({ "revoked": kid, "signing_kid": successor });
    Ok(json(StatusCode::OK, body))
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
    ApiQuery(query): ApiQuery<AuditQuery>,
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
    farm_id: Option<String>,
}

async fn issue(
    state: &AppState,
    user: &UserRecord,
    origin: &Origin,
    body: IssueBody,
    as_member: bool,
) -> Result<Response, ApiError> {
    let request = initial_access::Request {
        ttl_secs: body.ttl,
        uses: body.uses,
        vendor: body.vendor,
        farm: body.farm_id,
        as_member,
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
            "farm_id": issued.farm_id,
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

/// A registration token for the apps of the farm `farm_id`, for its owners and managers,
/// administrators included only as members: the admin API (and its scope) names any farm
/// or a vendor.
async fn post_my_initial_access_token(
    State(state): State<AppState>,
    caller: Caller,
    RequestOrigin(origin): RequestOrigin,
    JsonBody(body): JsonBody<IssueBody>,
) -> Result<Response, ApiError> {
    let person = caller.person()?;
    issue(&state, person, &origin, body, true).await
}
