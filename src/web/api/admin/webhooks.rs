//! Webhook endpoints ([`crate::events::endpoints`]): list, subscribe (the secret is in this
//! one answer), change or pause, delete; an endpoint's delivery history and dead letters,
//! and replaying a delivery.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};

use super::super::{AdminCaller, ApiError, JsonBody};
use super::{bad_cursor, json, no_content, page_limit};
use crate::events::EVENT_TYPES;
use crate::events::endpoints::{self, EndpointSummary, NewEndpoint, Shown};
use crate::state::AppState;
use crate::store::events::DeliveryRecord;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/admin/webhooks",
            get(get_endpoints).post(post_endpoint),
        )
        .route(
            "/api/v1/admin/webhooks/{id}",
            get(get_endpoint).put(put_endpoint).delete(delete_endpoint),
        )
        .route(
            "/api/v1/admin/webhooks/{id}/deliveries",
            get(get_deliveries),
        )
        .route(
            "/api/v1/admin/webhooks/{id}/deliveries/{delivery}/replay",
            post(post_replay),
        )
}

async fn get_endpoints(
    State(state): State<AppState>,
    _admin: AdminCaller,
) -> Result<Response, ApiError> {
    let all = endpoints::list(&state).await?;
    Ok(json(
        StatusCode::OK,
        serde_json::json!({ "webhooks": all, "event_types": EVENT_TYPES }),
    ))
}

/// An endpoint as the admin API takes it.
#[derive(Deserialize)]
struct EndpointBody {
    url: String,
    #[serde(default)]
    description: String,
    event_types: Vec<String>,
    #[serde(default)]
    disabled: bool,
}

impl From<EndpointBody> for NewEndpoint {
    fn from(body: EndpointBody) -> Self {
        NewEndpoint {
            url: body.url,
            description: body.description,
            event_types: body.event_types,
            disabled: body.disabled,
        }
    }
}

async fn post_endpoint(
    State(state): State<AppState>,
    caller: AdminCaller,
    JsonBody(body): JsonBody<EndpointBody>,
) -> Result<Response, ApiError> {
    let created = endpoints::subscribe(&state, caller.actor(), body.into()).await?;
    Ok(json(StatusCode::CREATED, created))
}

async fn get_endpoint(
    State(state): State<AppState>,
    _admin: AdminCaller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let endpoint = endpoints::find(&state, &id).await?;
    Ok(json(StatusCode::OK, EndpointSummary::from(&endpoint)))
}

async fn put_endpoint(
    State(state): State<AppState>,
    caller: AdminCaller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<EndpointBody>,
) -> Result<Response, ApiError> {
    let updated = endpoints::update(&state, caller.actor(), &id, body.into()).await?;
    Ok(json(StatusCode::OK, updated))
}

async fn delete_endpoint(
    State(state): State<AppState>,
    caller: AdminCaller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    endpoints::delete(&state, caller.actor(), &id).await?;
    Ok(no_content())
}

/// Which deliveries, and where a page starts (`cursor`, the previous page's `next_cursor`).
#[derive(Deserialize)]
struct DeliveryPaging {
    state: Option<String>,
    limit: Option<i64>,
    cursor: Option<String>,
}

#[derive(Serialize)]
struct DeliveryView {
    id: String,
    event_id: String,
    event_type: String,
    subject: String,
    state: String,
    attempts: i64,
    /// When the next attempt is due (pending deliveries only).
    next_attempt_at: Option<i64>,
    last_status: Option<i64>,
    last_error: Option<String>,
    created_at: i64,
    finished_at: Option<i64>,
}

impl From<DeliveryRecord> for DeliveryView {
    fn from(record: DeliveryRecord) -> Self {
        DeliveryView {
            next_attempt_at: (record.state == "pending").then_some(record.next_attempt_at),
            id: record.id,
            event_id: record.event_id,
            event_type: record.event_type,
            subject: record.subject,
            state: record.state,
            attempts: record.attempts,
            last_status: record.last_status,
            last_error: record.last_error,
            created_at: record.created_at,
            finished_at: record.finished_at,
        }
    }
}

async fn get_deliveries(
    State(state): State<AppState>,
    _admin: AdminCaller,
    Path(id): Path<String>,
    Query(paging): Query<DeliveryPaging>,
) -> Result<Response, ApiError> {
    let limit = page_limit(paging.limit)?;
    let shown = match paging.state.as_deref() {
        None | Some("") => Shown::All,
        Some("dead") => Shown::Dead,
        Some("pending") => Shown::Pending,
        Some(_) => {
            return Err(ApiError::Invalid(
                "invalid_request",
                "state is dead or pending".into(),
            ));
        }
    };
    let before = match paging.cursor.as_deref() {
        None | Some("") => None,
        Some(text) => Some(text.parse::<i64>().map_err(|_| bad_cursor())?),
    };
    let page = endpoints::history(&state, &id, shown, before, limit + 1).await?;
    let more = page.len() as i64 > limit;
    let page: Vec<DeliveryRecord> = page.into_iter().take(limit as usize).collect();
    let next_cursor = match more {
        true => page.last().map(|last| last.event_seq.to_string()),
        false => None,
    };
    let deliveries: Vec<DeliveryView> = page.into_iter().map(DeliveryView::from).collect();
    Ok(json(
        StatusCode::OK,
        serde_json::json!({ "deliveries": deliveries, "next_cursor": next_cursor }),
    ))
}

async fn post_replay(
    State(state): State<AppState>,
    caller: AdminCaller,
    Path((id, delivery)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    endpoints::replay(&state, caller.actor(), &id, &delivery).await?;
    Ok(no_content())
}
