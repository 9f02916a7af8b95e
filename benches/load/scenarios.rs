//! The scenarios, one row of the table each, and how one is driven. A scenario is work (one
//! request, always the same, or the whole browser flow) repeated back to back by concurrent
//! workers, one connection each, and a goal to hold it to; add a row by adding an entry to
//! `scenarios`. `drive` warms up, then measures a window between two readings of CPU time,
//! and merges what the workers saw into a `Tally` for the report.

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

use crate::flow::{FLOW_STEPS, Flow};
use crate::http::{Request, Response, contains, send};
use crate::measure::CpuTimes;
use crate::report::Report;
use crate::server::{Credentials, Endpoints};
use crate::settings::Settings;

/// Load before each measurement, not counted: connections open, caches and allocator warm.
pub(crate) const WARM_UP: Duration = Duration::from_secs(1);
/// After a transport error: long enough that a dead server is not hammered in a busy loop.
const ERROR_PAUSE: Duration = Duration::from_millis(10);

/// One row of the table: work repeated for the whole run by `workers` concurrent
/// connections, and the goal it is held to.
pub(crate) struct Scenario {
    pub(crate) name: &'static str,
    pub(crate) work: Work,
    pub(crate) workers: usize,
    pub(crate) goal: Goal,
}

/// What one worker repeats.
pub(crate) enum Work {
    /// One request, always the same, and what counts as success.
    Request { request: Request, expect: Expect },
    /// The whole browser sign-in flow, four requests, with a fresh cookie jar each time.
    BrowserFlow(Flow),
}

