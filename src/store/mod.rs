//! The only module that talks SQL. One query layer serves SQLite and PostgreSQL: every query
//! is written once in SQL both accept (`$1` placeholders, integer epoch seconds, text ids,
//! `ON CONFLICT`, `RETURNING`), run through sqlx's `Any` driver. The backend is chosen from
//! the URL here, at the edge, and never inside a query. One file per table family.

pub mod account_security;
pub mod apis;
pub mod audit;
pub mod clients;
pub mod consents;
pub mod device_authorizations;
pub mod devices;
pub mod email_tokens;
pub mod events;
pub mod factors;
pub mod farm_invitations;
pub mod farms;
pub mod grants;
pub mod initial_access_tokens;
pub mod keys;
pub mod memberships;
pub mod outbox;
pub mod own_account;
pub mod pool_use;
pub mod refresh_in_use;
pub mod revocations;
pub mod sealed;
pub mod sessions;
pub mod sign_ins;
pub mod signup_challenges;
mod sqlite_file;
pub mod throttles;
pub mod upstreams;
pub mod users;
pub mod webhooks;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::migrate::Migrator;
use sqlx::{AnyConnection, AnyPool, Executor};

use crate::domain::Scope;
use crate::secrets::Sealer;

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("migrations/postgres");

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A handle on the database; cheap to clone (the pool is shared).
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// Whether an outage is in progress, so that it is logged once, not once per request.
    outage: Arc<AtomicBool>,
    sweeps: SweepPace,
    /// Seals the secret columns as they are written and opens them as they are read
    /// ([`sealed`]); `None` in a store opened without a secret key, which then refuses to
    /// touch them rather than write a secret in clear.
    sealer: Option<Arc<Sealer>>,
}

/// How sweeps delete: at most `batch` rows per statement (each its own short transaction),
/// then a `pause` before the next. On SQLite a writer waits for the one before it, so a
/// sweep that deleted a whole table at once held every request that writes (up to 1.1 s at
/// ten million audit rows); a batch found through an index takes a few milliseconds, and the
/// pause lets the writers that queued meanwhile go first (SQLite's busy handler retries
/// after 1, 2, 5, 10, 15, 20, 25 ms, then every 50 and 100 ms).
///
/// A batch that took longer than [`SWEEP_BATCH_TARGET`] (a busy disk, a table with many
/// indexes) halves the next one, down to [`SWEEP_MIN_BATCH`]; a quick one doubles it, up to
/// `batch`; and the pause is never shorter than the batch before it. So a waiting writer is
/// held for about one target's time, and retries while its busy handler's steps are still
/// short enough to meet a pause (the seeded benchmark's SQLite run stalled a request 700 ms
/// with fixed batches of 500).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SweepPace {
    pub batch: i64,
    pub pause: Duration,
}

/// What one sweep batch should take at most; see [`SweepPace`].
pub const SWEEP_BATCH_TARGET: Duration = Duration::from_millis(10);
/// The smallest batch: below it, each statement's own cost would dominate.
pub const SWEEP_MIN_BATCH: i64 = 16;

impl Default for SweepPace {
    fn default() -> Self {
        SweepPace {
            batch: 500,
            pause: Duration::from_millis(25),
        }
    }
}

/// Rows no longer needed: those of `table` that `condition` selects (on `$1`, `$2`, ...),
/// deleted by `key` (the primary key). `condition` must be answerable from an index, so
/// that finding each batch reads about a batch of rows.
pub(crate) struct Sweep {
    pub table: &'static str,
    pub key: &'static str,
    pub condition: &'static str,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A row that a unique constraint already holds (a duplicate username, client id, ...).
    #[error("already exists")]
    Conflict,
    /// A stored value that cannot be read back: a bug or a hand-edited row, never user input.
    #[error("stored data is unreadable: {0}")]
    Corrupt(String),
}

impl StoreError {
    /// Maps a unique-constraint violation to [`StoreError::Conflict`], anything else as is.
    pub(crate) fn from_insert(error: sqlx::Error) -> StoreError {
        match &error {
            sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict,
            _ => StoreError::Database(error),
        }
    }

    /// The database cannot serve now, through no fault of the request: the pool timed out,
    /// the connection failed, a lock or a statement outlasted its timeout, the disk is full.
    /// Answered 503 with `Retry-After`, never 500: trying again later will work.
    pub fn is_unavailable(&self) -> bool {
        let StoreError::Database(error) = self else {
            return false;
        };
        match error {
            sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::Protocol(_)
            | sqlx::Error::WorkerCrashed => true,
            sqlx::Error::Database(db) => db.code().is_some_and(|code| unavailable_code(&code)),
            _ => false,
        }
    }
}

