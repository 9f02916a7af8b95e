//! Load benchmark of the real server: `cargo bench --bench load`.
//!
//! What it measures, and why this way:
//! - The server runs as a separate process (the release binary cargo builds for benches), so
//!   its CPU time and memory can be read from `/proc/<pid>` apart from the load generator's.
//! - The headline figure is **requests per server CPU-second**, not requests per second: on a
//!   small machine the load generator competes with the server for the same cores, so
//!   wall-clock throughput mostly measures the machine; CPU cost per request measures the
//!   server.
//! - The token endpoint is judged against this machine's own RS256 signing rate, measured
//!   with aws-lc-rs (the library the server signs with): one RSA signature per token is the
//!   floor of that endpoint's cost, so the ratio shows how much the rest of the path adds.
//!   Its tokens are for a registered API (the client's scopes belong to it), so the path
//!   includes deciding the audience (RFC 8707); introspection asks as that API's client.
//! - The load generator speaks HTTP/1.1 itself over keep-alive connections (a request
//!   rendered once, then one write and one read per request): a general HTTP client spends
//!   more CPU per request than the cheap endpoints do, and would starve the server of cores.
//! - The browser flow (authorize → login page → login, answered with the code since the
//!   consent is remembered → code for tokens) is one user signing in again and again, each flow with its own fresh
//!   cookie jar. Its cost should be the Argon2id verification of the password, so flows per
//!   second are judged against this machine's Argon2id verifications per second, measured in
//!   the same run with the server's own `verify_blocking` on one thread per core, just before
//!   and just after the flows (the mean of the two; the machine's speed drifts): both use
//!   every core (the server hashes on one thread per core too).
//!   Both are wall-clock rates, so the same ratio per CPU-second is printed beside it, and
//!   every row shows what other processes and idle cores did meanwhile. The flow runs after
//!   the other scenarios and the peak RSS goal is read before it (and before SSO and
//!   refresh, whose workers sign in first): each concurrent Argon2id verification holds
//!   19 MiB, which says nothing about the other endpoints.
//! - SSO and refresh are a person already signed in, at a second app whose consent is
//!   remembered: a signed-in browser (one per worker, signed in before the warm-up) gets a
//!   code for the app, which redeems it; and the app's refresh token grant, each worker on
//!   its own chain since refresh tokens rotate. Each signs two tokens (access and ID token),
//!   so they are judged against the signing rate too, with half of it the ceiling.
//! - The upstream sign-in is a fresh browser signing in to the web client through an
//!   upstream OpenID provider: a second farm-auth (same binary, own SQLite database) started
//!   for the row, where each worker's browser is signed in before the warm-up. Its figure is
//!   flows per main-server CPU-second, with no goal: it is printed beside SSO's (both sign two
//!   tokens at the main server; this one also redeems the upstream's code and checks its ID
//!   token), and the upstream's own CPU time beside it.
//! - The e-mail-code sign-in is a fresh browser signing in with a code mailed to it, read
//!   from the server's mail directory. The server's throttles stay as they are: accounts are
//!   seeded by SQL (6 codes an hour each), each flow posts from its own address through
//!   `X-Forwarded-For` (the server trusts loopback as its proxy; 20 asks an hour per
//!   network), and the row is paced to 8 flows a second (600 asks a minute in all). Run
//!   last, since it seeds the database; flows per server CPU-second, no goal, printed
//!   beside the password flow's.
//!
//! Settings (environment): `BENCH_SECONDS` (default 10) measured per scenario after a 1 s
//! warm-up; `BENCH_CONNECTIONS` (default 32) concurrent connections; `BENCH_FLOWS` (default
//! 5) concurrent browser flows; `BENCH_BASELINE` (unset) the path of another `farm-auth`
//! binary, measured first with the same scenarios, and compared row by row with this build
//! in a last table: "no path slower than before" is judged in one run, on one machine state;
//! `BENCH_DATABASE` (`sqlite`, the default, `postgres` or `both`) the engines the server
//! runs on, each with every scenario and its own tables (PostgreSQL at
//! `FARM_AUTH_BENCH_POSTGRES_URL`, in a database of its own dropped afterwards).
//!
//! Seeded mode: `BENCH_USERS=N` (at least 10,000) measures instead how the server's costs
//! move with its data (issue 13), on the engines `BENCH_DATABASE` names (`sqlite`, the
//! default; `postgres`, at `FARM_AUTH_BENCH_POSTGRES_URL`, default
//! `postgres://postgres@127.0.0.1:5432/test`, in a database of its own that it drops
//! afterwards; or `both`). After the usual set-up (plus an admin app), the server is stopped,
//! its database seeded with SQL in proportion to 10,000 users, started again, measured; then
//! the same up to N users. Printed side by side per engine: login, SSO, refresh and token per
//! server CPU-second, admin user search and audit filters (latency on one connection),
//! start-up time, idle RSS, the sweep's time and the slowest request while it ran; with
//! issue 13's goals (each path within 20% of its 10k figure, searches and filters under
//! 50 ms, no request stalled over 50 ms by the sweep, idle RSS under 30 MiB). Seeding time
//! is printed, not judged. `BENCH_BASELINE` is not used in this mode. The data and what
//! the mode does are in `benches/seed/README.md`.
//!
//! Exit status: 0 when every scenario ran, whether or not the goals are met (this is a
//! measurement); non-zero when the server does not start or a scenario sees more than 1%
//! errors (then its numbers mean nothing).
//!
//! The modules, in the order a run uses them:
//! - `settings`: the `BENCH_*` environment settings.
//! - `server`: the `farm-auth serve` process, its set-up with the CLI (an API, clients, the user).
//! - `endpoints`: discovery and a first token over HTTP.
//! - `measure`: this machine's RS256 signing and Argon2id rates, and CPU time and memory
//!   read from `/proc`.
//! - `scenarios`: the rows of the table and how each is driven: workers, warm-up, tally.
//! - `http`: the load generator's own minimal HTTP/1.1 client.
//! - `browser`: a browser's cookie jar, and reading responses as a browser would.
//! - `flow`: the browser sign-in flow.
//! - `signed_in`: SSO and refresh, by workers each with its own signed-in browser or
//!   refresh token chain.
//! - `upstream`: the second server as upstream provider, and the upstream sign-in row.
//! - `email_code`: the e-mail-code sign-in row, its seeded accounts and its pace.
//! - `report`: each row's figures, and the printed table and goals.
//! - `seeded`: the seeded mode, with its own seeding, sweep, admin API rows and table.

