//! Making the deliveries that are due: each claimed for one attempt (so that two replicas
//! never send it at once), sent on its own task through the outbound client, and recorded:
//! delivered, tried again after a backoff, or given up as a dead letter. Webhooks (to the
//! administrators' endpoints) and logout tokens (to apps, some of them vendors') have pools
//! of [`POOL`] slots each, and one receiver holds [`PER_RECEIVER`] at most: an endpoint,
//! or for logout tokens a host, so that a vendor's ten apps on one slow host share four
//! slots and hold no webhook back. A round that finds no free slot ends; the next event is
//! fanned out meanwhile, and the request path never waits for any of it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::{logout_token, webhook};
use crate::metrics::events::{Kind, Outcome as Counted};
use crate::state::AppState;
use crate::store::StoreError;
use crate::store::events::DueDelivery;

/// Attempts under way at once, per kind.
const POOL: usize = 16;
/// Attempts under way at once for one receiver.
const PER_RECEIVER: usize = 4;
/// Receivers looked at in one round.
const RECEIVERS_PER_ROUND: i64 = 100;
/// How long a claim lasts: longer than an attempt can take (the outbound client gives up
/// after 10 s); a replica that dies mid-attempt leaves the delivery to be tried then.
const LEASE_SECS: i64 = 60;
/// A relying party answers a logout token at once or not at all (§2.8): waiting longer
/// only holds a slot.
pub(super) const LOGOUT_TIMEOUT: Duration = Duration::from_secs(3);

/// The waits before each retry of a webhook: about a day in all, as Standard Webhooks
/// senders do, then a dead letter.
const WEBHOOK_RETRIES: &[i64] = &[5, 30, 120, 600, 1_800, 3_600, 7_200, 14_400, 28_800, 28_800];
/// The waits before each retry of a logout token: a sign-out is worth telling for a few
/// minutes, not a day.
const LOGOUT_RETRIES: &[i64] = &[5, 15, 30, 60];

/// How one attempt went.
pub(super) enum Outcome {
    /// A 2xx answer.
    Delivered(u16),
    /// No answer, or one that is not 2xx (a redirect is not followed).
    Failed { status: Option<u16>, error: String },
    /// Nothing to send any more (the client no longer takes logout tokens).
    Dropped(&'static str),
}

/// The slots in use: per kind, and per receiver.
#[derive(Debug)]
pub(super) struct Slots {
    webhooks: Arc<Semaphore>,
    logouts: Arc<Semaphore>,
    per_receiver: Mutex<HashMap<String, usize>>,
}

impl Default for Slots {
    fn default() -> Self {
        Slots {
            webhooks: Arc::new(Semaphore::new(POOL)),
            logouts: Arc::new(Semaphore::new(POOL)),
            per_receiver: Mutex::default(),
        }
    }
}

impl Slots {
    /// A slot for `delivery`, if its pool and its receiver have one free.
    fn take(&self, delivery: &DueDelivery) -> Option<(String, OwnedSemaphorePermit)> {
        let (pool, key) = match &delivery.endpoint_id {
            Some(endpoint) => (&self.webhooks, endpoint.clone()),
            None => (&self.logouts, format!("host:{}", host_of(delivery))),
        };
        let mut map = self.per_receiver.lock().ok()?;
        let taken = map.get(&key).copied().unwrap_or(0);
        if taken >= PER_RECEIVER {
            return None;
        }
        let permit = pool.clone().try_acquire_owned().ok()?;
        map.insert(key.clone(), taken + 1);
        Some((key, permit))
    }

    fn give_back(&self, key: &str) {
        if let Ok(mut map) = self.per_receiver.lock()
            && let Some(count) = map.get_mut(key)
        {
            *count = count.saturating_sub(1);
            if *count == 0 {
                map.remove(key);
            }
        }
    }
}

/// The host a logout token goes to (its receiver, for the slots).
fn host_of(delivery: &DueDelivery) -> String {
    delivery
        .url
        .as_deref()
        .and_then(|url| url::Url::parse(url).ok())
        .and_then(|url| url.host_str().map(str::to_ascii_lowercase))
        .unwrap_or_default()
}

/// A slot held by one attempt, given back when it ends.
struct Slot {
    state: AppState,
    key: String,
    _permit: OwnedSemaphorePermit,
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.state.events.slots.give_back(&self.key);
        // The next event of the subject may be due now.
        self.state.events.wake();
    }
}

