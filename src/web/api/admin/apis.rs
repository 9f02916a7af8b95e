//! APIs (resource servers): list, register (the client secret shown this once), read,
//! replace the scopes (and which are open to vendor apps), delete.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;

use super::super::{AdminCaller, ApiError, JsonBody};
use super::{json, no_content};
use crate::oauth2::api_admin::{self, NewApi, NewApiScope};
use crate::state::AppState;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/admin/apis", get(get_apis).post(post_api))
        .route("/api/v1/admin/apis/{id}", get(get_api).delete(delete_api))
        .route(
            "/api/v1/admin/apis/{id}/scopes",
            axum::routing::put(put_api_scopes),
        )
}

async fn get_apis(
    State(state): State<AppState>,
    _admin: AdminCaller,
) -> Result<Response, ApiError> {
    let apis = api_admin::list(&state).await?;
    let apis: Vec<_> = apis.iter().map(api_admin::summary).collect();
    Ok(json(StatusCode::OK, serde_json::json!({ "apis": apis })))
}

async fn get_api(
    State(state): State<AppState>,
    _admin: AdminCaller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let api = api_admin::find(&state, &id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(json(StatusCode::OK, api_admin::summary(&api)))
}

/// An API as the admin API takes it (the CLI's `api create` options).
#[derive(Deserialize)]
struct ApiBody {
    name: String,
    audience: String,
    scopes: Vec<NewApiScope>,
}

async fn post_api(
    State(state): State<AppState>,
    caller: AdminCaller,
    JsonBody(body): JsonBody<ApiBody>,
) -> Result<Response, ApiError> {
    let new = NewApi {
        name: body.name,
        audience: body.audience,
        scopes: body.scopes,
    };
    let created = api_admin::create(&state, caller.actor(), new).await?;
    Ok(json(StatusCode::CREATED, created))
}

#[derive(Deserialize)]
struct ScopesBody {
    scopes: Vec<NewApiScope>,
}

async fn put_api_scopes(
    State(state): State<AppState>,
    caller: AdminCaller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<ScopesBody>,
) -> Result<Response, ApiError> {
    let api = api_admin::set_scopes(&state, caller.actor(), &id, body.scopes).await?;
    Ok(json(StatusCode::OK, api_admin::summary(&api)))
}

async fn delete_api(
    State(state): State<AppState>,
    caller: AdminCaller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    match api_admin::delete(&state, caller.actor(), &id).await? {
        true => Ok(no_content()),
        false => Err(ApiError::NotFound),
    }
}