/// Error codes that mean "the database cannot serve now", for both engines.
fn unavailable_code(code: &str) -> bool {
    // SQLite gives its extended result code as a number of at most four digits (a SQLSTATE
    // always has five characters, often all digits); the primary code is the low byte:
    // BUSY 5, LOCKED 6, NOMEM 7, READONLY 8, IOERR 10, FULL 13, CANTOPEN 14.
    if code.len() < 5
        && let Ok(number) = code.parse::<i32>()
    {
        return matches!(number & 0xff, 5..=8 | 10 | 13 | 14);
    }
    // PostgreSQL SQLSTATE (Appendix A): class 08 connection exception, class 53
    // insufficient resources (disk full, out of memory, too many connections), 57014
    // statement timeout, 57P01-57P05 the server shutting down or not yet accepting, 55P03
    // a lock not available, 25006 a read-only transaction (a standby after a fail-over).
    code.starts_with("08")
        || code.starts_with("53")
        || code.starts_with("57P")
        || matches!(code, "57014" | "55P03" | "25006")
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The default of [`Store::connect`]: how long a query waits for a connection, a lock or
/// its own completion (`FARM_AUTH_DATABASE_TIMEOUT_SECS`).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

impl Store {
    /// Opens a pool on `url` (`sqlite:…` or `postgres://…`). Does not migrate.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn connect(url: &str) -> Result<Store> {
        Store::connect_with(url, DEFAULT_TIMEOUT).await
    }

    /// Opens a pool whose every wait is bounded by `timeout`: acquiring a connection, the
    /// SQLite busy timeout (waiting for the write lock), the PostgreSQL `statement_timeout`.
    /// A database that is down or slow is then an error within seconds, answered 503.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn connect_with(url: &str, timeout: Duration) -> Result<Store> {
        install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            Backend::Postgres
        };
        // No ping before each acquire: on SQLite it is an extra round trip to sqlx's worker
        // thread, on PostgreSQL an extra network round trip, on every query. A connection
        // that died is reported once by the query that meets it and then replaced.
        let options = AnyPoolOptions::new()
            .test_before_acquire(false)
            .max_lifetime(Duration::from_secs(1800))
            .acquire_timeout(timeout)
            .idle_timeout(Duration::from_secs(600))
            .after_release(|conn, _| Box::pin(release_only_outside_a_transaction(conn)));
        let millis = timeout.as_millis();
        let pool = match backend {
            // One writer at a time is SQLite's nature; WAL lets readers run beside it. The
            // busy timeout makes writers wait for the lock rather than fail, but not longer
            // than a request should.
            Backend::Sqlite => {
                sqlite_file::create_private_file(url)?;
                options
                    .max_connections(8)
                    .after_connect(move |conn, _| {
                        let pragmas = format!(
                            "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; \
                             PRAGMA busy_timeout = {millis};"
                        );
                        Box::pin(async move { conn.execute(pragmas.as_str()).await.map(|_| ()) })
                    })
                    .connect(url)
                    .await?
            }
            Backend::Postgres => {
                options
                    .max_connections(16)
                    .after_connect(move |conn, _| {
                        let set = format!("SET statement_timeout = {millis}");
                        Box::pin(async move { conn.execute(set.as_str()).await.map(|_| ()) })
                    })
                    .connect(url)
                    .await?
            }
        };
        Ok(Store {
            pool,
            backend,
            outage: Arc::default(),
            sweeps: SweepPace::default(),
            sealer: None,
        })
    }

    /// This store, sealing and opening the secret columns with `sealer`.
    pub fn sealed_with(mut self, sealer: Arc<Sealer>) -> Store {
        self.sealer = Some(sealer);
        self
    }

    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn migrate(&self) -> Result<()> {
        let migrator = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        // PostgreSQL: sqlx serialises concurrent migrators with an advisory lock. SQLite has
        // no such lock, so a process that starts beside another (a replica on the same file,
        // or `farm-auth migrate` next to `serve`) may lose the race for a migration the other
        // applies first; reading the applied list again then finds nothing left to do.
        let mut attempts = 0;
        loop {
            match self.run_migrations(migrator).await {
                Ok(()) => return Ok(()),
                Err(error) if self.backend == Backend::Sqlite && attempts < 3 => {
                    attempts += 1;
                    tracing::debug!(%error, "migration raced another process; retrying");
                    tokio::time::sleep(Duration::from_millis(100 * attempts)).await;
                }
                Err(error) => return Err(error),
            }
        }
    }

    /// Runs the migrations on a connection of their own, without the statement timeout
    /// (building an index on a large table takes longer than a request may); the connection
    /// is closed afterwards rather than returned to the pool without its timeout.
    async fn run_migrations(&self, migrator: &Migrator) -> Result<()> {
        let mut conn = self.pool.acquire().await?.detach();
        if self.backend == Backend::Postgres {
            conn.execute("SET statement_timeout = 0").await?;
        }
        let ran = migrator.run(&mut conn).await;
        let _ = sqlx::Connection::close(conn).await;
        Ok(ran?)
    }

    /// A write that changes nothing of value, for `/readyz`: a database that answers a
    /// SELECT but cannot write (disk full, a read-only standby, a writer holding the lock
    /// past the busy timeout) is not ready.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn probe_write(&self, now: i64) -> Result<()> {
        sqlx::query(
            "INSERT INTO readiness_probe (id, written_at) VALUES (1, $1) \
             ON CONFLICT (id) DO UPDATE SET written_at = excluded.written_at",
        )
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Records that a request met `error`, a database that cannot serve. The first report
    /// of an outage is logged as an error and starts a watch that logs, once, when writes
    /// work again; the reports in between are not logged (510 ERROR lines in 5 s helped
    /// nobody).
    pub fn report_unavailable(&self, error: &str) {
        if self.outage.swap(true, Ordering::AcqRel) {
            tracing::debug!(%error, "database still unavailable");
            return;
        }
        tracing::error!(%error, "the database is unavailable; answering 503 until it is back");
        let store = self.clone();
        tokio::spawn(async move {
            let began = std::time::Instant::now();
            loop {
                tokio::time::sleep(Duration::from_secs(1)).await;
                if store.pool.is_closed() {
                    return;
                }
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs() as i64);
                if store.probe_write(now).await.is_ok() {
                    store.outage.store(false, Ordering::Release);
                    tracing::info!(
                        seconds = began.elapsed().as_secs(),
                        "the database is available again"
                    );
                    return;
                }
            }
        });
    }

    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// A write transaction; on SQLite `BEGIN IMMEDIATE`, as a deferred one that read first
    /// fails at once (SQLITE_BUSY, whatever the busy timeout) if another connection wrote in
    /// between, and the event dispatcher writes right after most changes (decision 166).
    pub(crate) async fn begin(&self) -> sqlx::Result<sqlx::Transaction<'static, sqlx::Any>> {
        match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.pool.begin().await,
        }
    }

    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// This handle with sweeps paced by `pace` (the pool stays shared).
    pub fn with_sweep_pace(mut self, pace: SweepPace) -> Store {
        self.sweeps = pace;
        self
    }

    /// Deletes what `sweep` selects with `binds`, batch by batch (see [`SweepPace`]);
    /// returns how many rows went.
    pub(crate) async fn sweep(&self, sweep: &Sweep, binds: &[i64]) -> Result<u64> {
        let Sweep {
            table,
            key,
            condition,
        } = sweep;
        // The LIMIT is in a subquery on the key, as neither engine has DELETE ... LIMIT in
        // common (PostgreSQL has none at all). It is a literal (our own number), not a
        // parameter: PostgreSQL's generic plan for `LIMIT $n` guessed a large batch and
        // joined it by scanning the whole table (12 s at ten million audit rows, against
        // 9 ms through the key's index with the number in the SQL).
        let most = self.sweeps.batch.max(1);
        let mut batch = most;
        let mut total = 0;
        loop {
            let sql = format!(
                "DELETE FROM {table} WHERE ({key}) IN \
                 (SELECT {key} FROM {table} WHERE {condition} LIMIT {batch})"
            );
            let mut delete = sqlx::query(&sql);
            for bind in binds {
                delete = delete.bind(*bind);
            }
            let started = std::time::Instant::now();
            let done = delete.execute(self.pool()).await?.rows_affected();
            let took = started.elapsed();
            total += done;
            if done < u64::try_from(batch).unwrap_or(0) {
                return Ok(total);
            }
            batch = match took {
                took if took > SWEEP_BATCH_TARGET => (batch / 2).max(SWEEP_MIN_BATCH.min(most)),
                took if took < SWEEP_BATCH_TARGET / 2 => (batch * 2).min(most),
                _ => batch,
            };
            tokio::time::sleep(self.sweeps.pause.max(took)).await;
        }
    }
}

