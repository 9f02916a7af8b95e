//! The scenarios, one row of the table each, and how one is driven. A scenario is work (one
//! request, always the same, or the whole browser flow) repeated back to back by concurrent
//! workers, one connection each, and a goal to hold it to; add a row by adding an entry to
//! `scenarios`. `drive` warms up, then measures a window between two readings of CPU time,
//! and merges what the workers saw into a `Tally` for the report.

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

use crate::email_code::EmailCodeSignIn;
use crate::endpoints::{Credentials, Endpoints};
use crate::flow::{FLOW_STEPS, Flow, WEB_CLIENT_SCOPE};
use crate::http::{Request, Response, contains, send};
use crate::measure::{CpuTimes, process_cpu_seconds};
use crate::report::Report;
use crate::settings::Settings;
use crate::signed_in::{SECOND_APP_SCOPE, SSO_SCOPE, SignedIn, WorkerState};
use crate::upstream::UpstreamSignIn;
use crate::webhooks::WebhookLoad;

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
    /// Several requests taken in turn (the admin API's searches, say), each judged the same.
    Requests {
        requests: Vec<Request>,
        expect: Expect,
    },
    /// The whole browser sign-in flow, four requests, with a fresh cookie jar each time.
    BrowserFlow(Flow),
    /// A signed-in browser getting a code for a second app, and the app redeeming it.
    Sso(SignedIn),
    /// The second app refreshing its tokens, each worker along its own chain.
    Refresh(SignedIn),
    /// A fresh browser signing in through the upstream provider, where it is signed in.
    Upstream(UpstreamSignIn),
    /// A fresh browser signing in with a code mailed to it, paced under the server's limit.
    EmailCode(EmailCodeSignIn),
    /// A change in the database and the wait for its webhook (issue 15).
    Webhooks(Arc<WebhookLoad>),
}

impl Work {
    /// Each worker's starting state: signed-in browsers or refresh chains, made before the
    /// warm-up so that their password hashing is not measured.
    async fn prepare(&self, workers: usize) -> Result<Vec<WorkerState>> {
        match self {
            Work::Sso(signed_in) => signed_in.browsers(workers).await,
            Work::Refresh(signed_in) => signed_in.chains(workers).await,
            Work::Upstream(upstream) => upstream.browsers(workers).await,
            Work::Webhooks(load) => Ok((0..workers)
                .map(|n| WorkerState::Person(n % load.people.len(), false))
                .collect()),
            Work::Request { .. }
            | Work::Requests { .. }
            | Work::BrowserFlow(_)
            | Work::EmailCode(_) => Ok((0..workers).map(|_| WorkerState::None).collect()),
        }
    }

