//! The `throttles` table (failures and the back-off they earned, per key) and the
//! `rate_windows` table (request counts per key and fixed window, summed over replicas).

use super::{Result, Store};

impl Store {
    /// The keys among `keys` with failures on record, and until when each is locked.
    pub async fn find_throttles(&self, keys: &[String]) -> Result<Vec<(String, i64)>> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let placeholders: Vec<String> = (1..=keys.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT key, locked_until FROM throttles WHERE key IN ({})",
            placeholders.join(", ")
        );
        let mut query = sqlx::query_as(&sql);
        for key in keys {
            query = query.bind(key);
        }
        Ok(query.fetch_all(self.pool()).await?)
    }

    /// Counts a failure for `key` and returns the count, started afresh when the last failure
    /// is older than `forget_before`. Atomic: concurrent failures all count.
    pub async fn add_throttle_failure(
        &self,
        key: &str,
        now: i64,
        forget_before: i64,
    ) -> Result<i64> {
        let (failures,): (i64,) = sqlx::query_as(
            "INSERT INTO throttles (key, failures, last_failure_at, locked_until) \
             VALUES ($1, 1, $2, 0) \
             ON CONFLICT (key) DO UPDATE SET \
             failures = CASE WHEN throttles.last_failure_at < $3 THEN 1 \
                             ELSE throttles.failures + 1 END, \
             last_failure_at = excluded.last_failure_at \
             RETURNING failures",
        )
        .bind(key)
        .bind(now)
        .bind(forget_before)
        .fetch_one(self.pool())
        .await?;
        Ok(failures)
    }

    /// Locks `key` until `until` (never shortening a longer lock).
    pub async fn lock_throttle(&self, key: &str, until: i64) -> Result<()> {
        sqlx::query("UPDATE throttles SET locked_until = $2 WHERE key = $1 AND locked_until < $2")
            .bind(key)
            .bind(until)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Forgets the failures of `key` (after a success).
    pub async fn clear_throttle(&self, key: &str) -> Result<()> {
        sqlx::query("DELETE FROM throttles WHERE key = $1")
            .bind(key)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    pub async fn delete_stale_throttles(&self, last_failure_before: i64, now: i64) -> Result<u64> {
        let done =
            sqlx::query("DELETE FROM throttles WHERE last_failure_at < $1 AND locked_until <= $2")
                .bind(last_failure_before)
                .bind(now)
                .execute(self.pool())
                .await?;
        Ok(done.rows_affected())
    }

    /// Adds `count` requests to `key`'s window starting at `window_start`; returns the
    /// window's total over every replica.
    pub async fn add_to_rate_window(
        &self,
        key: &str,
        window_start: i64,
        count: i64,
    ) -> Result<i64> {
        let (total,): (i64,) = sqlx::query_as(
            "INSERT INTO rate_windows (key, window_start, count) VALUES ($1, $2, $3) \
             ON CONFLICT (key, window_start) DO UPDATE SET count = rate_windows.count + excluded.count \
             RETURNING count",
        )
        .bind(key)
        .bind(window_start)
        .bind(count)
        .fetch_one(self.pool())
        .await?;
        Ok(total)
    }

    pub async fn delete_old_rate_windows(&self, before: i64) -> Result<u64> {
        let done = sqlx::query("DELETE FROM rate_windows WHERE window_start < $1")
            .bind(before)
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected())
    }
}
