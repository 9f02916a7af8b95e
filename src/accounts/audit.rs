//! The security trail: every sign-in, failure, lockout, factor change, reset and ended
//! session is written to `audit_events` with time, user, client IP and outcome.
//!
//! Attempts refused unchecked (outcome `locked`: during a throttle's lock, or on an account an
//! administrator locked) are aggregated (docs/DECISIONS.md §81): the same refusal (event,
//! account or name typed, address, client, detail) within one [`AGGREGATE_WINDOW_SECS`]
//! window is one row whose `repeats` counts them and whose `last_at` says when the latest
//! came, so a flood during a lock writes one row an hour per account and address, not one
//! per request. A checked failure keeps a row of its own: each costs a password hash, and the
//! throttle locks after a few, so they cannot flood. A failure that costs a stranger nothing
//! and is not throttled (an upstream provider's answer refused at the callback) is
//! aggregated the same way ([`Event::aggregated`]).

use std::net::IpAddr;

use crate::state::AppState;
use crate::store::StoreError;
use crate::store::audit::{AuditFilter, AuditRecord};

/// How long events are kept: a year, long enough to look back on an incident.
pub const RETENTION_SECS: i64 = 365 * 86_400;

/// The window in which equal refusals share one row.
pub const AGGREGATE_WINDOW_SECS: i64 = 3_600;

/// Where a request came from, as far as the server can tell.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Origin {
    /// The client's address (the peer, or the address a trusted proxy forwarded).
    pub ip: Option<IpAddr>,
    /// The `User-Agent` header, cut to a readable length.
    pub user_agent: Option<String>,
}

/// How an event went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Success,
    Failure,
    /// Refused without checking, because of earlier failures.
    Locked,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
            Outcome::Locked => "locked",
        }
    }
}

/// One event about to be recorded.
pub struct Event<'a> {
    pub event: &'static str,
    pub outcome: Outcome,
    pub user_id: Option<&'a str>,
    pub username: Option<&'a str>,
    pub client_id: Option<&'a str>,
    pub detail: Option<String>,
    /// Equal events in one window share a row, whatever the outcome.
    pub aggregated: bool,
}

impl<'a> Event<'a> {
    /// A successful `event`, of no one in particular yet.
    pub fn new(event: &'static str) -> Self {
        Event {
            event,
            outcome: Outcome::Success,
            user_id: None,
            username: None,
            client_id: None,
            detail: None,
            aggregated: false,
        }
    }

    /// A successful `event` of `user_id`.
    pub fn of_user(event: &'static str, user_id: &'a str) -> Self {
        Event::new(event).user(user_id)
    }

    pub fn user(mut self, user_id: &'a str) -> Self {
        self.user_id = Some(user_id);
        self
    }

    pub fn outcome(mut self, outcome: Outcome) -> Self {
        self.outcome = outcome;
        self
    }

    pub fn username(mut self, username: &'a str) -> Self {
        self.username = Some(username);
        self
    }

    pub fn client(mut self, client_id: &'a str) -> Self {
        self.client_id = Some(client_id);
        self
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    /// Equal events within one [`AGGREGATE_WINDOW_SECS`] window share one row: for events
    /// a stranger can repeat at no cost.
    pub fn aggregated(mut self) -> Self {
        self.aggregated = true;
        self
    }
}

/// Longest username kept from a failed attempt: enough to recognise it, never a paste of
/// something else.
const MAX_USERNAME_CHARS: usize = 64;

/// A page of the trail, newest first: at most `limit` events that `filter` lets through.
pub async fn search(
    state: &AppState,
    filter: &AuditFilter<'_>,
    limit: i64,
) -> Result<Vec<AuditRecord>, StoreError> {
    state.store.search_audit_events(filter, limit).await
}

/// Writes `event` to the trail.
pub async fn record(state: &AppState, origin: &Origin, event: Event<'_>) -> Result<(), StoreError> {
    let row = Row::of(state.clock.now(), origin, event);
    state
        .store
        .insert_or_count_audit_event(&row.record, row.aggregate.as_deref())
        .await?;
    // A change recorded here may have left events in the outbox (decision 165): the
    // dispatcher looks at once rather than at its next poll.
    state.events.wake();
    Ok(())
}

/// Writes a row built elsewhere (an administrator's, a farm's or a vendor's change) and
/// rings the event dispatcher: the change may have left events in the outbox (decision 165).
pub async fn write(state: &AppState, record: &AuditRecord) -> Result<(), StoreError> {
    state.store.insert_audit_event(record).await?;
    state.events.wake();
    Ok(())
}

/// An event as the trail stores it, ready to be written with other writes in one
/// transaction ([`crate::store::sign_ins`]).
pub struct Row {
    pub record: AuditRecord,
    /// The key equal refusals share ([`Outcome::Locked`] only).
    pub aggregate: Option<String>,
}

impl Row {
    pub fn of(at: i64, origin: &Origin, event: Event<'_>) -> Row {
        let record = AuditRecord {
            at,
            event: event.event.to_string(),
            outcome: event.outcome.as_str().to_string(),
            user_id: event.user_id.map(str::to_string),
            username: event.username.map(|name| {
                name.chars()
                    .filter(|c| !c.is_control())
                    .take(MAX_USERNAME_CHARS)
                    .collect()
            }),
            ip: origin.ip.map(|ip| ip.to_string()),
            client_id: event.client_id.map(str::to_string),
            detail: event.detail,
            ..AuditRecord::default()
        };
        let aggregate = match (event.outcome, event.aggregated) {
            // Counted per site (an IPv6 /56) rather than per address: a caller holding a
            // network of addresses gets one row, not one per address it uses.
            (_, true) => Some(aggregate_key(
                &record,
                Some(super::throttle::site_of(origin)),
            )),
            (Outcome::Locked, false) => Some(aggregate_key(&record, None)),
            (Outcome::Success | Outcome::Failure, false) => None,
        };
        Row { record, aggregate }
    }

    pub fn into_parts(self) -> (AuditRecord, Option<String>) {
        (self.record, self.aggregate)
    }
}

/// What makes two refusals the same: every field but the time (and the name typed, when it
/// is nobody's), and the window they fall in; hashed, so the unique index holds a
/// fixed-size value.
/// `site`, when given, stands for the address.
fn aggregate_key(record: &AuditRecord, site: Option<String>) -> String {
    let window = record.at.div_euclid(AGGREGATE_WINDOW_SECS);
    let fields = [
        Some(record.event.as_str()),
        Some(record.outcome.as_str()),
        record.user_id.as_deref(),
        // A name that is nobody's is left out: refusals of fresh random names from one
        // address would otherwise each make a row. They share one, which keeps the first.
        record.user_id.as_ref().and(record.username.as_deref()),
        site.as_deref().or(record.ip.as_deref()),
        record.client_id.as_deref(),
        record.detail.as_deref(),
    ];
    // Each field with its length, so that no two different lists join to the same text.
    let mut text = window.to_string();
    for field in fields {
        match field {
            Some(value) => text.push_str(&format!("|{}:{value}", value.len())),
            None => text.push_str("|-"),
        }
    }
    crate::secrets::hash_secret(&text)
}
