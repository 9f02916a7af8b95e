//! The `throttles` table (failures and the back-off they earned, per key) and the
//! `rate_windows` table (request counts per key and fixed window, summed over replicas).

use sqlx::AnyConnection;

use super::{Result, Store, Sweep};

/// One key of an attempt under way, as [`Store::begin_throttled_attempt`] counted it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttemptStart {
    pub key: String,
    /// The failures on record, this attempt included.
    pub failures: i64,
    /// The lock before this attempt (ended).
    pub locked_before: i64,
    /// The lock while the attempt runs, kept if it fails.
    pub locked_until: i64,
}

impl Store {
    /// Counts an attempt against every key before it is checked, in one transaction that
    /// holds the keys' rows, so that concurrent attempts are counted one after the other.
    /// Failures older than `forget` seconds are forgotten first. If a key is locked at
    /// `now`, nothing is counted and the latest lock end is returned as `Err`. Otherwise
    /// each key gets the lock `lock_for(key index, count)` would earn if this attempt
    /// fails (0: none), in force while the attempt runs; the start is returned.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn begin_throttled_attempt(
        &self,
        keys: &[(String, i64)],
        now: i64,
        lock_for: impl Fn(usize, i64) -> i64,
    ) -> Result<std::result::Result<Vec<AttemptStart>, i64>> {
        // One order for every transaction: two attempts never wait on each other in a cycle.
        let mut order: Vec<usize> = (0..keys.len()).collect();
        order.sort_by(|a, b| keys[*a].0.cmp(&keys[*b].0));
        let mut tx = self.begin().await?;
        // First each key's row, locked (PostgreSQL: the no-op update takes the row lock;
        // SQLite: the transaction holds the write lock) and read, without changing it.
        let mut seen = vec![(0i64, 0i64, 0i64); keys.len()];
        for &i in &order {
            seen[i] = sqlx::query_as(
                "INSERT INTO throttles (key, failures, last_failure_at, locked_until) \
                 VALUES ($1, 0, 0, 0) \
                 ON CONFLICT (key) DO UPDATE SET key = excluded.key \
                 RETURNING failures, last_failure_at, locked_until",
            )
            .bind(&keys[i].0)
            .fetch_one(&mut *tx)
            .await?;
        }
        let locked_until = seen.iter().map(|(_, _, until)| *until).max().unwrap_or(0);
        if locked_until > now {
            // Refused unchecked: not an attempt, so nothing about it is recorded.
            tx.commit().await?;
            return Ok(Err(locked_until));
        }
        let mut starts = Vec::with_capacity(keys.len());
        for (i, (key, forget)) in keys.iter().enumerate() {
            let (failures, last_failure_at, before) = seen[i];
            let failures = match last_failure_at < now - forget {
                true => 1,
                false => failures + 1,
            };
            let seconds = lock_for(i, failures);
            let provisional = if seconds > 0 { now + seconds } else { before };
            starts.push(AttemptStart {
                key: key.clone(),
                failures,
                locked_before: before,
                locked_until: provisional,
            });
        }
        for &i in &order {
            let start = &starts[i];
            sqlx::query(
                "UPDATE throttles SET failures = $2, last_failure_at = $3, locked_until = $4 \
                 WHERE key = $1",
            )
            .bind(&start.key)
            .bind(start.failures)
            .bind(now)
            .bind(start.locked_until)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(Ok(starts))
    }

    /// Settles attempts that succeeded (or never ran): the keys in `clear` are forgotten;
    /// each of `undo` loses the count and, unless a later failure locked it further, the
    /// lock this attempt set.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn settle_throttled_attempt(
        &self,
        clear: &[&AttemptStart],
        undo: &[&AttemptStart],
    ) -> Result<()> {
        if clear.is_empty() && undo.is_empty() {
            return Ok(());
        }
        let mut tx = self.begin().await?;
        settle_throttled_attempt(&mut tx, clear, undo).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Forgets the failures of `key` (after a success).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn clear_throttle(&self, key: &str) -> Result<()> {
        sqlx::query("DELETE FROM throttles WHERE key = $1")
            .bind(key)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn delete_stale_throttles(&self, last_failure_before: i64, now: i64) -> Result<u64> {
        let sweep = Sweep {
            table: "throttles",
            key: "key",
            condition: "last_failure_at < $1 AND locked_until <= $2",
        };
        self.sweep(&sweep, &[last_failure_before, now]).await
    }

    /// Adds `count` requests to `key`'s window starting at `window_start`; returns the
    /// window's total over every replica.
    #[tracing::instrument(level = "debug", skip_all)]
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

    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn delete_old_rate_windows(&self, before: i64) -> Result<u64> {
        let sweep = Sweep {
            table: "rate_windows",
            key: "key, window_start",
            condition: "window_start < $1",
        };
        self.sweep(&sweep, &[before]).await
    }
}

/// [`Store::settle_throttled_attempt`] inside a transaction the caller holds.
pub(super) async fn settle_throttled_attempt(
    conn: &mut AnyConnection,
    clear: &[&AttemptStart],
    undo: &[&AttemptStart],
) -> Result<()> {
    // The same order as [`Store::begin_throttled_attempt`]: no cycle of waits.
    let mut all: Vec<(&AttemptStart, bool)> = clear
        .iter()
        .map(|start| (*start, true))
        .chain(undo.iter().map(|start| (*start, false)))
        .collect();
    all.sort_by(|a, b| a.0.key.cmp(&b.0.key));
    for (start, forget) in all {
        let query = match forget {
            true => sqlx::query("DELETE FROM throttles WHERE key = $1").bind(&start.key),
            false => sqlx::query(
                "UPDATE throttles SET \
                 failures = CASE WHEN failures > 0 THEN failures - 1 ELSE 0 END, \
                 locked_until = CASE WHEN locked_until = $2 THEN $3 ELSE locked_until END \
                 WHERE key = $1",
            )
            .bind(&start.key)
            .bind(start.locked_until)
            .bind(start.locked_before),
        };
        query.execute(&mut *conn).await?;
    }
    Ok(())
}
