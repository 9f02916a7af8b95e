//! The admin API under `/api/v1/admin/`: the console's operations as JSON, for scripts and
//! tools. Callers are administrators ([`AdminCaller`]); every change is in the audit trail
//! with who made it. Also `POST /api/v1/me/initial-access-tokens`, where an owner or manager
//! of an active farm issues a registration token for that farm's apps.

mod apis;
mod clients;
mod operations;
mod upstreams;
mod users;
mod webhooks;

use axum::Json;
use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::{AdminCaller, ApiError};
use crate::accounts::admin::Actor;
use crate::state::AppState;
use crate::web::error::no_store;

pub fn router() -> Router<AppState> {
    users::router()
        .merge(clients::router())
        .merge(apis::router())
        .merge(operations::router())
        .merge(upstreams::router())
        .merge(webhooks::router())
}

fn json<T: Serialize>(status: StatusCode, body: T) -> Response {
    (status, no_store(), Json(body)).into_response()
}

/// Lists give this many items unless `limit` says otherwise.
const DEFAULT_PAGE_SIZE: i64 = 25;
/// The most items a page of a list holds.
const MAX_PAGE_SIZE: i64 = 100;

/// The `limit` of a paged list: 1 to [`MAX_PAGE_SIZE`], [`DEFAULT_PAGE_SIZE`] when absent.
fn page_limit(limit: Option<i64>) -> Result<i64, ApiError> {
    let limit = limit.unwrap_or(DEFAULT_PAGE_SIZE);
    match (1..=MAX_PAGE_SIZE).contains(&limit) {
        true => Ok(limit),
        false => Err(ApiError::Invalid(
            "invalid_request",
            format!("limit is 1 to {MAX_PAGE_SIZE}"),
        )),
    }
}

/// A `cursor` this server did not write (they come only from a list's `next_cursor`).
fn bad_cursor() -> ApiError {
    ApiError::Invalid("invalid_request", "cursor is not one a list gave".into())
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
