//! The settings of a run, read once from the environment: how long each scenario is
//! measured (`BENCH_SECONDS`), on how many connections (`BENCH_CONNECTIONS`), and how many
//! browser flows run at once (`BENCH_FLOWS`). Every one has a default, so a bare
//! `cargo bench --bench load` works. `BENCH_BASELINE`, unset by default, names another
//! `farm-auth` binary (an earlier commit's release build) to measure in the same run.
//! `BENCH_USERS`, unset by default, turns on the seeded mode (see `seeded`), on the engines
//! `BENCH_DATABASE` names (`sqlite`, the default, `postgres` or `both`); PostgreSQL is
//! reached at `FARM_AUTH_BENCH_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/test`),
//! where each run creates its own database and drops it afterwards.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result};

#[derive(Clone)]
pub(crate) struct Settings {
    pub(crate) duration: Duration,
    pub(crate) connections: usize,
    /// Concurrent browser flows: a few per core, so that every core has a password to hash
    /// while other flows wait on the network or the database. At most five by default: every
    /// flow signs in the one bench user from one address, and more sign-ins of one account from
    /// one address at once than its free attempts are held back, as a guesser's burst would
    /// be (`accounts::throttle::LOGIN_FROM_ADDRESS`): each would count as an error.
    pub(crate) flows: usize,
    /// A `farm-auth` binary to measure first, with the same scenarios, for a before/after
    /// table whose two columns share the machine's state of the moment.
    pub(crate) baseline: Option<PathBuf>,
    /// The seeded mode's user count, if it is on.
    pub(crate) users: Option<u64>,
    /// The engines the seeded mode runs on, in order.
    pub(crate) engines: Vec<Engine>,
    /// Where the seeded mode creates its PostgreSQL databases.
    pub(crate) postgres_url: String,
}

/// A database engine the server can run on.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Engine::Sqlite => "SQLite",
            Engine::Postgres => "PostgreSQL",
        }
    }
}

/// The users the seeded mode compares with: its first step.
pub(crate) const BASE_USERS: u64 = 10_000;

impl Settings {
    pub(crate) fn from_env() -> Result<Settings> {
        Ok(Settings {
            duration: Duration::from_secs(env_number("BENCH_SECONDS", 10)?),
            connections: usize::try_from(env_number("BENCH_CONNECTIONS", 32)?)
                .context("BENCH_CONNECTIONS is too large")?,
            flows: usize::try_from(env_number("BENCH_FLOWS", 5)?)
                .context("BENCH_FLOWS is too large")?,
            baseline: match std::env::var_os("BENCH_BASELINE") {
                None => None,
                Some(path) => {
                    let path = PathBuf::from(path);
                    anyhow::ensure!(
                        path.is_file(),
                        "BENCH_BASELINE={} is not a file",
                        path.display()
                    );
                    Some(path)
                }
            },
            users: match std::env::var_os("BENCH_USERS") {
                None => None,
                Some(_) => {
                    let users = env_number("BENCH_USERS", BASE_USERS)?;
                    anyhow::ensure!(
                        users >= BASE_USERS,
                        "BENCH_USERS={users} is below the {BASE_USERS} users it is compared with"
                    );
                    Some(users)
                }
            },
            engines: match std::env::var("BENCH_DATABASE").as_deref() {
                Err(_) | Ok("sqlite") => vec![Engine::Sqlite],
                Ok("postgres") => vec![Engine::Postgres],
                Ok("both") => vec![Engine::Sqlite, Engine::Postgres],
                Ok(other) => {
                    anyhow::bail!("BENCH_DATABASE='{other}' is not one of sqlite, postgres, both")
                }
            },
            postgres_url: std::env::var("FARM_AUTH_BENCH_POSTGRES_URL")
                .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_string()),
        })
    }
}

fn env_number(name: &str, default: u64) -> Result<u64> {
    match std::env::var(name) {
        Err(_) => Ok(default),
        Ok(text) => text
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|n| *n > 0)
            .with_context(|| format!("{name}='{text}' is not a positive whole number")),
    }
}
