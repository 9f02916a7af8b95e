//! The settings of a run, read once from the environment: how long each scenario is
//! measured (`BENCH_SECONDS`), on how many connections (`BENCH_CONNECTIONS`), and how many
//! browser flows run at once (`BENCH_FLOWS`). Every one has a default, so a bare
//! `cargo bench --bench load` works. `BENCH_BASELINE`, unset by default, names another
//! `farm-auth` binary (an earlier commit's release build) to measure in the same run.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result};

#[derive(Clone)]
pub(crate) struct Settings {
    pub(crate) duration: Duration,
    pub(crate) connections: usize,
    /// Concurrent browser flows: a few per core, so that every core has a password to hash
    /// while other flows wait on the network or the database.
    pub(crate) flows: usize,
    /// A `farm-auth` binary to measure first, with the same scenarios, for a before/after
    /// table whose two columns share the machine's state of the moment.
    pub(crate) baseline: Option<PathBuf>,
}

impl Settings {
    pub(crate) fn from_env() -> Result<Settings> {
        Ok(Settings {
            duration: Duration::from_secs(env_number("BENCH_SECONDS", 10)?),
            connections: usize::try_from(env_number("BENCH_CONNECTIONS", 32)?)
                .context("BENCH_CONNECTIONS is too large")?,
            flows: usize::try_from(env_number("BENCH_FLOWS", 8)?)
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
