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
//! - The load generator speaks HTTP/1.1 itself over keep-alive connections (a request
//!   rendered once, then one write and one read per request): a general HTTP client spends
//!   more CPU per request than the cheap endpoints do, and would starve the server of cores.
//!
//! Settings (environment): `BENCH_SECONDS` (default 10) measured per scenario after a 1 s
//! warm-up; `BENCH_CONNECTIONS` (default 32) concurrent connections.
//!
//! Exit status: 0 when every scenario ran, whether or not the goals are met (this is a
//! measurement); non-zero when the server does not start or a scenario sees more than 1%
//! errors (then its numbers mean nothing).

use std::fmt::Write as _;
use std::io;
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail, ensure};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use bytes::{Bytes, BytesMut};
use serde::Deserialize;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use url::Url;

/// Load before each measurement, not counted: connections open, caches and allocator warm.
const WARM_UP: Duration = Duration::from_secs(1);
/// The first start generates an RSA key and migrates; generous, for a busy machine.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(60);
const SIGNING_DURATION: Duration = Duration::from_secs(3);
/// Above this share of failed requests a scenario's numbers describe failures, not the server.
const MAX_ERROR_RATE: f64 = 0.01;
/// After a transport error: long enough that a dead server is not hammered in a busy loop.
const ERROR_PAUSE: Duration = Duration::from_millis(10);
const CLIENT_SCOPE: &str = "orders:read orders:write";
/// The longest the server allows (a day), so the one token fetched for the introspection
/// scenario is still active however long `BENCH_SECONDS` makes the run; it changes only a
/// number in the claims, not the work per request.
const ACCESS_TOKEN_TTL: &str = "86400";
const MIB: f64 = 1024.0 * 1024.0;

