//! The registration endpoints: RFC 7591 (`POST /oauth2/register` with an initial access
//! token) and RFC 7592 (`GET`, `PUT`, `DELETE /oauth2/register/{client_id}` with the
//! registration access token). JSON in, JSON out, never cached.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::Value;

use super::error::no_store;
use super::userinfo::bearer_from_header;
use crate::oauth2::dcr::{self, DcrError};
use crate::oidc::discovery::paths;
use crate::oidc::userinfo::BearerError;
use crate::state::AppState;

/// Registrations are small; anything bigger is refused unread (413).
pub(super) const MAX_BODY_BYTES: usize = 16 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(paths::REGISTRATION, post(post_register))
        .route(
            &format!("{}/{{client_id}}", paths::REGISTRATION),
            axum::routing::get(get_client)
                .put(put_client)
                .delete(delete_client),
        )
}

/// The bearer token of the request (RFC 6750 §2.1; only the header is read here).
fn bearer(headers: &HeaderMap) -> Result<String, BearerError> {
    let value = headers
        .get(header::AUTHORIZATION)
        .ok_or(BearerError::Missing)?
        .to_str()
        .map_err(|_| BearerError::InvalidRequest("malformed Authorization header"))?;
    bearer_from_header(value)
}

/// The JSON body, read up to the limit: RFC 7591 §3.2.2 `invalid_client_metadata` when it
/// is not JSON at all.
async fn json_body(body: Body) -> Result<Value, DcrError> {
    let bytes = axum::body::to_bytes(body, MAX_BODY_BYTES)
        .await
        .map_err(|_| DcrError::TooLarge)?;
    serde_json::from_slice(&bytes)
        .map_err(|_| DcrError::Metadata("invalid_client_metadata", "the body is not JSON".into()))
}

fn answer(status: StatusCode, body: Value) -> Response {
    (status, no_store(), Json(body)).into_response()
}

async fn post_register(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, DcrError> {
    let token = bearer(&headers)?;
    let registered = dcr::register(&state, &token, &json_body(body).await?).await?;
    Ok(answer(StatusCode::CREATED, registered))
}

async fn get_client(
    State(state): State<AppState>,
    Path(client_id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, DcrError> {
    let token = bearer(&headers)?;
    let client = dcr::read(&state, &client_id, &token).await?;
    Ok(answer(StatusCode::OK, client))
}

async fn put_client(
    State(state): State<AppState>,
    Path(client_id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, DcrError> {
    let token = bearer(&headers)?;
    let client = dcr::update(&state, &client_id, &token, &json_body(body).await?).await?;
    Ok(answer(StatusCode::OK, client))
}

async fn delete_client(
    State(state): State<AppState>,
    Path(client_id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, DcrError> {
    let token = bearer(&headers)?;
    dcr::delete(&state, &client_id, &token).await?;
    Ok((StatusCode::NO_CONTENT, no_store()).into_response())
}