/// The pool's `after_release` check: a connection whose transaction ended in an error is
/// closed, never handed to the next request.
///
/// Why: when SQLite's COMMIT fails with SQLITE_FULL (or IOERR, NOMEM), SQLite may roll the
/// transaction back by itself. sqlx 0.8.6 counts transaction depth on its side and lowers it
/// only when COMMIT or ROLLBACK succeeds, so the depth stays at 1 (the rollback that the
/// dropped `Transaction` then sends fails: "no transaction is active"). The next `begin()`
/// on that connection sends `SAVEPOINT` instead of `BEGIN`, and the first rollback after it
/// (`ROLLBACK TO SAVEPOINT`, which keeps the transaction open) leaves a real transaction open
/// that nothing will commit: every later write on that connection is undone when it closes,
/// after being answered 200, and its write lock wedges every other writer ("database is
/// locked"). The depth sqlx reports is the only trustworthy signal at release; a dropped
/// transaction's rollback is sent before the release, so a ping (a round trip through the
/// same queue) lets it land before the depth is read again. Nothing is paid in the normal
/// case: the first check is a counter read.
async fn release_only_outside_a_transaction(conn: &mut AnyConnection) -> sqlx::Result<bool> {
    use sqlx::Connection;
    if !conn.is_in_transaction() {
        return Ok(true);
    }
    conn.ping().await?;
    if conn.is_in_transaction() {
        tracing::warn!(
            "a database connection came back inside a transaction that ended in an error; \
             closing it"
        );
        return Ok(false);
    }
    Ok(true)
}