mod browser;
mod email_code;
mod endpoints;
mod flow;
mod http;
mod measure;
mod report;
mod scenarios;
mod seeded;
mod server;
mod settings;
mod signed_in;
mod upstream;
mod webhooks;

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result};

use crate::email_code::TRUSTED_PROXY;
use crate::endpoints::{Endpoints, fetch_access_token, setup_http_client, wait_for_api};
use crate::flow::{FARMS_SCOPE, Flow, WEB_CLIENT_SCOPE};
use crate::measure::{Hashing, measure_hashing, measure_signing, proc_status_mib, signing_input};
use crate::report::{MAX_ERROR_RATE, Report, Results, print_comparison, print_results};
use crate::scenarios::{
    EMAIL_CODE, Goal, SSO, Scenario, UPSTREAM, WARM_UP, Work, drive, scenarios, signed_in_scenarios,
};
use crate::seeded::seed::SeedDatabase;
use crate::server::{Server, this_build};
use crate::settings::{Engine, Settings};
use crate::signed_in::SECOND_APP_SCOPE;

fn main() -> ExitCode {
    let settings = match Settings::from_env() {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("error: {error:#}");
            return ExitCode::FAILURE;
        }
    };
    if let Some(users) = settings.users {
        return match seeded::run(&settings, users) {
            Ok(runs) if runs.iter().any(seeded::EngineRun::too_many_errors) => {
                eprintln!(
                    "error: a row had more than {}% errors; see the table",
                    MAX_ERROR_RATE * 100.0
                );
                ExitCode::FAILURE
            }
            Ok(_) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("error: seeded benchmark failed: {error:#}");
                ExitCode::FAILURE
            }
        };
    }
    let mut failed = false;
    for &engine in &settings.engines.clone() {
        if settings.engines.len() > 1 || engine != Engine::Sqlite {
            println!("\n## on {}", engine.name());
        }
        match run_all(settings.clone(), engine) {
            Ok((baseline, results)) => {
                if let Some(baseline) = &baseline {
                    println!("\n# baseline: {}", baseline.binary.display());
                    print_results(baseline);
                    println!("\n# this build");
                }
                print_results(&results);
                if let Some(baseline) = &baseline {
                    print_comparison(baseline, &results);
                }
                let all = baseline.iter().chain([&results]);
                if all.flat_map(|r| &r.reports).any(Report::too_many_errors) {
                    eprintln!(
                        "error: a scenario had more than {}% errors; see the table",
                        MAX_ERROR_RATE * 100.0
                    );
                    failed = true;
                }
            }
            Err(error) => {
                eprintln!("error: load benchmark failed: {error:#}");
                failed = true;
            }
        }
    }
    match failed {
        true => ExitCode::FAILURE,
        false => ExitCode::SUCCESS,
    }
}

