//! The `known_devices` table: browsers that completed a sign-in, by the SHA-256 of the
//! token in their device cookie.

use sqlx::AnyConnection;

use super::{Result, Store, Sweep};

/// Devices kept per person; the least recently used go first.
const MAX_PER_USER: i64 = 20;

impl Store {
    /// Remembers a device of `user_id`, forgetting their least recently used beyond the cap.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn insert_known_device(
        &self,
        token_hash: &str,
        user_id: &str,
        now: i64,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        insert_known_device(&mut tx, token_hash, user_id, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The person a device was remembered for, if it was used since `since`.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn find_known_device(&self, token_hash: &str, since: i64) -> Result<Option<String>> {
        let row: Option<(String,)> = sqlx::query_as(
            "SELECT user_id FROM known_devices WHERE token_hash = $1 AND last_used_at > $2",
        )
        .bind(token_hash)
        .bind(since)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.map(|(user_id,)| user_id))
    }

    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn touch_known_device(&self, token_hash: &str, now: i64) -> Result<()> {
        touch_known_device(&mut *self.pool().acquire().await?, token_hash, now).await
    }

    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn delete_unused_known_devices(&self, before: i64) -> Result<u64> {
        let sweep = Sweep {
            table: "known_devices",
            key: "token_hash",
            condition: "last_used_at <= $1",
        };
        self.sweep(&sweep, &[before]).await
    }

    /// Forgets `user_id`'s known devices but `keep` (after a password change or reset: a
    /// browser that knew the old password is known no more).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn delete_known_devices(&self, user_id: &str, keep: Option<&str>) -> Result<u64> {
        let done = sqlx::query(
            "DELETE FROM known_devices WHERE user_id = $1 AND ($2 IS NULL OR token_hash <> $2)",
        )
        .bind(user_id)
        .bind(keep)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected())
    }
}

/// [`Store::insert_known_device`] inside a transaction the caller holds.
pub(super) async fn insert_known_device(
    conn: &mut AnyConnection,
    token_hash: &str,
    user_id: &str,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO known_devices (token_hash, user_id, created_at, last_used_at) \
         VALUES ($1, $2, $3, $3)",
    )
    .bind(token_hash)
    .bind(user_id)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "DELETE FROM known_devices WHERE user_id = $1 AND token_hash NOT IN ( \
           SELECT token_hash FROM known_devices WHERE user_id = $1 \
           ORDER BY last_used_at DESC, token_hash LIMIT $2)",
    )
    .bind(user_id)
    .bind(MAX_PER_USER)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub(super) async fn touch_known_device(
    conn: &mut AnyConnection,
    token_hash: &str,
    now: i64,
) -> Result<()> {
    sqlx::query("UPDATE known_devices SET last_used_at = $2 WHERE token_hash = $1")
        .bind(token_hash)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}