fn main() -> ExitCode {
    match run() {
        Ok(results) => {
            print_results(&results);
            if results.reports.iter().any(Report::too_many_errors) {
                eprintln!(
                    "error: a scenario had more than {}% errors; see the table",
                    MAX_ERROR_RATE * 100.0
                );
                return ExitCode::FAILURE;
            }
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: load benchmark failed: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// Everything that is printed at the end.
struct Results {
    settings: Settings,
    server_pid: u32,
    signing: Signing,
    reports: Vec<Report>,
    idle_rss_mib: f64,
    peak_rss_mib: f64,
}

fn run() -> Result<Results> {
    let settings = Settings::from_env()?;
    let dir = tempfile::tempdir().context("cannot create a temporary directory")?;
    // One thread for the whole load generator: it leaves the other cores to the server, and
    // its own CPU time (reported) shows whether it kept up.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot build the tokio runtime")?;
    let mut server = Server::start(dir.path())?;
    runtime.block_on(server.wait_until_healthy())?;
    let idle_rss_mib = proc_status_mib(server.pid(), "VmRSS")?;
    let credentials = server.create_client()?;
    let http = setup_http_client()?;
    let endpoints = runtime.block_on(Endpoints::discover(&http, server.address))?;
    // Fetched once, and valid for the whole run (see `ACCESS_TOKEN_TTL`).
    let token = runtime.block_on(fetch_access_token(&http, &endpoints, &credentials))?;
    // With the server idle and no load running, so nothing competes for the core; over the
    // exact bytes the server signs for this client.
    let signing = measure_signing(signing_input(&token)?)?;
    let scenarios = scenarios(&endpoints, &credentials, &token)?;
    let reports = run_scenarios(&runtime, scenarios, &settings, server.pid())?;
    let peak_rss_mib = proc_status_mib(server.pid(), "VmHWM")?;
    let server_pid = server.pid();
    drop(server); // stops it before the temporary directory with its database goes
    Ok(Results {
        settings,
        server_pid,
        signing,
        reports,
        idle_rss_mib,
        peak_rss_mib,
    })
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
            "running '{}' for {} s (+{} s warm-up) ...",
            scenario.name,
            settings.duration.as_secs(),
            WARM_UP.as_secs()
        );
        reports.push(runtime.block_on(drive(Arc::new(scenario), settings, server_pid))?);
    }
    Ok(reports)
}

// ---------------------------------------------------------------------------------------------
// Settings

struct Settings {
    duration: Duration,
    connections: usize,
}

impl Settings {
    fn from_env() -> Result<Settings> {
        Ok(Settings {
            duration: Duration::from_secs(env_number("BENCH_SECONDS", 10)?),
            connections: usize::try_from(env_number("BENCH_CONNECTIONS", 32)?)
                .context("BENCH_CONNECTIONS is too large")?,
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

// ---------------------------------------------------------------------------------------------
// The server process

/// The running `farm-auth serve`; killed when dropped, so every error path stops it too.
struct Server {
    child: Child,
    address: SocketAddr,
    database_url: String,
    dir: PathBuf,
}

impl Server {
    fn start(dir: &Path) -> Result<Server> {
        let address = free_local_address()?;
        let database_url = format!("sqlite://{}/bench.db?mode=rwc", dir.display());
        let child = farm_auth(&database_url, dir)
            .arg("serve")
            .env("FARM_AUTH_LISTEN", address.to_string())
            .env("FARM_AUTH_ACCESS_TOKEN_TTL", ACCESS_TOKEN_TTL)
            .stdout(Stdio::null()) // its warnings and errors still reach stderr
            .spawn()
            .context("cannot start `farm-auth serve`")?;
        Ok(Server {
            child,
            address,
            database_url,
            dir: dir.to_path_buf(),
        })
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Polls `/healthz` until it answers 200; fails fast if the process exits instead.
    async fn wait_until_healthy(&mut self) -> Result<()> {
        let http = setup_http_client()?;
        let url = format!("http://{}/healthz", self.address);
        let deadline = Instant::now() + STARTUP_TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().context("cannot check the server")? {
                bail!("`farm-auth serve` exited during start-up ({status}); see its log above");
            }
            let last = match http.get(&url).send().await {
                Ok(response) if response.status() == reqwest::StatusCode::OK => return Ok(()),
                Ok(response) => format!("status {}", response.status()),
                Err(error) => error.to_string(),
            };
            if Instant::now() >= deadline {
                bail!("the server did not answer 200 on {url} within {STARTUP_TIMEOUT:?} ({last})");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Registers the bench's machine client with the CLI, as an operator would.
    fn create_client(&self) -> Result<Credentials> {
        let output = farm_auth(&self.database_url, &self.dir)
            .args([
                "client",
                "create",
                "--name",
                "bench",
                "--scope",
                CLIENT_SCOPE,
            ])
            .arg("--json")
            .output()
            .context("cannot run `farm-auth client create`")?;
        ensure!(
            output.status.success(),
            "`farm-auth client create` failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        );
        serde_json::from_slice(&output.stdout).with_context(|| {
            let stdout = String::from_utf8_lossy(&output.stdout);
            format!("`farm-auth client create --json` printed no credentials: {stdout}")
        })
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // Errors here mean the process is already gone, which is the goal.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The farm-auth binary cargo built for this bench, configured only by what is set here.
fn farm_auth(database_url: &str, dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_farm-auth"));
    // An exported FARM_AUTH_ISSUER (say) would move the URLs this bench relies on.
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("FARM_AUTH_") {
            command.env_remove(name);
        }
    }
    command
        .env("FARM_AUTH_DATABASE_URL", database_url)
        .env("RUST_LOG", "warn") // a log line per request would be part of what is measured
        .current_dir(dir) // no stray `.env` file is read, and `./mail` lands in the temp dir
        .stdin(Stdio::null());
    command
}

/// A loopback port nobody uses now: bind port 0, note the port, let it go.
fn free_local_address() -> Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0").context("cannot bind a loopback port")?;
    listener
        .local_addr()
        .context("a bound listener has no address")
}

// ---------------------------------------------------------------------------------------------
// Set-up over HTTP: discovery and a first token, with a general-purpose client

#[derive(Deserialize)]
struct Credentials {
    client_id: String,
    client_secret: String,
}

impl Credentials {
    /// RFC 6749 §2.3.1: both halves are form-urlencoded before Basic encoding.
    fn basic_authorization(&self) -> String {
        let encode = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
        let pair = format!(
            "{}:{}",
            encode(&self.client_id),
            encode(&self.client_secret)
        );
        format!("Basic {}", STANDARD.encode(pair))
    }
}

fn setup_http_client() -> Result<reqwest::Client> {
    reqwest::Client::builder()
        .no_proxy() // an HTTP(S)_PROXY in the environment must not see loopback traffic
        .timeout(Duration::from_secs(10))
        .build()
        .context("cannot build the HTTP client")
}

/// The endpoints as the server advertises them, so the bench follows the server's own map.
struct Endpoints {
    discovery: Url,
    jwks: Url,
    token: Url,
    introspection: Url,
}

impl Endpoints {
    async fn discover(http: &reqwest::Client, address: SocketAddr) -> Result<Endpoints> {
        let discovery = Url::parse(&format!(
            "http://{address}/.well-known/openid-configuration"
        ))?;
        let document: serde_json::Value = http
            .get(discovery.clone())
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .with_context(|| format!("GET {discovery} failed"))?
            .json()
            .await
            .with_context(|| format!("GET {discovery} did not return JSON"))?;
        let field = |name: &str| -> Result<Url> {
            let text = document[name]
                .as_str()
                .with_context(|| format!("the discovery document has no {name}"))?;
            Url::parse(text).with_context(|| format!("{name} '{text}' is not a URL"))
        };
        Ok(Endpoints {
            jwks: field("jwks_uri")?,
            token: field("token_endpoint")?,
            introspection: field("introspection_endpoint")?,
            discovery,
        })
    }
}

async fn fetch_access_token(
    http: &reqwest::Client,
    endpoints: &Endpoints,
    credentials: &Credentials,
) -> Result<String> {
    let response = http
        .post(endpoints.token.clone())
        .header("authorization", credentials.basic_authorization())
        .header("content-type", "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials")
        .send()
        .await
        .context("the first token request failed")?;
    let status = response.status();
    let body = response.text().await.context("cannot read the token")?;
    ensure!(
        status.is_success(),
        "the first token request got {status}: {body}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&body).context("the token response is not JSON")?;
    json["access_token"]
        .as_str()
        .map(str::to_string)
        .with_context(|| format!("the token response has no access_token: {body}"))
}

// ---------------------------------------------------------------------------------------------
// Scenarios: add a row by adding an entry to `scenarios`

/// One row of the table: a request repeated for the whole run, what counts as success, and
/// the goal it is held to.
struct Scenario {
    name: &'static str,
    request: Request,
    expect: Expect,
    goal: Goal,
}

/// What a successful response looks like.
enum Expect {
    Status(u16),
    /// The status, and a body containing this text (checked on every response).
    StatusAndBody(u16, &'static str),
}

#[derive(Clone, Copy)]
enum Goal {
    /// At least this many successful requests per server CPU-second.
    PerServerCpuSecond(f64),
    /// Requests per server CPU-second at least this share of signatures per CPU-second.
    ShareOfSigningRate(f64),
}

fn scenarios(
    endpoints: &Endpoints,
    credentials: &Credentials,
    token: &str,
) -> Result<Vec<Scenario>> {
    let basic = credentials.basic_authorization();
    let introspection_form = form_urlencoded::Serializer::new(String::new())
        .append_pair("token", token)
        .finish();
    Ok(vec![
        Scenario {
            name: "token (client_credentials)",
            request: Request::post_form(&endpoints.token, &basic, "grant_type=client_credentials")?,
            expect: Expect::Status(200),
            goal: Goal::ShareOfSigningRate(0.85),
        },
        Scenario {
            name: "JWKS",
            request: Request::get(&endpoints.jwks)?,
            expect: Expect::Status(200),
            goal: Goal::PerServerCpuSecond(60_000.0),
        },
        Scenario {
            name: "discovery",
            request: Request::get(&endpoints.discovery)?,
            expect: Expect::Status(200),
            goal: Goal::PerServerCpuSecond(60_000.0),
        },
        Scenario {
            name: "introspection (JWT)",
            request: Request::post_form(&endpoints.introspection, &basic, &introspection_form)?,
            expect: Expect::StatusAndBody(200, r#""active":true"#),
            goal: Goal::PerServerCpuSecond(20_000.0),
        },
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
        let body = String::from_utf8_lossy(&response.body[..response.body.len().min(200)]);
        Err(format!("status {}, body {body}", response.status))
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

// ---------------------------------------------------------------------------------------------
// A minimal HTTP/1.1 client: just enough for these endpoints, and cheap per request

/// An HTTP/1.1 request rendered once to bytes: every request of a scenario is identical, so
/// the load generator spends nothing on building requests.
struct Request {
    target: SocketAddr,
    bytes: Bytes,
}

impl Request {
    fn get(url: &Url) -> Result<Request> {
        Request::render("GET", url, &[], "")
    }

    fn post_form(url: &Url, authorization: &str, form: &str) -> Result<Request> {
        let headers = [
            ("authorization", authorization),
            ("content-type", "application/x-www-form-urlencoded"),
        ];
        Request::render("POST", url, &headers, form)
    }

    fn render(method: &str, url: &Url, headers: &[(&str, &str)], body: &str) -> Result<Request> {
        ensure!(
            url.scheme() == "http",
            "{url}: the load generator speaks plain http only"
        );
        let target = url
            .socket_addrs(|| None)
            .with_context(|| format!("{url}: cannot resolve its address"))?
            .into_iter()
            .next()
            .with_context(|| format!("{url}: resolves to no address"))?;
        let host = url.host_str().context("a URL without a host")?;
        let mut text = format!(
            "{method} {} HTTP/1.1\r\nhost: {host}",
            &url[url::Position::BeforePath..url::Position::AfterQuery]
        );
        if let Some(port) = url.port() {
            write!(text, ":{port}")?;
        }
        text.push_str("\r\n");
        for (name, value) in headers {
            write!(text, "{name}: {value}\r\n")?;
        }
        if method != "GET" {
            write!(text, "content-length: {}\r\n", body.len())?;
        }
        text.push_str("\r\n");
        text.push_str(body);
        Ok(Request {
            target,
            bytes: Bytes::from(text),
        })
    }
}

struct Response {
    status: u16,
    body: Bytes,
    /// The server will close the connection after this response.
    close: bool,
}

/// One keep-alive connection; requests are sent one at a time (no pipelining).
struct Connection {
    stream: TcpStream,
    buffer: BytesMut,
}

const READ_CHUNK: usize = 8 * 1024;
const MAX_HEAD: usize = 64 * 1024;

impl Connection {
    async fn open(target: SocketAddr) -> io::Result<Connection> {
        let stream = TcpStream::connect(target).await?;
        // Each request goes out whole and waits for its answer: Nagle would only add delay.
        stream.set_nodelay(true)?;
        Ok(Connection {
            stream,
            buffer: BytesMut::with_capacity(READ_CHUNK),
        })
    }

    async fn exchange(&mut self, request: &[u8]) -> io::Result<Response> {
        self.stream.write_all(request).await?;
        loop {
            if let Some(head) = Head::parse(&self.buffer)? {
                let total = head.len + head.content_length;
                while self.buffer.len() < total {
                    self.fill().await?;
                }
                let body = self.buffer.split_to(total).freeze().slice(head.len..);
                return Ok(Response {
                    status: head.status,
                    body,
                    close: head.close,
                });
            }
            self.fill().await?;
        }
    }

    async fn fill(&mut self) -> io::Result<()> {
        self.buffer.reserve(READ_CHUNK);
        if self.stream.read_buf(&mut self.buffer).await? == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the server closed the connection",
            ));
        }
        Ok(())
    }
}

/// The parts of a response head the load generator needs.
struct Head {
    len: usize,
    status: u16,
    content_length: usize,
    close: bool,
}

impl Head {
    /// `Ok(None)`: the head has not fully arrived yet.
    fn parse(buffer: &[u8]) -> io::Result<Option<Head>> {
        let invalid = |what: &str| io::Error::new(io::ErrorKind::InvalidData, what.to_string());
        let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") else {
            if buffer.len() > MAX_HEAD {
                return Err(invalid("response head too large"));
            }
            return Ok(None);
        };
        let text = std::str::from_utf8(&buffer[..end]).map_err(|_| invalid("head not UTF-8"))?;
        let mut lines = text.split("\r\n");
        let status = lines
            .next()
            .and_then(|line| line.strip_prefix("HTTP/1.1 "))
            .and_then(|rest| rest.get(..3))
            .and_then(|code| code.parse().ok())
            .ok_or_else(|| invalid("bad status line"))?;
        let (mut content_length, mut close) = (None, false);
        for (name, value) in lines.filter_map(|line| line.split_once(':')) {
            let value = value.trim();
            if name.eq_ignore_ascii_case("content-length") {
                content_length = value.parse().ok();
            } else if name.eq_ignore_ascii_case("connection") {
                close = value.eq_ignore_ascii_case("close");
            } else if name.eq_ignore_ascii_case("transfer-encoding") {
                // Every farm-auth response has a known length; decoding chunks is not needed.
                return Err(invalid(
                    "chunked responses are not supported by the load generator",
                ));
            }
        }
        let content_length = content_length.ok_or_else(|| invalid("no content-length"))?;
        Ok(Some(Head {
            len: end + 4,
            status,
            content_length,
            close,
        }))
    }
}

// ---------------------------------------------------------------------------------------------
// Driving a scenario

const WARMING_UP: u8 = 0;
const MEASURING: u8 = 1;
const STOPPED: u8 = 2;

/// What one connection's worker saw while measuring.
#[derive(Default)]
struct Tally {
    latencies_ns: Vec<u64>,
    errors: u64,
    first_error: Option<String>,
}

impl Tally {
    fn merge(&mut self, other: Tally) {
        self.latencies_ns.extend(other.latencies_ns);
        self.errors += other.errors;
        self.first_error = self.first_error.take().or(other.first_error);
    }
}

/// Runs the scenario on `connections` workers: warm-up, then a measured window between two
/// readings of CPU time. A request counts when it completes inside the window.
async fn drive(scenario: Arc<Scenario>, settings: &Settings, server_pid: u32) -> Result<Report> {
    let phase = Arc::new(AtomicU8::new(WARMING_UP));
    let workers: Vec<_> = (0..settings.connections)
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

/// One connection sending requests back to back until told to stop.
async fn worker(scenario: Arc<Scenario>, phase: Arc<AtomicU8>) -> Tally {
    let mut tally = Tally::default();
    let mut connection = None;
    loop {
        let started = Instant::now();
        let outcome = one_request(&mut connection, &scenario).await;
        let latency = started.elapsed();
        let failed = outcome.is_err();
        match phase.load(Ordering::Relaxed) {
            MEASURING => match outcome {
                Ok(()) => tally.latencies_ns.push(latency.as_nanos() as u64),
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

/// Sends the scenario's request on the connection, (re)opening it if needed; a connection
/// that failed or that the server is closing is dropped, to be reopened next time.
async fn one_request(
    connection: &mut Option<Connection>,
    scenario: &Scenario,
) -> Result<(), String> {
    let open = match connection {
        Some(open) => open,
        None => connection.insert(
            Connection::open(scenario.request.target)
                .await
                .map_err(|e| format!("connect: {e}"))?,
        ),
    };
    match open.exchange(&scenario.request.bytes).await {
        Ok(response) => {
            if response.close {
                *connection = None;
            }
            scenario.expect.judge(&response)
        }
        Err(error) => {
            *connection = None;
            Err(format!("transport: {error}"))
        }
    }
}

/// One row of results.
struct Report {
    name: &'static str,
    goal: Goal,
    requests: u64,
    errors: u64,
    first_error: Option<String>,
    wall: Duration,
    p50: Duration,
    p99: Duration,
    server_cpu: f64,
    loadgen_cpu: f64,
}

impl Report {
    fn new(
        scenario: &Scenario,
        mut tally: Tally,
        wall: Duration,
        before: CpuTimes,
        after: CpuTimes,
    ) -> Report {
        tally.latencies_ns.sort_unstable();
        Report {
            name: scenario.name,
            goal: scenario.goal,
            requests: tally.latencies_ns.len() as u64,
            errors: tally.errors,
            first_error: tally.first_error,
            wall,
            p50: percentile(&tally.latencies_ns, 0.50),
            p99: percentile(&tally.latencies_ns, 0.99),
            server_cpu: after.server - before.server,
            loadgen_cpu: after.loadgen - before.loadgen,
        }
    }

    fn per_second(&self) -> f64 {
        self.requests as f64 / self.wall.as_secs_f64()
    }

    /// `None` when the server used too little CPU to divide by (under one clock tick).
    fn per_server_cpu_second(&self) -> Option<f64> {
        (self.server_cpu > 0.0).then(|| self.requests as f64 / self.server_cpu)
    }

    fn too_many_errors(&self) -> bool {
        let total = self.requests + self.errors;
        total == 0 || self.errors as f64 > total as f64 * MAX_ERROR_RATE
    }
}

/// Nearest-rank percentile of sorted latencies.
fn percentile(sorted_ns: &[u64], p: f64) -> Duration {
    if sorted_ns.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p * sorted_ns.len() as f64).ceil() as usize).clamp(1, sorted_ns.len());
    Duration::from_nanos(sorted_ns[rank - 1])
}

// ---------------------------------------------------------------------------------------------
// CPU time and memory from /proc

/// CPU seconds (user + system, all threads) of the server and of this process.
#[derive(Clone, Copy)]
struct CpuTimes {
    server: f64,
    loadgen: f64,
}

impl CpuTimes {
    fn read(server_pid: u32) -> Result<CpuTimes> {
        Ok(CpuTimes {
            server: process_cpu_seconds(&server_pid.to_string())?,
            loadgen: process_cpu_seconds("self")?,
        })
    }
}

fn process_cpu_seconds(pid: &str) -> Result<f64> {
    let path = format!("/proc/{pid}/stat");
    let stat = std::fs::read_to_string(&path).with_context(|| format!("cannot read {path}"))?;
    // The command name (field 2) is in parentheses and may contain spaces: split after it.
    let (_, rest) = stat
        .rsplit_once(')')
        .with_context(|| format!("{path}: no ')'"))?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // proc(5): utime and stime are fields 14 and 15, in clock ticks; `fields[0]` is field 3.
    let ticks = |index: usize| -> Result<u64> {
        fields
            .get(index)
            .and_then(|field| field.parse().ok())
            .with_context(|| format!("{path}: field {} is not a number", index + 3))
    };
    Ok((ticks(11)? + ticks(12)?) as f64 / clock_ticks_per_second()?)
}

fn clock_ticks_per_second() -> Result<f64> {
    // SAFETY: sysconf only reads a system constant; it has no pointer arguments.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    ensure!(ticks > 0, "sysconf(_SC_CLK_TCK) failed");
    Ok(ticks as f64)
}

/// A `kB` field of `/proc/<pid>/status` (`VmRSS`, `VmHWM`, ...), in MiB.
fn proc_status_mib(pid: u32, field: &str) -> Result<f64> {
    let path = format!("/proc/{pid}/status");
    let status = std::fs::read_to_string(&path).with_context(|| format!("cannot read {path}"))?;
    let kib: u64 = status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|value| value.trim().strip_suffix("kB")?.trim().parse().ok())
        .with_context(|| format!("{path}: no {field} in kB"))?;
    Ok(kib as f64 * 1024.0 / MIB)
}

// ---------------------------------------------------------------------------------------------
// The signing rate of this machine

struct Signing {
    per_cpu_second: f64,
    input_len: usize,
}

/// The JWS signing input of a token (`header.payload`): what the server hashes and signs.
fn signing_input(token: &str) -> Result<&[u8]> {
    let (input, _signature) = token
        .rsplit_once('.')
        .context("the access token is not a JWS")?;
    Ok(input.as_bytes())
}

/// RS256 signatures per CPU-second on one thread, with aws-lc-rs and RSA-2048 as the server
/// uses them; CPU time, not wall time, so other work on the machine does not lower it.
fn measure_signing(input: &[u8]) -> Result<Signing> {
    let pair = RsaKeyPair::generate(KeySize::Rsa2048)
        .map_err(|_| anyhow!("RSA-2048 key generation failed"))?;
    let mut signature = vec![0u8; pair.public_modulus_len()];
    let wall = Instant::now();
    let cpu_start = thread_cpu_seconds()?;
    let mut count = 0u64;
    while wall.elapsed() < SIGNING_DURATION {
        // A new SystemRandom per signature, as the server's `KeySet::sign` does.
        pair.sign(
            &RSA_PKCS1_SHA256,
            &SystemRandom::new(),
            input,
            &mut signature,
        )
        .map_err(|_| anyhow!("RS256 signing failed"))?;
        count += 1;
    }
    let cpu = thread_cpu_seconds()? - cpu_start;
    ensure!(cpu > 0.0, "the signing thread used no measurable CPU time");
    Ok(Signing {
        per_cpu_second: count as f64 / cpu,
        input_len: input.len(),
    })
}

fn thread_cpu_seconds() -> Result<f64> {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `now` is a valid, writable timespec for the duration of the call.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &raw mut now) };
    if rc != 0 {
        return Err(io::Error::last_os_error()).context("clock_gettime(CLOCK_THREAD_CPUTIME_ID)");
    }
    Ok(now.tv_sec as f64 + now.tv_nsec as f64 * 1e-9)
}

// ---------------------------------------------------------------------------------------------
// Output

fn print_results(results: &Results) {
    let cpus = std::thread::available_parallelism().map_or(0, std::num::NonZero::get);
    println!("\n## farm-auth load benchmark\n");
    println!(
        "{} s per scenario after a {} s warm-up, {} keep-alive connections, {cpus} CPUs, \
         server pid {}.",
        results.settings.duration.as_secs(),
        WARM_UP.as_secs(),
        results.settings.connections,
        results.server_pid
    );
    println!(
        "RS256 signing on one thread (aws-lc-rs, RSA-2048, {}-byte JWT signing input): \
         {:.0} signatures per CPU-second.\n",
        results.signing.input_len, results.signing.per_cpu_second
    );
    println!(
        "| scenario | requests | req/s | p50 ms | p99 ms | errors | server CPU s \
         | req per server CPU-s | load-gen CPU s |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for report in &results.reports {
        print_row(report);
    }
    println!(
        "\nServer memory: idle RSS after start-up {:.1} MiB, peak RSS (VmHWM) {:.1} MiB.",
        results.idle_rss_mib, results.peak_rss_mib
    );
    for report in &results.reports {
        if let Some(error) = &report.first_error {
            println!("First error in '{}': {error}", report.name);
        }
    }
    print_goals(results);
}

fn print_row(report: &Report) {
    let per_cpu = report
        .per_server_cpu_second()
        .map_or_else(|| "n/a".to_string(), |n| format!("{n:.0}"));
    println!(
        "| {} | {} | {:.0} | {:.2} | {:.2} | {} | {:.2} | {per_cpu} | {:.2} |",
        report.name,
        report.requests,
        report.per_second(),
        report.p50.as_secs_f64() * 1e3,
        report.p99.as_secs_f64() * 1e3,
        report.errors,
        report.server_cpu,
        report.loadgen_cpu,
    );
}

fn print_goals(results: &Results) {
    println!("\n## goals\n");
    for report in &results.reports {
        let per_cpu = report.per_server_cpu_second().unwrap_or(0.0);
        let (pass, text) = match report.goal {
            Goal::PerServerCpuSecond(goal) => (
                per_cpu >= goal,
                format!("{per_cpu:.0} req per server CPU-s (goal >= {goal:.0})"),
            ),
            Goal::ShareOfSigningRate(goal) => {
                let ratio = per_cpu / results.signing.per_cpu_second;
                (
                    ratio >= goal,
                    format!(
                        "{per_cpu:.0} req per server CPU-s = {ratio:.2} x the signing rate of \
                         {:.0}/CPU-s (goal >= {goal:.2})",
                        results.signing.per_cpu_second
                    ),
                )
            }
        };
        let note = if report.too_many_errors() {
            " [too many errors: not a valid measurement]"
        } else {
            ""
        };
        println!("- {} {}: {text}{note}", verdict(pass), report.name);
    }
    let (idle, peak) = (results.idle_rss_mib, results.peak_rss_mib);
    println!(
        "- {} idle RSS: {idle:.1} MiB (goal < 20 MiB)",
        verdict(idle < 20.0)
    );
    println!(
        "- {} peak RSS: {peak:.1} MiB (goal < 50 MiB)",
        verdict(peak < 50.0)
    );
}

fn verdict(pass: bool) -> &'static str {
    if pass { "PASS" } else { "FAIL" }
}