/// The baseline's results, if `BENCH_BASELINE` names one, and this build's, on `engine`.
fn run_all(settings: Settings, engine: Engine) -> Result<(Option<Results>, Results)> {
    let baseline = match &settings.baseline {
        Some(binary) => {
            eprintln!("measuring the baseline {} first", binary.display());
            let run = run(settings.clone(), binary, engine);
            Some(run.context("the baseline's run failed")?)
        }
        None => None,
    };
    let results = run(settings, &this_build(), engine)?;
    Ok((baseline, results))
}

/// The browser flow without the `farms` scope, which the flow with it is compared with.
const PLAIN_FLOW: &str = "browser flow (authorize → login → token)";

/// One run of every scenario against `binary` on a fresh database of `engine` (dropped
/// afterwards).
fn run(settings: Settings, binary: &Path, engine: Engine) -> Result<Results> {
    let dir = tempfile::tempdir().context("cannot create a temporary directory")?;
    // One thread for the whole load generator: it leaves the other cores to the server, and
    // its own CPU time (reported) shows whether it kept up.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot build the tokio runtime")?;
    let database = runtime.block_on(SeedDatabase::create(
        engine,
        dir.path(),
        &settings.postgres_url,
    ))?;
    let results = run_on(&runtime, settings, binary, &database, dir.path());
    if let Err(error) = runtime.block_on(database.drop_database()) {
        eprintln!("warning: cannot drop the bench database: {error:#}");
    }
    results
}

