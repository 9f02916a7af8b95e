//! The sweep, and the longest stall it causes. The server sweeps every ten minutes, not at
//! start-up, so the seeded mode runs the very same function (`farm_auth::app::sweep_expired`,
//! with its batches and pauses, decision 93) on its own thread, against the server's
//! database, right after the restart that follows the seeding: the rows past their time
//! are there to delete. Meanwhile a probe sends cheap requests at a steady pace, one at a
//! time on each of two connections: a client-credentials token (reads) and a refresh (a
//! write, which on SQLite waits for the one writer). Its slowest answer during the sweep
//! is the stall; the probe runs alone for a while first, so that what is slow anyway is
//! seen too.

use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow};
use farm_auth::store::Store;

use crate::http::{Request, send};
use crate::signed_in::{SignedIn, WorkerState};

/// The probe's pace on each connection: light enough that it measures waiting, not load.
const PROBE_EVERY: Duration = Duration::from_millis(10);
/// The probe alone, before the sweep starts.
const PROBE_BEFORE: Duration = Duration::from_secs(2);

pub(crate) struct SweepResult {
    pub(crate) rows: u64,
    pub(crate) time: Duration,
    /// The probe's slowest answer and its 99th percentile while the sweep ran.
    pub(crate) max_during: Duration,
    pub(crate) p99_during: Duration,
    /// The probe's slowest answer before the sweep.
    pub(crate) max_before: Duration,
    pub(crate) probes: usize,
    pub(crate) errors: usize,
}

/// Runs the sweep on `database_url` while probing the server.
pub(crate) async fn sweep_with_probe(
    database_url: &str,
    token: &Request,
    refresh: &SignedIn,
) -> Result<SweepResult> {
    let mut chain = match refresh.chains(1).await?.pop() {
        Some(WorkerState::Chain(token)) => token,
        _ => return Err(anyhow!("no refresh chain for the probe")),
    };
    let mut probe = Probe::default();
    let until = Instant::now() + PROBE_BEFORE;
    probe
        .run(token, refresh, &mut chain, || Instant::now() >= until)
        .await;
    let max_before = probe.latencies.iter().copied().max().unwrap_or_default();
    probe.latencies.clear();

    let url = database_url.to_string();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs() as i64;
    // Its own thread and runtime: the probe's timings must not wait for the sweep's tasks.
    let sweep = std::thread::spawn(move || -> Result<(u64, Duration)> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        runtime.block_on(async {
            let store = Store::connect(&url).await?;
            let started = Instant::now();
            let rows = farm_auth::app::sweep_expired(&store, now).await?;
            let time = started.elapsed();
            store.close().await;
            Ok((rows, time))
        })
    });
    probe
        .run(token, refresh, &mut chain, || sweep.is_finished())
        .await;
    let (rows, time) = sweep
        .join()
        .map_err(|_| anyhow!("the sweep thread panicked"))?
        .context("the sweep failed")?;
    let mut during = probe.latencies;
    during.sort_unstable();
    let p99 = during
        .get((during.len() * 99 / 100).min(during.len().saturating_sub(1)))
        .copied();
    Ok(SweepResult {
        rows,
        time,
        max_during: during.last().copied().unwrap_or_default(),
        p99_during: p99.unwrap_or_default(),
        max_before,
        probes: during.len(),
        errors: probe.errors,
    })
}

#[derive(Default)]
struct Probe {
    latencies: Vec<Duration>,
    errors: usize,
}

impl Probe {
    /// Both probes at their pace until `done` says so.
    async fn run(
        &mut self,
        token: &Request,
        refresh: &SignedIn,
        chain: &mut String,
        done: impl Fn() -> bool,
    ) {
        let (mut token_connection, mut refresh_connection) = (None, None);
        let mut tick = tokio::time::interval(PROBE_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        while !done() {
            tick.tick().await;
            let token_probe = async {
                let started = Instant::now();
                let outcome = send(&mut token_connection, token.target, &token.bytes).await;
                let ok = matches!(outcome, Ok(ref response) if response.status == 200);
                (started.elapsed(), ok)
            };
            let refresh_probe = async {
                let started = Instant::now();
                let outcome = refresh
                    .refresh(&mut refresh_connection, &mut Vec::new(), chain)
                    .await;
                (started.elapsed(), outcome.is_ok())
            };
            let (a, b) = tokio::join!(token_probe, refresh_probe);
            for (latency, ok) in [a, b] {
                self.latencies.push(latency);
                self.errors += usize::from(!ok);
            }
        }
    }
}
