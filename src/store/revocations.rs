//! The `revoked_tokens` table: JWT access tokens revoked before their expiry, by `jti`. Access
//! tokens themselves are never stored; a row lives only until the token would have expired.

use super::{Result, Store};

impl Store {
    /// Records a revocation; revoking twice is not an error (RFC 7009 §2.2).
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

    pub async fn is_token_revoked(&self, jti: &str) -> Result<bool> {
        let found: Option<i64> = sqlx::query_scalar("SELECT 1 FROM revoked_tokens WHERE jti = $1")
            .bind(jti)
            .fetch_optional(self.pool())
            .await?;
        Ok(found.is_some())
    }

    /// Drops revocations of tokens that have expired anyway; returns how many.
    pub async fn delete_expired_revocations(&self, now: i64) -> Result<u64> {
        let done = sqlx::query("DELETE FROM revoked_tokens WHERE expires_at < $1")
            .bind(now)
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected())
    }
}
