//! The admin API under `/api/v1/admin/`: the console's operations as JSON, for scripts and
//! tools. Callers are administrators ([`AdminCaller`]); every change is in the audit trail
//! with who made it. Also `POST /api/v1/me/initial-access-tokens`, where an owner or manager
//! of an active farm issues a registration token for that farm's apps.

mod apis;
mod clients;
mod operations;
mod users;

use axum::Json;
use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::AdminCaller;
use crate::accounts::admin::Actor;
use crate::state::AppState;
use crate::web::error::no_store;

pub fn router() -> Router<AppState> {
    users::router()
        .merge(clients::router())
        .merge(apis::router())
        .merge(operations::router())
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
