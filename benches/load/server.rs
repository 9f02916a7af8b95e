//! The server under load and getting set up on it: `farm-auth serve` started as a separate
//! process (the release binary cargo builds for benches) on a free loopback port with its
//! own database (SQLite, or the seeded mode's PostgreSQL database), killed when dropped, or
//! stopped with SIGTERM and started again on the same address; the clients and the user
//! registered with the
//! CLI, as an operator would (what follows over HTTP is in `endpoints`).

use std::io;
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};

use crate::endpoints::{Credentials, setup_http_client};

use crate::flow::{EMAIL, FARMS_SCOPE, PASSWORD, REDIRECT_URI, USERNAME};
use crate::signed_in::SECOND_APP_SCOPE;

/// The first start generates an RSA key and migrates; generous, for a busy machine.
pub(crate) const STARTUP_TIMEOUT: Duration = Duration::from_secs(60);
pub(crate) const CLIENT_SCOPE: &str = "orders:read orders:write";
/// The audience of the orders API, which defines [`CLIENT_SCOPE`]'s scopes.
const API_AUDIENCE: &str = "https://orders.bench.example";
/// The longest the server allows (a day), so the one token fetched for the introspection
/// scenario is still active however long `BENCH_SECONDS` makes the run; it changes only a
/// number in the claims, not the work per request.
const ACCESS_TOKEN_TTL: &str = "86400";

/// The running `farm-auth serve`; killed when dropped, so every error path stops it too.
pub(crate) struct Server {
    child: Child,
    pub(crate) address: SocketAddr,
    how: HowToRun,
    /// When the process was spawned: start-up time is counted from here.
    spawned_at: Instant,
}

