//! The `events` outbox and the `event_deliveries` written from it (decision 165). Events are
//! written by the database's own triggers, in the transaction of the change they report
//! (migrations/*/20261205000018_events.sql); this module fans them out into one delivery per
//! receiver, hands due deliveries to the dispatcher in order per subject, and records how
//! each attempt went.

use sqlx::FromRow;

use super::sealed::context;
use super::{Result, Store, Sweep};

/// One event as the outbox holds it.
#[derive(Clone, Debug, PartialEq, Eq, FromRow)]
pub struct EventRecord {
    pub seq: i64,
    pub id: String,
    #[sqlx(rename = "type")]
    pub event_type: String,
    pub subject: String,
    /// A JSON object.
    pub data: String,
    pub created_ms: i64,
}

/// A receiver of one event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Receiver {
    Webhook {
        endpoint_id: String,
    },
    /// A client's back-channel logout URI, for a `session.ended` event.
    Logout {
        client_id: String,
    },
}

/// What the fan-out makes of one event: its receivers, and for each whether it is already
/// dead (the endpoint's backlog is full).
pub struct Planned {
    pub receiver: Receiver,
    pub over_cap: bool,
}

/// A delivery due now, with what sending it needs. Not `Debug`: it holds the endpoint's
/// secret, opened.
#[derive(Clone, FromRow)]
pub struct DueDelivery {
    pub id: String,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub endpoint_id: Option<String>,
    pub client_id: Option<String>,
    pub event_id: String,
    pub event_type: String,
    pub data: String,
    pub created_ms: i64,
    /// The endpoint's URL, or the client's back-channel logout URI (`None` once the client
    /// stopped taking logout tokens).
    pub url: Option<String>,
    /// The endpoint's signing secret, opened.
    pub secret: Option<String>,
    /// 1 when the client is a vendor's or a farm's app: its URI is judged by the outbound
    /// policy without the networks an administrator allowed (decision 167).
    pub third_party: i64,
}

/// A delivery as its endpoint's history shows it.
#[derive(Clone, Debug, PartialEq, Eq, FromRow)]
pub struct DeliveryRecord {
    pub id: String,
    /// Orders an endpoint's deliveries (one per event), and pages its history.
    pub event_seq: i64,
    pub event_id: String,
    pub event_type: String,
    pub subject: String,
    pub state: String,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub finished_at: Option<i64>,
}

const DELIVERY_COLUMNS: &str = "d.id, d.event_seq, e.id AS event_id, e.type AS event_type, d.subject, \
     d.state, d.attempts, d.next_attempt_at, d.last_status, d.last_error, d.created_at, \
     d.finished_at";

impl Store {
    /// Events not yet fanned out, oldest first.
    // Not a span: the dispatcher asks every 500 ms, and an idle poll is not worth a trace.
    pub async fn list_waiting_events(&self, limit: i64) -> Result<Vec<EventRecord>> {
        let rows = sqlx::query_as(
            "SELECT seq, id, type, subject, data, created_ms FROM events \
             WHERE fanned_out = 0 ORDER BY seq LIMIT $1",
        )
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        Ok(rows)
    }

