//! The console's webhook endpoints: list and subscribe (the secret shown on the page that
//! answers, never again), an endpoint's page with its settings, its delivery history and
//! dead letters, a replay button on each finished delivery, and deletion. The same
//! functions as the admin API ([`crate::events::endpoints`]).

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use serde::Deserialize;

use super::{Admin, AdminPost, Frame};
use crate::events::EVENT_TYPES;
use crate::events::endpoints::{self, EndpointError, EndpointSummary, NewEndpoint, Shown};
use crate::i18n::Words;
use crate::oauth2::params::Params;
use crate::state::AppState;
use crate::store::events::DeliveryRecord;
use crate::web::account::{done, refused};
use crate::web::error::PageError;
use crate::web::pages::{self, Csp, when};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/webhooks", get(get_endpoints).post(post_endpoint))
        .route("/admin/webhooks/{id}", get(get_endpoint).post(post_change))
        .route("/admin/webhooks/{id}/delete", post(post_delete))
        .route(
            "/admin/webhooks/{id}/deliveries/{delivery}/replay",
            post(post_replay),
        )
}

const PAGE: &str = "/admin/webhooks";
/// Deliveries an endpoint's page shows.
const HISTORY: i64 = 50;

#[derive(Template)]
#[template(path = "admin/webhooks.html")]
struct EndpointsPage {
    frame: Frame,
    section: &'static str,
    endpoints: Vec<EndpointSummary>,
    event_types: &'static [&'static str],
}

async fn get_endpoints(State(state): State<AppState>, admin: Admin) -> Result<Response, PageError> {
    let template = EndpointsPage {
        frame: admin.frame().await?,
        section: "webhooks",
        endpoints: endpoints::list(&state).await?,
        event_types: EVENT_TYPES,
    };
    Ok(pages::page(StatusCode::OK, &template, Csp::default()))
}

/// The endpoint a form describes; event types are ticked boxes `type_<event type>`.
fn new_endpoint(form: &Params) -> NewEndpoint {
    NewEndpoint {
        url: form.get("url").unwrap_or_default().to_string(),
        description: form.get("description").unwrap_or_default().to_string(),
        event_types: EVENT_TYPES
            .iter()
            .filter(|t| form.get(&format!("type_{t}")).is_some())
            .map(|t| t.to_string())
            .collect(),
        disabled: form.get("disabled").is_some(),
    }
}

#[derive(Template)]
#[template(path = "admin/webhook_secret.html")]
struct SecretPage {
    frame: Frame,
    section: &'static str,
    endpoint: EndpointSummary,
    secret: String,
}

async fn post_endpoint(
    State(state): State<AppState>,
    post: AdminPost,
) -> Result<Response, PageError> {
    let new = new_endpoint(&post.form);
    match endpoints::subscribe(&state, post.admin.actor(), new).await {
        Ok(subscribed) => {
            let template = SecretPage {
                frame: post.admin.frame().await?,
                section: "webhooks",
                endpoint: subscribed.endpoint,
                secret: subscribed.secret,
            };
            Ok(pages::page(StatusCode::OK, &template, Csp::default()))
        }
        Err(EndpointError::Store(error)) => Err(error.into()),
        Err(why) => {
            let notice = refused(format!("Not subscribed: {why}."));
            post.admin.back(PAGE, notice).await
        }
    }
}

/// A delivery as the history table shows it.
struct DeliveryRow {
    id: String,
    event_id: String,
    event_type: String,
    subject: String,
    state: String,
    attempts: i64,
    outcome: String,
    created: String,
    replayable: bool,
}

impl DeliveryRow {
    fn from(record: DeliveryRecord, when: impl Fn(i64) -> String) -> Self {
        let outcome = match (&record.last_status, &record.last_error) {
            (_, Some(error)) => error.clone(),
            (Some(status), None) => format!("HTTP {status}"),
            (None, None) => String::new(),
        };
        let outcome = match record.state.as_str() {
            "pending" if record.attempts > 0 => {
                format!("{outcome}; next attempt {}", when(record.next_attempt_at))
            }
            _ => outcome,
        };
        DeliveryRow {
            replayable: matches!(record.state.as_str(), "dead" | "delivered"),
            created: when(record.created_at),
            id: record.id,
            event_id: record.event_id,
            event_type: record.event_type,
            subject: record.subject,
            state: record.state,
            attempts: record.attempts,
            outcome,
        }
    }
}

