//! From an event to its deliveries: the webhook endpoints subscribed to its type (not
//! paused), and for `session.ended` the apps the session gave tokens to. An endpoint with
//! [`MAX_PENDING_PER_ENDPOINT`] deliveries waiting gets the new one as a dead letter at
//! once: a receiver that is down for days holds a bounded backlog, and what it missed can
//! be replayed from the console.

use std::collections::HashMap;

use crate::state::AppState;
use crate::store::StoreError;
use crate::store::events::{EventRecord, Planned, Receiver};
use crate::store::webhooks::EndpointRecord;

/// Events read from the outbox at a time.
const BATCH: i64 = 100;

/// Deliveries waiting for one endpoint, or logout tokens for one client, at most.
pub const MAX_PENDING_PER_ENDPOINT: i64 = 10_000;

/// Fans out every waiting event, oldest first.
pub(super) async fn all_waiting(state: &AppState) -> Result<(), StoreError> {
    loop {
        let events = state.store.list_waiting_events(BATCH).await?;
        if events.is_empty() {
            return Ok(());
        }
        let endpoints = state.store.list_webhook_endpoints().await?;
        let mut waiting = HashMap::new();
        for event in &events {
            let plan = plan(state, event, &endpoints, &mut waiting).await?;
            let now = state.clock.now();
            if state.store.fan_out_event(event, &plan, now).await? {
                crate::metrics::events::fanned_out();
            }
        }
        if events.len() < BATCH as usize {
            return Ok(());
        }
    }
}

/// The receivers of `event`; `waiting` counts each endpoint's (and client's) backlog as this
/// batch grows it.
async fn plan(
    state: &AppState,
    event: &EventRecord,
    endpoints: &[EndpointRecord],
    waiting: &mut HashMap<String, i64>,
) -> Result<Vec<Planned>, StoreError> {
    let mut plan = Vec::new();
    for endpoint in endpoints {
        let subscribed = endpoint.event_types.contains(&event.event_type);
        if !subscribed || endpoint.disabled_at.is_some() || event.seq <= endpoint.after_seq {
            continue;
        }
        let backlog = match waiting.get_mut(&endpoint.id) {
            Some(count) => count,
            None => {
                let count = state.store.count_pending_for_endpoint(&endpoint.id).await?;
                waiting.entry(endpoint.id.clone()).or_insert(count)
            }
        };
        let over_cap = *backlog >= MAX_PENDING_PER_ENDPOINT;
        if !over_cap {
            *backlog += 1;
        }
        plan.push(Planned {
            receiver: Receiver::Webhook {
                endpoint_id: endpoint.id.clone(),
            },
            over_cap,
        });
    }
    if event.event_type == "session.ended" {
        for client_id in apps_of_session(event) {
            // A vendor's app that never answers must not pile up its logout tokens either.
            let backlog = match waiting.get_mut(&client_id) {
                Some(count) => count,
                None => {
                    let count = state.store.count_pending_for_client(&client_id).await?;
                    waiting.entry(client_id.clone()).or_insert(count)
                }
            };
            let over_cap = *backlog >= MAX_PENDING_PER_ENDPOINT;
            if !over_cap {
                *backlog += 1;
            }
            plan.push(Planned {
                receiver: Receiver::Logout { client_id },
                over_cap,
            });
        }
    }
    Ok(plan)
}

/// The apps a `session.ended` event names (the trigger wrote them; a row that cannot be
/// read names none, and is logged).
fn apps_of_session(event: &EventRecord) -> Vec<String> {
    let data: serde_json::Value = match serde_json::from_str(&event.data) {
        Ok(data) => data,
        Err(error) => {
            tracing::error!(event = %event.id, %error, "an event's data is not JSON");
            return Vec::new();
        }
    };
    let mut apps: Vec<String> = data["apps"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|app| app.as_str().map(str::to_string))
        .collect();
    apps.sort();
    apps.dedup();
    apps
}