/// Lists are stored as JSON text so both engines hold them in one column type.
pub(crate) fn to_json_list(items: &[String]) -> String {
    serde_json::to_string(items).expect("a list of strings always serializes")
}

pub(crate) fn from_json_list(text: &str) -> Result<Vec<String>> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("list column: {e}")))
}

/// A stored scope, parsed as it is read: one that no longer parses is corrupt, never "none".
/// `whose` names the row in the error (built only on failure: grants are read per request).
pub(crate) fn stored_scope(text: &str, whose: impl FnOnce() -> String) -> Result<Scope> {
    Scope::parse(text).map_err(|e| StoreError::Corrupt(format!("{} scope: {e}", whose())))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    /// The two migration folders must keep the same versions, in step.
    #[test]
    fn sqlite_and_postgres_migrations_have_the_same_versions() {
        let versions = |m: &sqlx::migrate::Migrator| {
            m.iter()
                .map(|m| (m.version, m.description.to_string()))
                .collect::<BTreeSet<_>>()
        };
        assert_eq!(
            versions(&super::SQLITE_MIGRATIONS),
            versions(&super::POSTGRES_MIGRATIONS)
        );
        assert!(super::SQLITE_MIGRATIONS.iter().next().is_some());
    }

    /// Busy, locked, full, I/O and connection failures are "unavailable" (503); a
    /// constraint violation or a syntax error is ours or the caller's, never that.
    #[test]
    fn unavailable_codes_are_those_of_a_database_that_cannot_serve_now() {
        for code in [
            "5", "517", "6", "13", "10", "3850", "08006", "08001", "57014", "57P01", "53100",
        ] {
            assert!(super::unavailable_code(code), "{code}");
        }
        for code in ["19", "2067", "1", "23505", "42601", "40001"] {
            assert!(!super::unavailable_code(code), "{code}");
        }
        let timed_out = super::StoreError::Database(sqlx::Error::PoolTimedOut);
        assert!(timed_out.is_unavailable());
        assert!(!super::StoreError::Conflict.is_unavailable());
    }

    /// A stored scope that no longer parses is an error naming the row, never "no scope".
    #[test]
    fn a_corrupt_stored_scope_is_an_error_not_an_empty_scope() {
        assert_eq!(
            super::stored_scope("openid email", || unreachable!()).unwrap(),
            "openid email"
        );
        match super::stored_scope("openid \"email", || "grant g1".into()) {
            Err(super::StoreError::Corrupt(why)) => assert!(why.starts_with("grant g1 scope")),
            other => panic!("{other:?}"),
        }
    }
}