#[derive(Template)]
#[template(path = "admin/webhook.html")]
struct EndpointPage {
    frame: Frame,
    section: &'static str,
    endpoint: EndpointSummary,
    /// Each event type and whether the endpoint takes it.
    type_choices: Vec<(&'static str, bool)>,
    /// Which deliveries are shown: "", "dead" or "pending".
    shown: &'static str,
    deliveries: Vec<DeliveryRow>,
}

#[derive(Deserialize)]
struct HistoryQuery {
    state: Option<String>,
}

async fn get_endpoint(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<HistoryQuery>,
    admin: Admin,
) -> Result<Response, PageError> {
    let endpoint = find(&state, &id).await?;
    let (shown, label) = match query.state.as_deref() {
        Some("dead") => (Shown::Dead, "dead"),
        Some("pending") => (Shown::Pending, "pending"),
        _ => (Shown::All, ""),
    };
    let history = match endpoints::history(&state, &endpoint.id, shown, None, HISTORY).await {
        Ok(history) => history,
        Err(EndpointError::Store(error)) => return Err(error.into()),
        Err(_) => return Err(PageError::NotFound),
    };
    let deliveries = history
        .into_iter()
        .map(|record| DeliveryRow::from(record, when))
        .collect();
    let template = EndpointPage {
        frame: admin.frame().await?,
        section: "webhooks",
        type_choices: EVENT_TYPES
            .iter()
            .map(|t| (*t, endpoint.event_types.iter().any(|e| e == t)))
            .collect(),
        endpoint,
        shown: label,
        deliveries,
    };
    Ok(pages::page(StatusCode::OK, &template, Csp::default()))
}

async fn find(state: &AppState, id: &str) -> Result<EndpointSummary, PageError> {
    match endpoints::find(state, id).await {
        Ok(record) => Ok(EndpointSummary::from(&record)),
        Err(EndpointError::Store(error)) => Err(error.into()),
        Err(_) => Err(PageError::NotFound),
    }
}

async fn post_change(
    State(state): State<AppState>,
    Path(id): Path<String>,
    post: AdminPost,
) -> Result<Response, PageError> {
    let endpoint = find(&state, &id).await?;
    let page = format!("{PAGE}/{}", endpoint.id);
    let change = new_endpoint(&post.form);
    let notice = match endpoints::update(&state, post.admin.actor(), &endpoint.id, change).await {
        Ok(_) => done("The endpoint is saved."),
        Err(EndpointError::Store(error)) => return Err(error.into()),
        Err(why) => refused(format!("Not saved: {why}.")),
    };
    post.admin.back(&page, notice).await
}

async fn post_delete(
    State(state): State<AppState>,
    Path(id): Path<String>,
    post: AdminPost,
) -> Result<Response, PageError> {
    let endpoint = find(&state, &id).await?;
    let notice = match endpoints::delete(&state, post.admin.actor(), &endpoint.id).await {
        Ok(()) => done(&format!(
            "The endpoint {} is deleted, with its deliveries.",
            endpoint.url
        )),
        Err(EndpointError::Store(error)) => return Err(error.into()),
        Err(why) => refused(format!("Not deleted: {why}.")),
    };
    post.admin.back(PAGE, notice).await
}

async fn post_replay(
    State(state): State<AppState>,
    Path((id, delivery)): Path<(String, String)>,
    post: AdminPost,
) -> Result<Response, PageError> {
    let endpoint = find(&state, &id).await?;
    let page = format!("{PAGE}/{}", endpoint.id);
    let notice = match endpoints::replay(&state, post.admin.actor(), &endpoint.id, &delivery).await
    {
        Ok(()) => done("The delivery is sent again."),
        Err(EndpointError::Store(error)) => return Err(error.into()),
        Err(_) => refused("That delivery cannot be replayed: it is still being tried, or gone."),
    };
    post.admin.back(&page, notice).await
}
