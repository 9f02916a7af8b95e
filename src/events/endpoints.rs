//! What an administrator does with webhook endpoints: subscribe one (its secret shown this
//! once), change or pause it, delete it, read its delivery history and dead letters, and
//! replay a delivery. An endpoint's URL must be http(s) and resolve only to addresses the
//! outbound policy permits, checked here and again at every delivery (DNS can change).

use serde::Serialize;

use super::EVENT_TYPES;
use super::webhook::new_secret;
use crate::accounts::admin::Actor;
use crate::state::AppState;
use crate::store::StoreError;
use crate::store::events::DeliveryRecord;
use crate::store::webhooks::EndpointRecord;

/// Endpoints, at most: each one multiplies every event.
pub const MAX_ENDPOINTS: i64 = 50;
const MAX_URL_LEN: usize = 2_000;
const MAX_DESCRIPTION_CHARS: usize = 200;

#[derive(Debug, thiserror::Error)]
pub enum EndpointError {
    #[error("{0}")]
    Invalid(String),
    #[error("there are {MAX_ENDPOINTS} webhook endpoints already")]
    TooMany,
    #[error("no such webhook endpoint")]
    NotFound,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// An endpoint as an administrator asks for it.
#[derive(Clone, Debug, Default)]
pub struct NewEndpoint {
    pub url: String,
    pub description: String,
    pub event_types: Vec<String>,
    pub disabled: bool,
}

/// An endpoint as lists show it: never its secret.
#[derive(Clone, Debug, Serialize)]
pub struct EndpointSummary {
    pub id: String,
    pub url: String,
    pub description: String,
    pub event_types: Vec<String>,
    pub disabled: bool,
    pub created_at: i64,
}

impl From<&EndpointRecord> for EndpointSummary {
    fn from(record: &EndpointRecord) -> Self {
        EndpointSummary {
            id: record.id.clone(),
            url: record.url.clone(),
            description: record.description.clone(),
            event_types: record.event_types.clone(),
            disabled: record.disabled_at.is_some(),
            created_at: record.created_at,
        }
    }
}

/// A new endpoint and its signing secret, shown this once.
#[derive(Debug, Serialize)]
pub struct Subscribed {
    #[serde(flatten)]
    pub endpoint: EndpointSummary,
    pub secret: String,
}

/// Subscribes an endpoint; the trail records who did.
pub async fn subscribe(
    state: &AppState,
    actor: Actor<'_>,
    new: NewEndpoint,
) -> Result<Subscribed, EndpointError> {
    let now = state.clock.now();
    // The cheap checks first: the URL's costs a DNS lookup.
    let description = check_description(&new.description)?;
    let event_types = check_event_types(&new.event_types)?;
    let record = EndpointRecord {
        id: format!("whk_{}", crate::secrets::random_id()),
        url: check_url(state, &new.url).await?,
        description,
        event_types,
        after_seq: 0, // the store reads it as it inserts
        disabled_at: new.disabled.then_some(now),
        created_at: now,
        updated_at: now,
    };
    let secret = new_secret();
    match state
        .store
        .insert_webhook_endpoint(&record, &secret, MAX_ENDPOINTS)
        .await
    {
        Err(StoreError::Conflict) => return Err(EndpointError::TooMany),
        other => other?,
    }
    let detail = format!("endpoint {} ({})", record.id, without_query(&record.url));
    actor
        .record(state, "webhook.created", None, Some(detail))
        .await?;
    Ok(Subscribed {
        endpoint: EndpointSummary::from(&record),
        secret,
    })
}

/// Changes an endpoint's URL, description, event types, or pauses or resumes it.
pub async fn update(
    state: &AppState,
    actor: Actor<'_>,
    id: &str,
    change: NewEndpoint,
) -> Result<EndpointSummary, EndpointError> {
    let current = find(state, id).await?;
    let now = state.clock.now();
    let description = check_description(&change.description)?;
    let event_types = check_event_types(&change.event_types)?;
    let record = EndpointRecord {
        url: check_url(state, &change.url).await?,
        description,
        event_types,
        disabled_at: match change.disabled {
            true => current.disabled_at.or(Some(now)),
            false => None,
        },
        updated_at: now,
        ..current
    };
    if !state.store.update_webhook_endpoint(&record).await? {
        return Err(EndpointError::NotFound);
    }
    let detail = format!("endpoint {} ({})", record.id, without_query(&record.url));
    actor
        .record(state, "webhook.changed", None, Some(detail))
        .await?;
    state.events.wake();
    Ok(EndpointSummary::from(&record))
}

/// Deletes an endpoint and what it had waiting.
pub async fn delete(state: &AppState, actor: Actor<'_>, id: &str) -> Result<(), EndpointError> {
    if !state.store.delete_webhook_endpoint(id).await? {
        return Err(EndpointError::NotFound);
    }
    actor
        .record(
            state,
            "webhook.deleted",
            None,
            Some(format!("endpoint {id}")),
        )
        .await?;
    Ok(())
}

pub async fn list(state: &AppState) -> Result<Vec<EndpointSummary>, StoreError> {
    let all = state.store.list_webhook_endpoints().await?;
    Ok(all.iter().map(EndpointSummary::from).collect())
}

pub async fn find(state: &AppState, id: &str) -> Result<EndpointRecord, EndpointError> {
    match id.len() <= 64 {
        true => state.store.find_webhook_endpoint(id).await?,
        false => None,
    }
    .ok_or(EndpointError::NotFound)
}

/// Which deliveries a history shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shown {
    All,
    /// Given up: the dead letters.
    Dead,
    Pending,
}

