//! The `audit_events` table: the security trail (sign-ins, failures, lockouts, factor
//! changes, resets, sessions ended). Append-only here.

use sqlx::FromRow;

use super::{Result, Store};

#[derive(Clone, Debug, Default, PartialEq, Eq, FromRow)]
pub struct AuditRecord {
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
}

impl Store {
    pub async fn insert_audit_event(&self, event: &AuditRecord) -> Result<()> {
        sqlx::query(
            "INSERT INTO audit_events (at, event, outcome, user_id, username, ip, client_id, detail) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(event.at)
        .bind(&event.event)
        .bind(&event.outcome)
        .bind(&event.user_id)
        .bind(&event.username)
        .bind(&event.ip)
        .bind(&event.client_id)
        .bind(&event.detail)
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
        let rows = sqlx::query_as(
            "SELECT at, event, outcome, user_id, username, ip, client_id, detail FROM audit_events \
             WHERE ($1 IS NULL OR user_id = $1) ORDER BY at DESC, id DESC LIMIT $2",
        )
        .bind(user_id)
        .bind(limit)
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