    /// The process of a second server the work loads too (the upstream provider), whose
    /// CPU time is reported beside the row.
    fn other_server(&self) -> Option<u32> {
        match self {
            Work::Upstream(upstream) => Some(upstream.upstream_pid),
            _ => None,
        }
    }
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
    /// Median and 99th percentile latency under this.
    LatencyUnder(Duration),
    /// No goal: units of work per server CPU-second, printed beside those of the scenario
    /// named `with`.
    ComparedWith(&'static str),
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
            TOKEN,
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

/// The scenarios of a person already signed in (see `signed_in`), on `BENCH_CONNECTIONS`
/// workers each: `web_client` signs browsers in, `second_app` is the app they then use.
pub(crate) fn signed_in_scenarios(
    endpoints: &Endpoints,
    web_client: &Credentials,
    second_app: &Credentials,
    settings: &Settings,
) -> Result<Vec<Scenario>> {
    let signed_in = |scope| -> Result<SignedIn> {
        Ok(SignedIn {
            sign_in: Flow::new(endpoints, web_client, WEB_CLIENT_SCOPE)?,
            app: Flow::new(endpoints, second_app, scope)?,
        })
    };
    // Each signs two tokens (access and ID token): half the signing rate is the ceiling.
    Ok(vec![
        Scenario {
            name: SSO,
            work: Work::Sso(signed_in(SSO_SCOPE)?),
            workers: settings.connections,
            goal: Goal::ShareOfSigningRate(0.4),
        },
        Scenario {
            name: REFRESH,
            work: Work::Refresh(signed_in(SECOND_APP_SCOPE)?),
            workers: settings.connections,
            goal: Goal::ShareOfSigningRate(0.4),
        },
    ])
}

/// The rows' names, which the seeded mode looks up too.
pub(crate) const TOKEN: &str = "token (client_credentials, API audience)";
pub(crate) const SSO: &str = "SSO (signed-in browser: authorize → code → token, second app)";
pub(crate) const REFRESH: &str = "refresh (refresh_token grant, rotating)";
pub(crate) const UPSTREAM: &str =
    "upstream sign-in (fresh browser: authorize → login → upstream → callback → token)";
pub(crate) const EMAIL_CODE: &str =
    "e-mail-code sign-in (fresh browser: authorize → ask → mail → code → token, paced)";

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
    let states = scenario.work.prepare(scenario.workers).await?;
    let workers: Vec<_> = states
        .into_iter()
        .map(|state| tokio::spawn(worker(scenario.clone(), phase.clone(), state)))
        .collect();
    tokio::time::sleep(WARM_UP).await;
    let other_pid = scenario.work.other_server();
    let before = CpuTimes::read(server_pid)?;
    let other_before = other_pid
        .map(|pid| process_cpu_seconds(&pid.to_string()))
        .transpose()?;
    phase.store(MEASURING, Ordering::Relaxed);
    let started = Instant::now();
    tokio::time::sleep(settings.duration).await;
    phase.store(STOPPED, Ordering::Relaxed);
    let wall = started.elapsed();
    let after = CpuTimes::read(server_pid)?;
    let other_after = other_pid
        .map(|pid| process_cpu_seconds(&pid.to_string()))
        .transpose()?;
    let other_cpu = other_before.zip(other_after).map(|(b, a)| a - b);
    let mut tally = Tally::default();
    for worker in workers {
        tally.merge(worker.await.context("a load worker panicked")?);
    }
    Ok(Report::new(
        &scenario,
        tally,
        wall,
        (before, after),
        other_cpu,
    ))
}

/// One connection doing the scenario's work (a request, or a whole flow) back to back until
/// told to stop.
async fn worker(scenario: Arc<Scenario>, phase: Arc<AtomicU8>, mut state: WorkerState) -> Tally {
    let mut tally = Tally::default();
    let mut connection = None;
    // The browser flow's per-request latencies; reused, so nothing is allocated per flow.
    let mut steps = Vec::with_capacity(FLOW_STEPS.len());
    let mut turn = 0usize;
    loop {
        steps.clear();
        if let Work::EmailCode(email_code) = &scenario.work {
            email_code.pace().await;
        }
        let started = Instant::now();
        let outcome = match &scenario.work {
            Work::Request { request, expect } => {
                send(&mut connection, request.target, &request.bytes)
                    .await
                    .and_then(|response| expect.judge(&response))
            }
            Work::Requests { requests, expect } => {
                let request = &requests[turn % requests.len()];
                turn += 1;
                send(&mut connection, request.target, &request.bytes)
                    .await
                    .and_then(|response| expect.judge(&response))
            }
            Work::BrowserFlow(flow) => flow.run(&mut connection, &mut steps).await,
            Work::Sso(signed_in) => match &mut state {
                WorkerState::Browser(jar) => signed_in
                    .sso(&mut connection, &mut steps, jar)
                    .await
                    .map(drop),
                _ => Err("an SSO worker without a browser".to_string()),
            },
            Work::Refresh(signed_in) => match &mut state {
                WorkerState::Chain(token) => {
                    signed_in.refresh(&mut connection, &mut steps, token).await
                }
                _ => Err("a refresh worker without a chain".to_string()),
            },
            Work::EmailCode(email_code) => email_code.run(&mut connection, &mut steps).await,
            Work::Webhooks(load) => match &mut state {
                WorkerState::Person(n, locked) => load.run(&load.people[*n], locked).await,
                _ => Err("a webhook worker without a person".to_string()),
            },
            Work::Upstream(upstream) => match &mut state {
                WorkerState::Upstream(jar, upstream_connection) => {
                    let theirs = upstream_connection;
                    upstream.run(&mut connection, theirs, jar, &mut steps).await
                }
                _ => Err("an upstream worker without a browser".to_string()),
            },
        };
        let latency = started.elapsed();
        let failed = outcome.is_err();
        match phase.load(Ordering::Relaxed) {
            MEASURING => match outcome {
                Ok(()) => {
                    tally.latencies_ns.push(latency.as_nanos() as u64);
                    if matches!(scenario.work, Work::BrowserFlow(_)) {
                        tally.record_steps(&steps);
                    }
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