fn run_on(
    runtime: &tokio::runtime::Runtime,
    settings: Settings,
    binary: &Path,
    database: &SeedDatabase,
    dir: &Path,
) -> Result<Results> {
    // Loopback is the proxy: the e-mail-code row's flows each come from their own address.
    let env = vec![(TRUSTED_PROXY.0, TRUSTED_PROXY.1.to_string())];
    let mut server = Server::start_on(binary, dir, database.server.clone(), env)?;
    runtime.block_on(server.wait_until_healthy())?;
    let idle_rss_mib = proc_status_mib(server.pid(), "VmRSS")?;
    let api = server.create_api()?;
    let credentials = server.create_client()?;
    let web_client = server.create_web_client()?;
    let second_app = server.create_second_app()?;
    server.create_user()?;
    let farm = server.create_farm()?;
    let http = setup_http_client()?;
    let endpoints = runtime.block_on(Endpoints::discover(&http, server.address))?;
    if api.is_some() {
        runtime.block_on(wait_for_api(&http, &endpoints))?;
    }
    // Fetched once, and valid for the whole run (see `server::ACCESS_TOKEN_TTL`).
    let token = runtime.block_on(fetch_access_token(&http, &endpoints, &credentials))?;
    let flow = Flow::new(&endpoints, &web_client, WEB_CLIENT_SCOPE)?;
    let farms_flow = Flow::new(&endpoints, &web_client, FARMS_SCOPE)?;
    // The user allows the web client once, on the consent page, so that the measured flows
    // find the consent remembered (and the flow is known to work before it is timed).
    runtime.block_on(farms_flow.remember_consent())?;
    // With the server idle and no load running, so nothing competes for the cores; over the
    // exact bytes the server signs for this client.
    let signing = measure_signing(signing_input(&token)?)?;
    // The token's API introspects it; a baseline without APIs lets the client itself.
    let introspecting = api.as_ref().unwrap_or(&credentials);
    let scenarios = scenarios(&endpoints, &credentials, introspecting, &token, &settings)?;
    let mut reports = run_scenarios(runtime, scenarios, &settings, server.pid())?;
    let peak_rss_mib = proc_status_mib(server.pid(), "VmHWM")?;
    // After the peak RSS is read, since they sign in (one Argon2id verification each): the
    // consent to the second app, then each SSO and refresh worker.
    let second_app_consent = Flow::new(&endpoints, &second_app, SECOND_APP_SCOPE)?;
    runtime.block_on(second_app_consent.remember_consent())?;
    let signed_in = signed_in_scenarios(&endpoints, &web_client, &second_app, &settings)?;
    reports.extend(run_scenarios(runtime, signed_in, &settings, server.pid())?);
    let upstream_flow = Flow::new(&endpoints, &web_client, WEB_CLIENT_SCOPE)?;
    let on = (binary, dir);
    reports.extend(upstream_row(
        runtime,
        &settings,
        on,
        &server,
        upstream_flow,
    )?);
    // Right before and right after the flows (with the server idle each time), so that the
    // rate they are compared with is the machine's speed at that moment.
    let hashing_before = measure_hashing()?;
    let flow_scenario = Scenario {
        name: PLAIN_FLOW,
        work: Work::BrowserFlow(flow),
        workers: settings.flows,
        goal: Goal::ShareOfHashRate(0.80),
    };
    let mut flows = vec![flow_scenario];
    // Issue 12: the `farms` claim (one indexed query per issuance) costs at most 5%.
    if farm {
        flows.push(Scenario {
            name: "browser flow with the farms scope",
            work: Work::BrowserFlow(farms_flow),
            workers: settings.flows,
            goal: Goal::ShareOfScenario {
                of: PLAIN_FLOW,
                share: 0.95,
            },
        });
    }
    reports.extend(run_scenarios(runtime, flows, &settings, server.pid())?);
    let flow_peak_rss_mib = proc_status_mib(server.pid(), "VmHWM")?;
    reports.extend(webhook_rows(
        runtime,
        &settings,
        &server,
        &endpoints,
        &web_client,
    )?);
    let hashing_after = measure_hashing()?;
    eprintln!(
        "Argon2id rate before the flows {:.1}/s, after {:.1}/s",
        hashing_before.per_second, hashing_after.per_second
    );
    let hashing = Hashing::mean(&hashing_before, &hashing_after);
    // Last: its accounts are seeded into the database the server is running on.
    let email_flow = Flow::new(&endpoints, &web_client, WEB_CLIENT_SCOPE)?;
    let on = (database, dir, server.pid());
    let client_id = &web_client.client_id;
    reports.extend(email_code_row(
        runtime, &settings, on, email_flow, client_id,
    )?);
    let server_pid = server.pid();
    drop(server); // stops it before the temporary directory with its database goes
    Ok(Results {
        settings,
        binary: binary.to_path_buf(),
        server_pid,
        signing,
        hashing,
        reports,
        idle_rss_mib,
        peak_rss_mib,
        flow_peak_rss_mib,
    })
}

