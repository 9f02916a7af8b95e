//! The only module that talks SQL. One query layer serves SQLite and PostgreSQL: every query
//! is written once in SQL both accept (`$1` placeholders, integer epoch seconds, text ids,
//! `ON CONFLICT`, `RETURNING`), run through sqlx's `Any` driver. The backend is chosen from
//! the URL here, at the edge, and never inside a query. One file per table family.

pub mod apis;
pub mod audit;
pub mod clients;
pub mod consents;
pub mod device_authorizations;
pub mod devices;
pub mod email_tokens;
pub mod factors;
pub mod farm_invitations;
pub mod farms;
pub mod grants;
pub mod initial_access_tokens;
pub mod keys;
pub mod outbox;
pub mod revocations;
pub mod sealed;
pub mod sessions;
pub mod throttles;
pub mod users;

use std::sync::Arc;
use std::time::Duration;

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::migrate::Migrator;
use sqlx::{AnyPool, Executor};

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
    /// Seals the secret columns as they are written and opens them as they are read
    /// ([`sealed`]); `None` in a store opened without a secret key, which then refuses to
    /// touch them rather than write a secret in clear.
    sealer: Option<Arc<Sealer>>,
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
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

impl Store {
    /// Opens a pool on `url` (`sqlite:…` or `postgres://…`). Does not migrate.
    pub async fn connect(url: &str) -> Result<Store> {
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
            .acquire_timeout(Duration::from_secs(10))
            .idle_timeout(Duration::from_secs(600));
        let pool = match backend {
            // One writer at a time is SQLite's nature; WAL lets readers run beside it. The
            // busy timeout (sqlx's default, 5 s) makes writers wait rather than fail.
            Backend::Sqlite => {
                create_private_file(url)?;
                options
                    .max_connections(8)
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            conn.execute("PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON;")
                                .await
                                .map(|_| ())
                        })
                    })
                    .connect(url)
                    .await?
            }
            Backend::Postgres => options.max_connections(16).connect(url).await?,
        };
        Ok(Store {
            pool,
            backend,
            sealer: None,
        })
    }

    /// This store, sealing and opening the secret columns with `sealer`.
    pub fn sealed_with(mut self, sealer: Arc<Sealer>) -> Store {
        self.sealer = Some(sealer);
        self
    }

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
            match migrator.run(&self.pool).await {
                Ok(()) => return Ok(()),
                Err(error) if self.backend == Backend::Sqlite && attempts < 3 => {
                    attempts += 1;
                    tracing::debug!(%error, "migration raced another process; retrying");
                    tokio::time::sleep(Duration::from_millis(100 * attempts)).await;
                }
                Err(error) => return Err(error.into()),
            }
        }
    }

    /// A round trip to the database, for `/readyz`.
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }
}

/// Creates the SQLite file readable by its owner only (it holds the private signing keys),
/// before SQLite would create it with the umask's permissions. SQLite gives its `-wal` and
/// `-shm` files the same mode as the database file.
fn create_private_file(url: &str) -> Result<()> {
    let rest = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:");
    let path = rest.split('?').next().unwrap_or_default();
    if path.is_empty() || path == ":memory:" || std::path::Path::new(path).exists() {
        return Ok(());
    }
    let mut file = std::fs::OpenOptions::new();
    file.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut file, 0o600);
    match file.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(StoreError::Database(sqlx::Error::Io(e))),
    }
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