/// What every start of the server and every CLI command is given.
struct HowToRun {
    /// The `farm-auth` binary this server runs, and whose CLI sets it up.
    binary: PathBuf,
    database: Database,
    /// Settings beyond the bench's own, for every start (the seeded mode's).
    extra_env: Vec<(&'static str, String)>,
    dir: PathBuf,
    address: SocketAddr,
}

/// The database a server runs on, and the secret key that seals its secrets (required for
/// PostgreSQL; an SQLite server writes its own key file beside the database).
#[derive(Clone)]
pub(crate) struct Database {
    pub(crate) url: String,
    pub(crate) secret_key: Option<String>,
}

impl Database {
    /// A fresh SQLite file in `dir`.
    pub(crate) fn sqlite_in(dir: &Path) -> Database {
        Database {
            url: format!("sqlite://{}/bench.db?mode=rwc", dir.display()),
            secret_key: None,
        }
    }
}

impl Server {
    /// Starts `binary` on `database`, with `extra_env` set as well.
    pub(crate) fn start_on(
        binary: &Path,
        dir: &Path,
        database: Database,
        extra_env: Vec<(&'static str, String)>,
    ) -> Result<Server> {
        let how = HowToRun {
            binary: binary.to_path_buf(),
            database,
            extra_env,
            dir: dir.to_path_buf(),
            address: free_local_address()?,
        };
        let spawned_at = Instant::now();
        Ok(Server {
            child: how.serve()?,
            address: how.address,
            how,
            spawned_at,
        })
    }

    /// Starts the process again on the same address (so the issuer, and every token and
    /// session made before, stay valid), after [`Server::stop`].
    pub(crate) fn restart(&mut self) -> Result<()> {
        self.spawned_at = Instant::now();
        self.child = self.how.serve()?;
        Ok(())
    }

    /// Stops the server as an operator would (SIGTERM: it drains and closes its database),
    /// killing it if it is not gone within a minute.
    pub(crate) fn stop(&mut self) -> Result<()> {
        let pid = libc::pid_t::try_from(self.child.id()).context("a pid out of range")?;
        // SAFETY: kill only sends a signal to our own child process.
        unsafe { libc::kill(pid, libc::SIGTERM) };
        let deadline = Instant::now() + STARTUP_TIMEOUT;
        while self.child.try_wait()?.is_none() {
            if Instant::now() >= deadline {
                let _ = self.child.kill();
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.wait();
        Ok(())
    }

    pub(crate) fn database(&self) -> &Database {
        &self.how.database
    }

    pub(crate) fn command(&self) -> Command {
        self.how.command()
    }

    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Polls `/healthz` until it answers 200; fails fast if the process exits instead.
    /// Returns the time from spawning the process to its first 200.
    pub(crate) async fn wait_until_healthy(&mut self) -> Result<Duration> {
        let http = setup_http_client()?;
        let url = format!("http://{}/healthz", self.address);
        let deadline = Instant::now() + STARTUP_TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().context("cannot check the server")? {
                bail!("`farm-auth serve` exited during start-up ({status}); see its log above");
            }
            let last = match http.get(&url).send().await {
                Ok(response) if response.status() == reqwest::StatusCode::OK => {
                    return Ok(self.spawned_at.elapsed());
                }
                Ok(response) => format!("status {}", response.status()),
                Err(error) => error.to_string(),
            };
            if Instant::now() >= deadline {
                bail!("the server did not answer 200 on {url} within {STARTUP_TIMEOUT:?} ({last})");
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Registers the orders API that the bench's machine client gets tokens for (every
    /// token then carries the API's audience, and is introspected by the API's own client,
    /// RFC 7662 §4): its credentials. `None` with a baseline binary from before APIs
    /// existed, whose tokens have the issuer's audience and any client may introspect.
    pub(crate) fn create_api(&self) -> Result<Option<Credentials>> {
        let output = self
            .command()
            .args([
                "api",
                "create",
                "--name",
                "Orders",
                "--audience",
                API_AUDIENCE,
            ])
            .args(CLIENT_SCOPE.split(' ').flat_map(|scope| ["--scope", scope]))
            .arg("--json")
            .output()
            .context("cannot run `farm-auth api create`")?;
        if !output.status.success() {
            eprintln!(
                "`farm-auth api create` failed ({}); measuring tokens without an API audience",
                String::from_utf8_lossy(&output.stderr).trim()
            );
            return Ok(None);
        }
        let credentials = serde_json::from_slice(&output.stdout).with_context(|| {
            let stdout = String::from_utf8_lossy(&output.stdout);
            format!("`farm-auth api create --json` printed no credentials: {stdout}")
        })?;
        Ok(Some(credentials))
    }

    /// Registers the bench's machine client with the CLI, as an operator would.
    pub(crate) fn create_client(&self) -> Result<Credentials> {
        self.register_client(&["--name", "bench", "--scope", CLIENT_SCOPE])
    }

    /// Registers the browser flow's web client (confidential, authorization code) the same way.
    pub(crate) fn create_web_client(&self) -> Result<Credentials> {
        self.register_client(&[
            "--name",
            "bench web",
            "--redirect-uri",
            REDIRECT_URI,
            "--grant-type",
            "authorization_code",
            "--scope",
            FARMS_SCOPE,
        ])
    }

    /// Registers the second app of the SSO and refresh scenarios: a confidential web client
    /// that may also refresh, on the same redirect URI.
    pub(crate) fn create_second_app(&self) -> Result<Credentials> {
        self.register_client(&[
            "--name",
            "bench second app",
            "--redirect-uri",
            REDIRECT_URI,
            "--grant-type",
            "authorization_code",
            "--grant-type",
            "refresh_token",
            "--scope",
            SECOND_APP_SCOPE,
        ])
    }

    /// A farm that the user owns, so that the `farms` claim has an entry. A baseline build
    /// without farms has no such command: then there is none.
    pub(crate) fn create_farm(&self) -> Result<bool> {
        let output = self
            .command()
            .args([
                "farm",
                "create",
                "--name",
                "Bench Farm",
                "--owner",
                USERNAME,
                "--json",
            ])
            .output()
            .context("cannot run `farm-auth farm create`")?;
        Ok(output.status.success())
    }

    pub(crate) fn register_client(&self, args: &[&str]) -> Result<Credentials> {
        let output = self
            .command()
            .args(["client", "create"])
            .args(args)
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

    /// Creates the browser flow's user with the CLI, the password on standard input.
    pub(crate) fn create_user(&self) -> Result<()> {
        self.create_user_with(USERNAME, EMAIL)
    }

    /// Creates a consumer with the flows' password, as [`Server::create_user`] does.
    pub(crate) fn create_user_with(&self, username: &str, email: &str) -> Result<()> {
        let args = ["user", "create", "--username", username, "--email", email];
        let more = ["--role", "consumer", "--password-stdin", "--json"];
        let output = self.run_with_input(&[&args[..], &more[..]].concat(), PASSWORD)?;
        ensure!(
            output.status.success(),
            "`farm-auth user create` failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        );
        Ok(())
    }

    /// Runs the CLI with `args`, `input` on its standard input (a password or a secret,
    /// never an argument).
    pub(crate) fn run_with_input(&self, args: &[&str], input: &str) -> Result<Output> {
        let what = format!("`farm-auth {}`", args[..2.min(args.len())].join(" "));
        let mut child = self
            .command()
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .with_context(|| format!("cannot run {what}"))?;
        let mut stdin = child
            .stdin
            .take()
            .with_context(|| format!("no stdin for {what}"))?;
        io::Write::write_all(&mut stdin, input.as_bytes())
            .with_context(|| format!("cannot write to {what}"))?;
        drop(stdin); // end of input
        child
            .wait_with_output()
            .with_context(|| format!("cannot run {what}"))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // Errors here mean the process is already gone, which is the goal.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The farm-auth binary cargo built for this bench.
pub(crate) fn this_build() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_farm-auth"))
}

impl HowToRun {
    fn serve(&self) -> Result<Child> {
        self.command()
            .arg("serve")
            .env("FARM_AUTH_LISTEN", self.address.to_string())
            .env("FARM_AUTH_ACCESS_TOKEN_TTL", ACCESS_TOKEN_TTL)
            // One client makes every token request here: the per-client limit would cap
            // the rate this bench exists to measure.
            .env("FARM_AUTH_TOKEN_RATE_LIMIT", "0")
            // Issue 15: the token endpoint keeps its rate with metrics served.
            .env("FARM_AUTH_METRICS_LISTEN", "127.0.0.1:0")
            .envs(self.extra_env.iter().map(|(k, v)| (k, v)))
            .stdout(Stdio::null()) // its warnings and errors still reach stderr
            .spawn()
            .context("cannot start `farm-auth serve`")
    }

    /// The server's binary, configured only by what is set here: its database and secret
    /// key (for the CLI as for `serve`).
    pub(crate) fn command(&self) -> Command {
        let mut command = Command::new(&self.binary);
        // An exported FARM_AUTH_ISSUER (say) would move the URLs this bench relies on.
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("FARM_AUTH_") {
                command.env_remove(name);
            }
        }
        if let Some(key) = &self.database.secret_key {
            command.env("FARM_AUTH_SECRET_KEY", key);
        }
        command
            .env("FARM_AUTH_DATABASE_URL", &self.database.url)
            // The upstream provider of the upstream row and the webhook receiver listen on
            // loopback (decision 162); the CLI checks a webhook's URL as the server does.
            .env("FARM_AUTH_OUTBOUND_ALLOW_NETWORKS", "127.0.0.1, ::1")
            .env("RUST_LOG", "warn") // a log line per request would be part of what is measured
            .current_dir(&self.dir) // no stray `.env` file is read, and `./mail` lands in the temp dir
            .stdin(Stdio::null());
        command
    }
}

/// A loopback port nobody uses now: bind port 0, note the port, let it go.
fn free_local_address() -> Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0").context("cannot bind a loopback port")?;
    listener
        .local_addr()
        .context("a bound listener has no address")
}
