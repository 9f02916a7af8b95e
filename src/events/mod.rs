//! Telling the platform what happened (issue 15). Every change other services must learn
//! of (a person created, locked, deleted; a farm approved; a member added; a session
//! ended; an app registered ...) leaves an event in the `events` outbox, written by the
//! database in the change's own transaction (decision 165). The dispatcher here fans each
//! event out into deliveries: one per webhook endpoint subscribed to its type
//! ([`webhook`], Standard Webhooks), and for `session.ended` one per app the session gave
//! tokens to that registered a back-channel logout URI ([`logout_token`], OpenID Connect
//! Back-Channel Logout 1.0). Deliveries are at least once, in order per subject and
//! endpoint, retried with backoff, and given up into dead letters an administrator can
//! replay ([`endpoints`]).

mod deliver;
pub mod endpoints;
mod fan_out;
pub mod logout_token;
pub mod webhook;

use std::time::Duration;

use tokio::sync::Notify;

use crate::state::AppState;
use crate::store::StoreError;

/// Every event type, as webhook endpoints subscribe to them.
pub const EVENT_TYPES: &[&str] = &[
    "person.created",
    "person.confirmed",
    "person.email_changed",
    "person.locked",
    "person.unlocked",
    "person.deleted",
    "person.roles_changed",
    "farm.created",
    "farm.approved",
    "farm.suspended",
    "farm.reinstated",
    "farm.deleted",
    "farm.member_added",
    "farm.member_removed",
    "farm.member_role_changed",
    "session.ended",
    "app.registered",
    "app.suspended",
    "app.reinstated",
    "app.deleted",
];

/// How long a finished delivery (delivered, dead, dropped) stays in its endpoint's history.
pub const RETENTION_SECS: i64 = 30 * 86_400;

/// How long an event fanned out, with no delivery left, stays in the outbox: a day, to
/// look into; a person signing in and out in a loop must not fill a month of rows.
pub const SPENT_EVENT_SECS: i64 = 86_400;

/// How often the outbox is read when nothing rang: changes made by another replica or by
/// the command line are seen within this.
const POLL_INTERVAL: Duration = Duration::from_millis(500);

/// The dispatcher's bell: rung after a change in this process, so that its events go out
/// at once rather than at the next poll.
#[derive(Debug, Default)]
pub struct Dispatcher {
    wake: Notify,
    slots: deliver::Slots,
}

impl Dispatcher {
    pub fn wake(&self) {
        self.wake.notify_one();
    }
}

/// The dispatcher: fans out new events and makes the deliveries that are due, whenever
/// woken and every [`POLL_INTERVAL`] anyway.
pub async fn run(state: AppState) {
    loop {
        if let Err(error) = dispatch(&state).await {
            tracing::warn!(%error, "the event outbox could not be read; trying again shortly");
        }
        tokio::select! {
            _ = state.events.wake.notified() => {}
            _ = tokio::time::sleep(POLL_INTERVAL) => {}
        }
    }
}

/// One round: every waiting event fanned out, then every due delivery attempted. Returns
/// how many deliveries were attempted.
pub async fn dispatch(state: &AppState) -> Result<usize, StoreError> {
    // Deliveries already written go out even when new events cannot be fanned out now.
    let fanned = fan_out::all_waiting(state).await;
    let started = deliver::all_due(state).await?;
    fanned?;
    Ok(started)
}