/// Starts an attempt for every due delivery there is a slot for; returns how many started.
pub(super) async fn all_due(state: &AppState) -> Result<usize, StoreError> {
    let mut started = 0;
    loop {
        let now = state.clock.now();
        let receivers = state
            .store
            .list_due_receivers(now, RECEIVERS_PER_ROUND)
            .await?;
        let mut claimed_any = false;
        for receiver in receivers {
            let due = state
                .store
                .list_due_deliveries(now, &receiver, PER_RECEIVER as i64)
                .await?;
            for delivery in due {
                let Some((key, permit)) = state.events.slots.take(&delivery) else {
                    continue; // its receiver or its pool is busy: a later round
                };
                let slot = Slot {
                    state: state.clone(),
                    key,
                    _permit: permit,
                };
                if !state
                    .store
                    .claim_delivery(&delivery, now + LEASE_SECS)
                    .await?
                {
                    continue; // another replica has it (the slot goes back as it drops)
                }
                claimed_any = true;
                started += 1;
                tokio::spawn(attempt(state.clone(), delivery, slot));
            }
        }
        if !claimed_any {
            return Ok(started);
        }
    }
}

async fn attempt(state: AppState, delivery: DueDelivery, slot: Slot) {
    let outcome = match delivery.endpoint_id {
        Some(_) => webhook::send(&state, &delivery).await,
        None => logout_token::send(&state, &delivery).await,
    };
    if let Err(error) = record(&state, &delivery, outcome).await {
        tracing::warn!(delivery = %delivery.id, %error, "a delivery's outcome could not be recorded; it will be tried again");
    }
    drop(slot);
}

async fn record(
    state: &AppState,
    delivery: &DueDelivery,
    outcome: Outcome,
) -> Result<(), StoreError> {
    let now = state.clock.now();
    let kind = match delivery.endpoint_id {
        Some(_) => Kind::webhook,
        None => Kind::logout,
    };
    let store = &state.store;
    let id = delivery.id.as_str();
    // This attempt's number (the claim counted it).
    let attempts = delivery.attempts + 1;
    let (status, error) = match outcome {
        Outcome::Delivered(status) => {
            crate::metrics::events::delivered(kind, delivery.created_ms);
            return store
                .record_attempt(id, attempts, Some(status), None, None, "delivered", now)
                .await;
        }
        Outcome::Dropped(why) => {
            crate::metrics::events::finished(kind, Counted::dropped);
            return store
                .record_attempt(id, attempts, None, Some(why), None, "dropped", now)
                .await;
        }
        Outcome::Failed { status, error } => (status, error),
    };
    let schedule = match kind {
        Kind::webhook => WEBHOOK_RETRIES,
        Kind::logout => LOGOUT_RETRIES,
    };
    match usize::try_from(attempts - 1)
        .ok()
        .and_then(|i| schedule.get(i))
    {
        Some(wait) => {
            crate::metrics::events::finished(kind, Counted::failed);
            tracing::info!(delivery = %id, event = %delivery.event_type, attempts, retry_in_secs = wait, %error, "a delivery failed; will retry");
            store
                .record_attempt(
                    id,
                    attempts,
                    status,
                    Some(&error),
                    Some(now + wait),
                    "pending",
                    now,
                )
                .await
        }
        None => {
            crate::metrics::events::finished(kind, Counted::dead);
            tracing::warn!(delivery = %id, event = %delivery.event_type, attempts, %error, "a delivery was given up");
            store
                .record_attempt(id, attempts, status, Some(&error), None, "dead", now)
                .await
        }
    }
}
