//! The `audit_events` table: the security trail (sign-ins, failures, lockouts, factor
//! changes, resets, sessions ended). Append-only here.

use sqlx::FromRow;

use super::{Result, Store};

#[derive(Clone, Debug, Default, PartialEq, Eq, FromRow, serde::Serialize)]
pub struct AuditRecord {
    /// Ascending with time; set by the database (ignored when inserting).
    pub id: i64,
    pub at: i64,
    /// What happened, e.g. `login.password`, `totp.enabled`, `password.reset`.
    pub event: String,
    /// `success`, `failure` or `locked`.
    pub outcome: String,
    pub user_id: Option<String>,
    /// The username as typed, for failures that name no account.
    pub username: Option<String>,
    pub ip: Option<String>,
    pub client_id: Option<String>,
    pub detail: Option<String>,
    /// The administrator who did it, if one did.
    pub actor_id: Option<String>,
    /// How many equal refusals this row stands for (1 for every other event).
    #[sqlx(default)]
    pub repeats: i64,
    /// When the latest of them came; `None` until a refusal is repeated.
    #[sqlx(default)]
    pub last_at: Option<i64>,
}

/// Which events to list; every field set narrows the list.
#[derive(Clone, Debug, Default)]
pub struct AuditFilter<'a> {
    pub user_id: Option<&'a str>,
    pub client_id: Option<&'a str>,
    /// An event name (`user.locked`) or its family (`user`, `login`).
    pub event: Option<&'a str>,
    /// From this time, inclusive.
    pub since: Option<i64>,
    /// Before this time.
    pub until: Option<i64>,
    /// Older than this event (the next page).
    pub before_id: Option<i64>,
}

impl Store {
    pub async fn insert_audit_event(&self, event: &AuditRecord) -> Result<()> {
        self.insert_or_count_audit_event(event, None).await
    }

    /// Writes an event; with a `key`, a refusal that is counted on the row of the equal
    /// ones of its window (the same key) when there is one: `repeats` goes up by one and
    /// `last_at` becomes its time. One statement, so replicas refusing at once count every
    /// refusal. Without a key nothing conflicts (NULLs are distinct in a unique index).
    pub async fn insert_or_count_audit_event(
        &self,
        event: &AuditRecord,
        key: Option<&str>,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO audit_events (at, event, outcome, user_id, username, ip, client_id, detail, \
             actor_id, aggregate_key) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
             ON CONFLICT (aggregate_key) DO UPDATE SET repeats = audit_events.repeats + 1, \
             last_at = excluded.at",
        )
        .bind(event.at)
        .bind(&event.event)
        .bind(&event.outcome)
        .bind(&event.user_id)
        .bind(&event.username)
        .bind(&event.ip)
        .bind(&event.client_id)
        .bind(&event.detail)
        .bind(&event.actor_id)
        .bind(key)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// The newest events first, optionally of one user, at most `limit`.
    pub async fn list_audit_events(
        &self,
        user_id: Option<&str>,
        limit: i64,
    ) -> Result<Vec<AuditRecord>> {
        let filter = AuditFilter {
            user_id,
            ..AuditFilter::default()
        };
        self.search_audit_events(&filter, limit).await
    }

    /// The newest events that pass `filter` first, at most `limit`.
    pub async fn search_audit_events(
        &self,
        filter: &AuditFilter<'_>,
        limit: i64,
    ) -> Result<Vec<AuditRecord>> {
        // No id or event name holds a control character (and PostgreSQL text cannot even
        // hold a NUL): such a filter matches nothing, without asking.
        let texts = [filter.user_id, filter.client_id, filter.event];
        if texts
            .iter()
            .flatten()
            .any(|t| t.chars().any(char::is_control))
        {
            return Ok(Vec::new());
        }
        let family = filter
            .event
            .map(|event| format!("{}.%", super::users::like_escaped(event)));
        let rows = sqlx::query_as(
            "SELECT id, at, event, outcome, user_id, username, ip, client_id, detail, actor_id, \
             repeats, last_at FROM audit_events \
             WHERE ($1 IS NULL OR user_id = $1) \
             AND ($2 IS NULL OR event = $2 OR event LIKE $3 ESCAPE '\\') \
             AND ($4 IS NULL OR at >= $4) AND ($5 IS NULL OR at < $5) \
             AND ($6 IS NULL OR id < $6) AND ($8 IS NULL OR client_id = $8) \
             ORDER BY id DESC LIMIT $7",
        )
        .bind(filter.user_id)
        .bind(filter.event)
        .bind(family)
        .bind(filter.since)
        .bind(filter.until)
        .bind(filter.before_id)
        .bind(limit)
        .bind(filter.client_id)
        .fetch_all(self.pool())
        .await?;
        Ok(rows)
    }

    /// Drops events older than `before` (the trail's retention).
    pub async fn delete_audit_events_before(&self, before: i64) -> Result<u64> {
        let done = sqlx::query("DELETE FROM audit_events WHERE at < $1")
            .bind(before)
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected())
    }
}