impl Shown {
    fn state(self) -> Option<&'static str> {
        match self {
            Shown::All => None,
            Shown::Dead => Some("dead"),
            Shown::Pending => Some("pending"),
        }
    }
}

/// An endpoint's deliveries, newest first, `limit` at most, before `before` (an
/// `event_seq`, the last of the previous page).
pub async fn history(
    state: &AppState,
    id: &str,
    shown: Shown,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<DeliveryRecord>, EndpointError> {
    let endpoint = find(state, id).await?;
    let list = state
        .store
        .list_deliveries(&endpoint.id, shown.state(), before, limit)
        .await?;
    Ok(list)
}

/// Sends a delivery again, from its first attempt: a dead letter, or one delivered.
pub async fn replay(
    state: &AppState,
    actor: Actor<'_>,
    endpoint_id: &str,
    delivery_id: &str,
) -> Result<(), EndpointError> {
    let replayed = delivery_id.len() <= 64
        && state
            .store
            .replay_delivery(endpoint_id, delivery_id, state.clock.now())
            .await?;
    if !replayed {
        return Err(EndpointError::NotFound);
    }
    let detail = format!("delivery {delivery_id} to endpoint {endpoint_id}");
    actor
        .record(state, "webhook.replayed", None, Some(detail))
        .await?;
    state.events.wake();
    Ok(())
}

/// A URL as the trail shows it: a receiver may carry a token in its query.
fn without_query(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut url) => {
            url.set_query(None);
            url.to_string()
        }
        Err(_) => String::new(),
    }
}

/// An absolute http(s) URL without credentials or fragment, whose host resolves only to
/// permitted addresses now.
async fn check_url(state: &AppState, url: &str) -> Result<String, EndpointError> {
    let invalid = |why: &str| EndpointError::Invalid(format!("the URL {why}"));
    let url = url.trim();
    if url.len() > MAX_URL_LEN {
        return Err(invalid("is too long"));
    }
    let parsed = url::Url::parse(url).map_err(|_| invalid("is not an absolute URL"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(invalid("must be http or https"));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(invalid("must not carry credentials"));
    }
    if parsed.fragment().is_some() {
        return Err(invalid("must not have a fragment"));
    }
    state
        .outbound
        .resolve_and_check(&parsed)
        .await
        .map_err(|error| EndpointError::Invalid(format!("the URL cannot be called: {error}")))?;
    Ok(parsed.to_string())
}

fn check_description(text: &str) -> Result<String, EndpointError> {
    let text = text.trim();
    if text.chars().count() > MAX_DESCRIPTION_CHARS || text.chars().any(char::is_control) {
        return Err(EndpointError::Invalid(format!(
            "the description must be at most {MAX_DESCRIPTION_CHARS} characters on one line"
        )));
    }
    Ok(text.to_string())
}

/// Known event types, each once, at least one.
fn check_event_types(types: &[String]) -> Result<Vec<String>, EndpointError> {
    let mut checked: Vec<String> = Vec::new();
    for name in types {
        let name = name.trim();
        if !EVENT_TYPES.contains(&name) {
            let shown: String = name.chars().take(40).collect();
            return Err(EndpointError::Invalid(format!(
                "unknown event type '{shown}'; known: {}",
                EVENT_TYPES.join(" ")
            )));
        }
        if !checked.iter().any(|t| t == name) {
            checked.push(name.to_string());
        }
    }
    if checked.is_empty() {
        return Err(EndpointError::Invalid(
            "subscribe to at least one event type".into(),
        ));
    }
    Ok(checked)
}