/// The webhook delivery row (see `webhooks`), then the browser flow again with an endpoint
/// subscribed to every event type, held to 95% of the flow without. No rows when the server
/// has no webhooks.
fn webhook_rows(
    runtime: &tokio::runtime::Runtime,
    settings: &Settings,
    server: &Server,
    endpoints: &Endpoints,
    web_client: &crate::endpoints::Credentials,
) -> Result<Vec<Report>> {
    let Some(load) = runtime.block_on(webhooks::set_up(server, settings.connections))? else {
        return Ok(Vec::new());
    };
    let url = load.url.clone();
    let delivery = Scenario {
        name: "webhook delivery (change → receiver, lag)",
        work: Work::Webhooks(Arc::new(load)),
        workers: settings.connections,
        goal: Goal::LatencyUnder(std::time::Duration::from_secs(1)),
    };
    let mut reports = run_scenarios(runtime, vec![delivery], settings, server.pid())?;
    if webhooks::subscribe_everything(server, &url)? {
        let flow = Flow::new(endpoints, web_client, WEB_CLIENT_SCOPE)?;
        let with_webhooks = Scenario {
            name: "browser flow with webhooks subscribed",
            work: Work::BrowserFlow(flow),
            workers: settings.flows,
            goal: Goal::ShareOfScenario {
                of: PLAIN_FLOW,
                share: 0.95,
            },
        };
        reports.extend(run_scenarios(
            runtime,
            vec![with_webhooks],
            settings,
            server.pid(),
        )?);
    }
    Ok(reports)
}

/// The upstream sign-in row (see `upstream`), compared with SSO, against `server` run from
/// `binary` in `dir`; the upstream server goes once it is measured. No row when `server`
/// cannot configure upstream providers.
fn upstream_row(
    runtime: &tokio::runtime::Runtime,
    settings: &Settings,
    (binary, dir): (&Path, &Path),
    server: &Server,
    flow: Flow,
) -> Result<Vec<Report>> {
    let upstream = upstream::set_up(binary, dir, server, flow);
    let Some((upstream_server, row)) = runtime.block_on(upstream)? else {
        return Ok(Vec::new());
    };
    let row = Scenario {
        name: UPSTREAM,
        work: Work::Upstream(row),
        workers: settings.connections,
        goal: Goal::ComparedWith(SSO),
    };
    let reports = run_scenarios(runtime, vec![row], settings, server.pid());
    drop(upstream_server);
    reports
}

/// The e-mail-code sign-in row (see `email_code`), compared with the password flow, its
/// accounts seeded into `database`, which the server (`server_pid`, in `dir`) runs on. No
/// row when the server has no e-mail-code sign-in.
fn email_code_row(
    runtime: &tokio::runtime::Runtime,
    settings: &Settings,
    (database, dir, server_pid): (&SeedDatabase, &Path, u32),
    flow: Flow,
    client_id: &str,
) -> Result<Vec<Report>> {
    let seconds = settings.duration.as_secs();
    let email_code = email_code::set_up(database, dir, flow, client_id, seconds);
    let Some(email_code) = runtime.block_on(email_code)? else {
        return Ok(Vec::new());
    };
    let row = Scenario {
        name: EMAIL_CODE,
        work: Work::EmailCode(email_code),
        workers: settings.flows,
        goal: Goal::ComparedWith(PLAIN_FLOW),
    };
    run_scenarios(runtime, vec![row], settings, server_pid)
}

/// Runs the scenarios one after the other, so each has the server to itself.
fn run_scenarios(
    runtime: &tokio::runtime::Runtime,
    scenarios: Vec<Scenario>,
    settings: &Settings,
    server_pid: u32,
) -> Result<Vec<Report>> {
    let mut reports = Vec::new();
    for scenario in scenarios {
        eprintln!(
            "running '{}' for {} s (+{} s warm-up) on {} connections ...",
            scenario.name,
            settings.duration.as_secs(),
            WARM_UP.as_secs(),
            scenario.workers
        );
        reports.push(runtime.block_on(drive(Arc::new(scenario), settings, server_pid))?);
    }
    Ok(reports)
}