    /// Writes the deliveries of `event` that `plan` names, then marks it fanned out. Each
    /// is one statement of its own, never a transaction held open across them: a delivery
    /// written twice (a replica racing, a crash before the mark) is refused by the unique
    /// index and adds nothing. A logout delivery is written only if its client still has a
    /// back-channel logout URI. False if the event was marked already (by another replica).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn fan_out_event(
        &self,
        event: &EventRecord,
        plan: &[Planned],
        now: i64,
    ) -> Result<bool> {
        for planned in plan {
            let (state, error) = match planned.over_cap {
                true => ("dead", Some("the endpoint's backlog was full")),
                false => ("pending", None),
            };
            let (endpoint, client) = match &planned.receiver {
                Receiver::Webhook { endpoint_id } => (Some(endpoint_id.as_str()), None),
                Receiver::Logout { client_id } => (None, Some(client_id.as_str())),
            };
            sqlx::query(
                "INSERT INTO event_deliveries (id, event_seq, endpoint_id, client_id, subject, \
                 state, attempts, next_attempt_at, last_error, created_at, finished_at) \
                 SELECT $1, $2, $3, $4, $5, $6, 0, $7, $8, $7, \
                 CASE WHEN $6 = 'dead' THEN $7 ELSE NULL END \
                 WHERE ($4 IS NULL OR EXISTS (SELECT 1 FROM clients WHERE client_id = $4 \
                 AND backchannel_logout_uri IS NOT NULL)) \
                 AND EXISTS (SELECT 1 FROM events WHERE seq = $2 AND fanned_out = 0) \
                 ON CONFLICT DO NOTHING",
            )
            .bind(format!("dlv_{}", crate::secrets::random_id()))
            .bind(event.seq)
            .bind(endpoint)
            .bind(client)
            .bind(&event.subject)
            .bind(state)
            .bind(now)
            .bind(error)
            .execute(self.pool())
            .await?;
        }
        let marked =
            sqlx::query("UPDATE events SET fanned_out = 1 WHERE seq = $1 AND fanned_out = 0")
                .bind(event.seq)
                .execute(self.pool())
                .await?;
        Ok(marked.rows_affected() == 1)
    }

    /// How many deliveries wait for an endpoint (for the cap).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn count_pending_for_endpoint(&self, endpoint_id: &str) -> Result<i64> {
        let (count,): (i64,) = sqlx::query_as(
            "SELECT count(*) FROM event_deliveries WHERE endpoint_id = $1 AND state = 'pending'",
        )
        .bind(endpoint_id)
        .fetch_one(self.pool())
        .await?;
        Ok(count)
    }

    /// How many logout tokens wait for a client (for the cap).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn count_pending_for_client(&self, client_id: &str) -> Result<i64> {
        let (count,): (i64,) = sqlx::query_as(
            "SELECT count(*) FROM event_deliveries WHERE client_id = $1 AND state = 'pending'",
        )
        .bind(client_id)
        .fetch_one(self.pool())
        .await?;
        Ok(count)
    }

    /// The receivers (endpoint or client ids) with a delivery due at `now`, those waiting
    /// longest first.
    // Not a span: the dispatcher asks every 500 ms, and an idle poll is not worth a trace.
    pub async fn list_due_receivers(&self, now: i64, limit: i64) -> Result<Vec<String>> {
        let rows: Vec<(String,)> = sqlx::query_as(
            "SELECT COALESCE(endpoint_id, client_id) FROM event_deliveries \
             WHERE state = 'pending' AND next_attempt_at <= $1 \
             GROUP BY COALESCE(endpoint_id, client_id) \
             ORDER BY MIN(next_attempt_at) LIMIT $2",
        )
        .bind(now)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }

    /// `receiver`'s deliveries due at `now`, each the earliest of its subject still waiting
    /// (so a subject's events reach an endpoint in order); none while the endpoint is paused.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn list_due_deliveries(
        &self,
        now: i64,
        receiver: &str,
        limit: i64,
    ) -> Result<Vec<DueDelivery>> {
        let rows: Vec<DueDelivery> = sqlx::query_as(
            "SELECT d.id, d.attempts, d.next_attempt_at, d.endpoint_id, d.client_id, \
             e.id AS event_id, e.type AS event_type, e.data, e.created_ms, \
             COALESCE(w.url, c.backchannel_logout_uri) AS url, w.secret, \
             CASE WHEN c.vendor IS NOT NULL OR c.farm_id IS NOT NULL \
                  OR c.registration_token_hash IS NOT NULL THEN 1 ELSE 0 END AS third_party \
             FROM event_deliveries d JOIN events e ON e.seq = d.event_seq \
             LEFT JOIN webhook_endpoints w ON w.id = d.endpoint_id \
             LEFT JOIN clients c ON c.client_id = d.client_id \
             WHERE d.state = 'pending' AND d.next_attempt_at <= $1 \
             AND COALESCE(d.endpoint_id, d.client_id) = $2 \
             AND (d.endpoint_id IS NULL OR (w.disabled_at IS NULL AND NOT EXISTS ( \
                 SELECT 1 FROM event_deliveries p WHERE p.state = 'pending' \
                 AND p.endpoint_id = d.endpoint_id AND p.subject = d.subject \
                 AND p.event_seq < d.event_seq))) \
             ORDER BY d.next_attempt_at, d.event_seq LIMIT $3",
        )
        .bind(now)
        .bind(receiver)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|mut due| {
                if let (Some(endpoint), Some(secret)) = (&due.endpoint_id, due.secret.take()) {
                    // A secret that cannot be opened (a sealing key gone) is this endpoint's
                    // problem: its delivery fails alone, the others go on.
                    let context = context("webhook_endpoints", "secret", endpoint);
                    due.secret = self
                        .open_text(&context, secret)
                        .inspect_err(|error| tracing::error!(endpoint = %endpoint, %error, "a webhook endpoint's secret cannot be opened"))
                        .ok();
                }
                due
            })
            .collect())
    }

    /// Claims a due delivery for one attempt until `lease_until`, so that two replicas never
    /// send it at once: true if this caller won it.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn claim_delivery(&self, due: &DueDelivery, lease_until: i64) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE event_deliveries SET next_attempt_at = $3, attempts = attempts + 1 \
             WHERE id = $1 AND next_attempt_at = $2 AND state = 'pending'",
        )
        .bind(&due.id)
        .bind(due.next_attempt_at)
        .bind(lease_until)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Records how attempt number `attempt` ended: `retry_at` for another attempt, else
    /// `state` for good (`delivered`, `dead` or `dropped`). Written only while the delivery
    /// is still that attempt's: one that outlived its lease, and was claimed again since,
    /// changes nothing.
    #[allow(clippy::too_many_arguments)]
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn record_attempt(
        &self,
        id: &str,
        attempt: i64,
        status: Option<u16>,
        error: Option<&str>,
        retry_at: Option<i64>,
        state: &str,
        now: i64,
    ) -> Result<()> {
        let status = status.map(i64::from);
        let query = match retry_at {
            Some(at) => sqlx::query(
                "UPDATE event_deliveries SET last_status = $2, last_error = $3, \
                 next_attempt_at = $4 WHERE id = $1 AND attempts = $5 AND state = 'pending'",
            )
            .bind(id)
            .bind(status)
            .bind(error)
            .bind(at)
            .bind(attempt),
            None => sqlx::query(
                "UPDATE event_deliveries SET last_status = $2, last_error = $3, state = $4, \
                 finished_at = $5 WHERE id = $1 AND attempts = $6 AND state = 'pending'",
            )
            .bind(id)
            .bind(status)
            .bind(error)
            .bind(state)
            .bind(now)
            .bind(attempt),
        };
        query.execute(self.pool()).await?;
        Ok(())
    }

    /// An endpoint's deliveries, newest first: all, or those in `state`; `before` pages on
    /// `event_seq` (exclusive).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn list_deliveries(
        &self,
        endpoint_id: &str,
        state: Option<&str>,
        before: Option<i64>,
        limit: i64,
    ) -> Result<Vec<DeliveryRecord>> {
        let sql = format!(
            "SELECT {DELIVERY_COLUMNS} FROM event_deliveries d JOIN events e \
             ON e.seq = d.event_seq WHERE d.endpoint_id = $1 AND ($2 IS NULL OR d.state = $2) \
             AND ($3 IS NULL OR d.event_seq < $3) \
             ORDER BY d.event_seq DESC LIMIT $4"
        );
        let rows = sqlx::query_as(&sql)
            .bind(endpoint_id)
            .bind(state)
            .bind(before)
            .bind(limit)
            .fetch_all(self.pool())
            .await?;
        Ok(rows)
    }

    /// A delivery of `endpoint_id` sent again from the start: one given up (a dead letter) or
    /// one delivered. False if it has no such delivery, or it is still being tried.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn replay_delivery(&self, endpoint_id: &str, id: &str, now: i64) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE event_deliveries SET state = 'pending', attempts = 0, next_attempt_at = $3, \
             finished_at = NULL, last_error = NULL, last_status = NULL \
             WHERE id = $1 AND endpoint_id = $2 AND state IN ('dead', 'delivered')",
        )
        .bind(id)
        .bind(endpoint_id)
        .bind(now)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Events waiting to be fanned out and deliveries waiting to be made (metrics).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn count_event_backlog(&self) -> Result<(i64, i64)> {
        let (events,): (i64,) = sqlx::query_as("SELECT count(*) FROM events WHERE fanned_out = 0")
            .fetch_one(self.pool())
            .await?;
        let (deliveries,): (i64,) =
            sqlx::query_as("SELECT count(*) FROM event_deliveries WHERE state = 'pending'")
                .fetch_one(self.pool())
                .await?;
        Ok((events, deliveries))
    }

    /// Drops deliveries finished before `before`, then events older than `before_ms` that
    /// were fanned out and have no delivery left.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn delete_finished_events(&self, before: i64, before_ms: i64) -> Result<u64> {
        let deliveries = Sweep {
            table: "event_deliveries",
            key: "id",
            condition: "finished_at < $1",
        };
        let events = Sweep {
            table: "events",
            key: "seq",
            condition: "created_ms < $1 AND fanned_out = 1 AND NOT EXISTS \
                        (SELECT 1 FROM event_deliveries d WHERE d.event_seq = events.seq)",
        };
        Ok(self.sweep(&deliveries, &[before]).await? + self.sweep(&events, &[before_ms]).await?)
    }
}
