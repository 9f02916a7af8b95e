//! The `revoked_tokens` table: JWT access tokens revoked before their expiry, by `jti`. Access
//! tokens themselves are never stored; a row lives only until the token would have expired.

use super::{Result, Store, Sweep};

impl Store {
    /// Records a revocation, stamped with the database's clock; revoking twice is not an error
    /// (RFC 7009 §2.2).
    /// Whether `jti` was revoked (what the in-memory list asks when it is full).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn is_token_revoked(&self, jti: &str) -> Result<bool> {
        let found: Option<(i64,)> = sqlx::query_as("SELECT 1 FROM revoked_tokens WHERE jti = $1")
            .bind(jti)
            .fetch_optional(self.pool())
            .await?;
        Ok(found.is_some())
    }

    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn insert_revoked_token(&self, jti: &str, expires_at: i64) -> Result<()> {
        sqlx::query(
            "INSERT INTO revoked_tokens (jti, expires_at) VALUES ($1, $2) \
             ON CONFLICT (jti) DO NOTHING",
        )
        .bind(jti)
        .bind(expires_at)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Up to `limit` revocations whose tokens have not expired at `now`, stamped (database
    /// time) after `(revoked_at, jti)` in that order, as `(jti, expires_at, revoked_at)`:
    /// pages of what is new since a sync, through the `revoked_at` index.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn list_revocations_after(
        &self,
        revoked_at: i64,
        jti: &str,
        now: i64,
        limit: i64,
    ) -> Result<Vec<(String, i64, i64)>> {
        let rows = sqlx::query_as(
            "SELECT jti, expires_at, revoked_at FROM revoked_tokens \
             WHERE revoked_at >= $1 AND (revoked_at > $1 OR jti > $2) AND expires_at > $3 \
             ORDER BY revoked_at, jti LIMIT $4",
        )
        .bind(revoked_at)
        .bind(jti)
        .bind(now)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        Ok(rows)
    }

    /// Drops revocations of tokens that have expired anyway; returns how many.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn delete_expired_revocations(&self, now: i64) -> Result<u64> {
        let sweep = Sweep {
            table: "revoked_tokens",
            key: "jti",
            condition: "expires_at < $1",
        };
        self.sweep(&sweep, &[now]).await
    }
}
