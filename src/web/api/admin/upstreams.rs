//! Upstream OpenID providers ([`crate::accounts::upstream`]): list (never a secret),
//! configure, delete (with every account's link to it).

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{delete, get};
use serde::Deserialize;

use super::super::{AdminCaller, ApiError, JsonBody};
use super::{json, no_content};
use crate::accounts::upstream::{self, NewUpstream};
use crate::state::AppState;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/admin/upstreams",
            get(get_upstreams).post(post_upstream),
        )
        .route("/api/v1/admin/upstreams/{id}", delete(delete_upstream))
}

async fn get_upstreams(
    State(state): State<AppState>,
    _admin: AdminCaller,
) -> Result<Response, ApiError> {
    let all = upstream::list(&state).await?;
    Ok(json(
        StatusCode::OK,
        serde_json::json!({ "upstreams": all }),
    ))
}

/// A provider as the admin API takes it (the CLI's `upstream create` options).
#[derive(Deserialize)]
struct UpstreamBody {
    id: String,
    label: String,
    issuer: String,
    client_id: String,
    client_secret: String,
    scope: Option<String>,
    #[serde(default)]
    trust_mfa: bool,
}

async fn post_upstream(
    State(state): State<AppState>,
    caller: AdminCaller,
    JsonBody(body): JsonBody<UpstreamBody>,
) -> Result<Response, ApiError> {
    let new = NewUpstream {
        id: body.id,
        label: body.label,
        issuer: body.issuer,
        client_id: body.client_id,
        client_secret: body.client_secret,
        scopes: body.scope,
        trust_mfa: body.trust_mfa,
    };
    let created = upstream::create(&state, caller.actor(), new).await?;
    Ok(json(StatusCode::CREATED, created))
}

async fn delete_upstream(
    State(state): State<AppState>,
    caller: AdminCaller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    upstream::delete(&state, caller.actor(), &id).await?;
    Ok(no_content())
}