/// What a successful response looks like.
pub(crate) enum Expect {
    Status(u16),
    /// The status, and a body containing this text (checked on every response).
    StatusAndBody(u16, &'static str),
}

#[derive(Clone, Copy)]
pub(crate) enum Goal {
    /// At least this many successful requests per server CPU-second.
    PerServerCpuSecond(f64),
    /// Requests per server CPU-second at least this share of signatures per CPU-second.
    ShareOfSigningRate(f64),
    /// Flows per second at least this share of Argon2id verifications per second, both on
    /// every core.
    ShareOfHashRate(f64),
    /// Units of work per server CPU-second at least `share` of those of the scenario named
    /// `of`, measured in the same run (a feature's cost on the same path).
    ShareOfScenario { of: &'static str, share: f64 },
}

/// The single-request scenarios, on `BENCH_CONNECTIONS` connections each.
pub(crate) fn scenarios(
    endpoints: &Endpoints,
    credentials: &Credentials,
    introspecting: &Credentials,
    token: &str,
    settings: &Settings,
) -> Result<Vec<Scenario>> {
    let basic = credentials.basic_authorization();
    let api_basic = introspecting.basic_authorization();
    let introspection_form = form_urlencoded::Serializer::new(String::new())
        .append_pair("token", token)
        .finish();
    let request = |name, request, expect, goal| Scenario {
        name,
        work: Work::Request { request, expect },
        workers: settings.connections,
        goal,
    };
    Ok(vec![
        request(
            "token (client_credentials, API audience)",
            Request::post_form(&endpoints.token, &basic, "grant_type=client_credentials")?,
            Expect::Status(200),
            Goal::ShareOfSigningRate(0.85),
        ),
        request(
            "JWKS",
            Request::get(&endpoints.jwks)?,
            Expect::Status(200),
            Goal::PerServerCpuSecond(60_000.0),
        ),
        request(
            "discovery",
            Request::get(&endpoints.discovery)?,
            Expect::Status(200),
            Goal::PerServerCpuSecond(60_000.0),
        ),
        request(
            "introspection (JWT)",
            Request::post_form(&endpoints.introspection, &api_basic, &introspection_form)?,
            Expect::StatusAndBody(200, r#""active":true"#),
            Goal::PerServerCpuSecond(20_000.0),
        ),
    ])
}

impl Expect {
    /// `Err` carries a description for the report; it is built only on failure.
    fn judge(&self, response: &Response) -> Result<(), String> {
        let (status, needle) = match self {
            Expect::Status(status) => (*status, None),
            Expect::StatusAndBody(status, needle) => (*status, Some(*needle)),
        };
        let body_ok = needle.is_none_or(|n| contains(&response.body, n.as_bytes()));
        if response.status == status && body_ok {
            return Ok(());
        }
        Err(format!(
            "status {}, body {}",
            response.status,
            response.body_excerpt()
        ))
    }
}

// ---------------------------------------------------------------------------------------------
// Driving a scenario

const WARMING_UP: u8 = 0;
const MEASURING: u8 = 1;
const STOPPED: u8 = 2;

/// What one connection's worker saw while measuring.
#[derive(Default)]
pub(crate) struct Tally {
    pub(crate) latencies_ns: Vec<u64>,
    /// For the browser flow: the latencies of each of its requests, `[step][flow]`.
    pub(crate) step_latencies_ns: Vec<Vec<u64>>,
    pub(crate) errors: u64,
    pub(crate) first_error: Option<String>,
}

impl Tally {
    fn merge(&mut self, other: Tally) {
        self.latencies_ns.extend(other.latencies_ns);
        if self.step_latencies_ns.len() < other.step_latencies_ns.len() {
            self.step_latencies_ns
                .resize_with(other.step_latencies_ns.len(), Vec::new);
        }
        for (mine, theirs) in self
            .step_latencies_ns
            .iter_mut()
            .zip(other.step_latencies_ns)
        {
            mine.extend(theirs);
        }
        self.errors += other.errors;
        self.first_error = self.first_error.take().or(other.first_error);
    }

    fn record_steps(&mut self, steps: &[u64]) {
        if self.step_latencies_ns.len() < steps.len() {
            self.step_latencies_ns.resize_with(steps.len(), Vec::new);
        }
        for (list, step) in self.step_latencies_ns.iter_mut().zip(steps) {
            list.push(*step);
        }
    }
}

/// Runs the scenario on `connections` workers: warm-up, then a measured window between two
/// readings of CPU time. A request counts when it completes inside the window.
pub(crate) async fn drive(
    scenario: Arc<Scenario>,
    settings: &Settings,
    server_pid: u32,
) -> Result<Report> {
    let phase = Arc::new(AtomicU8::new(WARMING_UP));
    let workers: Vec<_> = (0..scenario.workers)
        .map(|_| tokio::spawn(worker(scenario.clone(), phase.clone())))
        .collect();
    tokio::time::sleep(WARM_UP).await;
    let before = CpuTimes::read(server_pid)?;
    phase.store(MEASURING, Ordering::Relaxed);
    let started = Instant::now();
    tokio::time::sleep(settings.duration).await;
    phase.store(STOPPED, Ordering::Relaxed);
    let wall = started.elapsed();
    let after = CpuTimes::read(server_pid)?;
    let mut tally = Tally::default();
    for worker in workers {
        tally.merge(worker.await.context("a load worker panicked")?);
    }
    Ok(Report::new(&scenario, tally, wall, before, after))
}

/// One connection doing the scenario's work (a request, or a whole flow) back to back until
/// told to stop.
async fn worker(scenario: Arc<Scenario>, phase: Arc<AtomicU8>) -> Tally {
    let mut tally = Tally::default();
    let mut connection = None;
    // The browser flow's per-request latencies; reused, so nothing is allocated per flow.
    let mut steps = Vec::with_capacity(FLOW_STEPS.len());
    loop {
        steps.clear();
        let started = Instant::now();
        let outcome = match &scenario.work {
            Work::Request { request, expect } => {
                send(&mut connection, request.target, &request.bytes)
                    .await
                    .and_then(|response| expect.judge(&response))
            }
            Work::BrowserFlow(flow) => flow.run(&mut connection, &mut steps).await,
        };
        let latency = started.elapsed();
        let failed = outcome.is_err();
        match phase.load(Ordering::Relaxed) {
            MEASURING => match outcome {
                Ok(()) => {
                    tally.latencies_ns.push(latency.as_nanos() as u64);
                    tally.record_steps(&steps);
                }
                Err(error) => {
                    tally.errors += 1;
                    tally.first_error.get_or_insert(error);
                }
            },
            STOPPED => return tally,
            _ => {}
        }
        if failed && connection.is_none() {
            tokio::time::sleep(ERROR_PAUSE).await;
        }
    }
}
