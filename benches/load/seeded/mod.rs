//! The seeded mode (`BENCH_USERS=N`): how the server's costs move with its data (issue 13).
//! On each engine of `BENCH_DATABASE`, one server with the usual set-up (the API, clients
//! and user, plus an admin app), then two steps on the same database: seeded to 10,000
//! users, then on to N, each with the server stopped for the seeding (`seed`) and started
//! again. After each start: start-up time and idle RSS, the sweep with the longest stall it
//! causes (`sweep`), then the rows: login, SSO, refresh, token, admin user search and audit
//! filters (`admin`). `table` prints both steps side by side with the goals.

mod admin;
pub(crate) mod seed;
mod sweep;
mod table;

use std::time::Duration;

use anyhow::{Context, Result};

use crate::endpoints::{
    Credentials, Endpoints, fetch_access_token, setup_http_client, wait_for_api,
};
use crate::flow::{Flow, WEB_CLIENT_SCOPE};
use crate::http::Request;
use crate::measure::{Signing, measure_signing, proc_status_mib, signing_input};
use crate::report::Report;
use crate::scenarios::{Expect, Goal, Scenario, Work, signed_in_scenarios};
use crate::server::{Server, this_build};
use crate::settings::{BASE_USERS, Engine, Settings};
use crate::signed_in::{SECOND_APP_SCOPE, SignedIn};

use self::seed::SeedDatabase;
use self::sweep::SweepResult;

/// What one engine's run found.
pub(crate) struct EngineRun {
    engine: Engine,
    signing: Signing,
    steps: Vec<Step>,
}

impl EngineRun {
    /// Whether a row's numbers describe failures rather than the server.
    pub(crate) fn too_many_errors(&self) -> bool {
        let steps = self.steps.iter();
        steps.flat_map(|s| &s.reports).any(Report::too_many_errors)
    }
}

/// One size of the database and what was measured on it.
struct Step {
    users: u64,
    seeding: Duration,
    startup: Duration,
    idle_rss_mib: f64,
    sweep: SweepResult,
    reports: Vec<Report>,
}

/// The seeded mode on every engine asked for; prints the tables.
pub(crate) fn run(settings: &Settings, users: u64) -> Result<Vec<EngineRun>> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot build the tokio runtime")?;
    let mut runs = Vec::new();
    for &engine in &settings.engines {
        eprintln!(
            "seeded mode on {}: {BASE_USERS} then {users} users",
            engine.name()
        );
        let dir = tempfile::tempdir().context("cannot create a temporary directory")?;
        let database = runtime.block_on(SeedDatabase::create(
            engine,
            dir.path(),
            &settings.postgres_url,
        ))?;
        let outcome = run_engine(&runtime, settings, users, &database, dir.path());
        // The server is stopped by now (dropped in `run_engine`), so its database can go.
        if let Err(error) = runtime.block_on(database.drop_database()) {
            eprintln!("warning: cannot drop the bench database: {error:#}");
        }
        let run = outcome?;
        table::print(&run, settings);
        runs.push(run);
    }
    Ok(runs)
}

/// The clients the seeded mode registers.
struct Apps {
    machine: Credentials,
    web: Credentials,
    second: Credentials,
    admin: Credentials,
}

fn run_engine(
    runtime: &tokio::runtime::Runtime,
    settings: &Settings,
    users: u64,
    database: &SeedDatabase,
    dir: &std::path::Path,
) -> Result<EngineRun> {
    // Decision 98: the admin API without a second factor, for this bench only.
    let env = vec![("FARM_AUTH_ADMIN_REQUIRE_MFA", "false".to_string())];
    let mut server = Server::start_on(&this_build(), dir, database.server.clone(), env)?;
    runtime.block_on(server.wait_until_healthy())?;
    server
        .create_api()?
        .context("`farm-auth api create` failed")?;
    let apps = Apps {
        machine: server.create_client()?,
        web: server.create_web_client()?,
        second: server.create_second_app()?,
        admin: server.create_admin_app()?,
    };
    server.create_user()?;
    server.make_user_admin()?;
    let http = setup_http_client()?;
    let endpoints = runtime.block_on(Endpoints::discover(&http, server.address))?;
    runtime.block_on(wait_for_api(&http, &endpoints))?;
    let token = runtime.block_on(fetch_access_token(&http, &endpoints, &apps.machine))?;
    // Every consent once, before anything is measured.
    runtime.block_on(Flow::new(&endpoints, &apps.web, WEB_CLIENT_SCOPE)?.remember_consent())?;
    runtime.block_on(Flow::new(&endpoints, &apps.second, SECOND_APP_SCOPE)?.remember_consent())?;
    runtime.block_on(admin::admin_token(&endpoints, &apps.admin))?;
    let signing = measure_signing(signing_input(&token)?)?;

    let mut steps = Vec::new();
    let mut seeded = 0;
    for size in [BASE_USERS, users] {
        if size <= seeded {
            continue;
        }
        server.stop()?;
        eprintln!("seeding {} to {size} users ...", database.engine.name());
        let seeding =
            runtime.block_on(database.seed(seeded, size, users, &apps.second.client_id))?;
        seeded = size;
        eprintln!(
            "seeded in {:.1} s; starting the server",
            seeding.as_secs_f64()
        );
        server.restart()?;
        let startup = runtime.block_on(server.wait_until_healthy())?;
        std::thread::sleep(Duration::from_secs(1));
        let idle_rss_mib = proc_status_mib(server.pid(), "VmRSS")?;
        let sweep = runtime.block_on(measure_sweep(&server, &endpoints, &apps))?;
        let reports = measure_rows(runtime, &server, &endpoints, &apps, settings)?;
        steps.push(Step {
            users: size,
            seeding,
            startup,
            idle_rss_mib,
            sweep,
            reports,
        });
    }
    server.stop()?;
    Ok(EngineRun {
        engine: database.engine,
        signing,
        steps,
    })
}

async fn measure_sweep(server: &Server, endpoints: &Endpoints, apps: &Apps) -> Result<SweepResult> {
    eprintln!("sweeping, with the probe running ...");
    let token = Request::post_form(
        &endpoints.token,
        &apps.machine.basic_authorization(),
        "grant_type=client_credentials",
    )?;
    let refresh = SignedIn {
        sign_in: Flow::new(endpoints, &apps.web, WEB_CLIENT_SCOPE)?,
        app: Flow::new(endpoints, &apps.second, SECOND_APP_SCOPE)?,
    };
    sweep::sweep_with_probe(&server.database().url, &token, &refresh).await
}

/// The rows of one step, one after the other.
fn measure_rows(
    runtime: &tokio::runtime::Runtime,
    server: &Server,
    endpoints: &Endpoints,
    apps: &Apps,
    settings: &Settings,
) -> Result<Vec<Report>> {
    // A fresh sign-in: the admin API wants one at most an hour old.
    let admin_token = runtime.block_on(admin::admin_token(endpoints, &apps.admin))?;
    let basic = apps.machine.basic_authorization();
    let mut rows = vec![
        Scenario {
            name: LOGIN,
            work: Work::BrowserFlow(Flow::new(endpoints, &apps.web, WEB_CLIENT_SCOPE)?),
            workers: settings.flows,
            goal: Goal::ShareOfHashRate(0.8),
        },
        Scenario {
            name: crate::scenarios::TOKEN,
            work: Work::Request {
                request: Request::post_form(
                    &endpoints.token,
                    &basic,
                    "grant_type=client_credentials",
                )?,
                expect: Expect::Status(200),
            },
            workers: settings.connections,
            goal: Goal::ShareOfSigningRate(0.85),
        },
    ];
    rows.extend(signed_in_scenarios(
        endpoints,
        &apps.web,
        &apps.second,
        settings,
    )?);
    // One connection each: their latency is the query's, not a queue's.
    rows.push(Scenario {
        name: USER_SEARCH,
        work: Work::Requests {
            requests: admin::user_searches(endpoints, &admin_token)?,
            expect: Expect::Status(200),
        },
        workers: 1,
        goal: Goal::LatencyUnder(ADMIN_LATENCY),
    });
    rows.push(Scenario {
        name: AUDIT_FILTERS,
        work: Work::Requests {
            requests: admin::audit_filters(endpoints, &admin_token)?,
            expect: Expect::Status(200),
        },
        workers: 1,
        goal: Goal::LatencyUnder(ADMIN_LATENCY),
    });
    crate::run_scenarios(runtime, rows, settings, server.pid())
}

const LOGIN: &str = "login (browser flow)";
const USER_SEARCH: &str = "admin user search (4 prefixes in turn)";
const AUDIT_FILTERS: &str = "audit filters (5 filters in turn)";
/// Admin searches and audit filters: median and 99th percentile under this (issue 13).
const ADMIN_LATENCY: Duration = Duration::from_millis(50);
