//! The command line, run as the real binary: in a directory of its own, with only the
//! environment a test gives it, against a test's database.

use std::io::Write;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use serde_json::Value;

use super::app::{TestApp, TestDatabase};

pub const BIN: &str = env!("CARGO_BIN_EXE_farm-auth");

/// Runs the binary in `dir` with only the given environment (no `.env` from elsewhere).
pub fn run_farm_auth(
    dir: &Path,
    env: &[(&str, &str)],
    args: &[&str],
    stdin: Option<&str>,
) -> Output {
    let mut command = Command::new(BIN);
    command
        .args(args)
        .current_dir(dir)
        .env_clear()
        .envs(env.iter().copied());
    command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().expect("run farm-auth");
    let mut input = child.stdin.take().unwrap();
    if let Some(text) = stdin {
        input.write_all(text.as_bytes()).unwrap();
    }
    drop(input);
    child.wait_with_output().unwrap()
}

pub fn stdout_json(output: &Output) -> Value {
    assert!(
        output.status.success(),
        "failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("stdout is JSON")
}

/// A failure is a non-zero exit with exactly one line on standard error.
pub fn assert_one_line_error(output: &Output, mentions: &str) {
    assert!(!output.status.success(), "unexpected success");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.trim_end().lines().count(), 1, "stderr: {stderr}");
    assert!(
        stderr.contains(mentions),
        "stderr {stderr:?} does not mention {mentions:?}"
    );
}

/// A directory and a database of its own for running the command line.
pub struct Cli {
    pub dir: tempfile::TempDir,
    pub database: std::sync::Arc<TestDatabase>,
}

impl Cli {
    pub async fn new() -> Cli {
        Cli {
            dir: tempfile::tempdir().unwrap(),
            database: TestDatabase::new().await,
        }
    }

    pub fn run(&self, args: &[&str], stdin: Option<&str>) -> Output {
        run_farm_auth(
            self.dir.path(),
            &[
                ("FARM_AUTH_DATABASE_URL", &self.database.url),
                ("FARM_AUTH_SECRET_KEY", &self.database.secret_key),
            ],
            args,
            stdin,
        )
    }
}

/// Runs the binary against `app`'s database, as an operator would beside a running server.
pub fn operator(app: &TestApp, args: &[&str]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    run_farm_auth(
        dir.path(),
        &[
            ("FARM_AUTH_DATABASE_URL", &app.database.url),
            ("FARM_AUTH_SECRET_KEY", &app.database.secret_key),
        ],
        args,
        None,
    )
}

/// The real binary serving `database` from `dir` on a free port of 127.0.0.1, with only its
/// database settings and `env`; waits (up to 10 s) until `/healthz` answers. The child and
/// the address it listens on (`127.0.0.1:port`).
pub async fn serve_binary(
    database: &TestDatabase,
    dir: &Path,
    env: &[(&str, &str)],
) -> (Child, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let listen = format!("127.0.0.1:{port}");
    let mut child = Command::new(BIN)
        .arg("serve")
        .current_dir(dir)
        .env_clear()
        .env("FARM_AUTH_DATABASE_URL", &database.url)
        .env("FARM_AUTH_SECRET_KEY", &database.secret_key)
        .env("FARM_AUTH_LISTEN", &listen)
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let http = reqwest::Client::new();
    for _ in 0..100 {
        let ready = http.get(format!("http://{listen}/healthz")).send().await;
        if ready.is_ok_and(|r| r.status().is_success()) {
            return (child, listen);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("the server did not start");
}

/// The command line's environment on `database`, allowed to call loopback (where the tests'
/// receivers listen) as a server beside it is: the command line checks a webhook's URL too.
pub fn cli_env(database: &TestDatabase) -> [(&str, &str); 3] {
    [
        ("FARM_AUTH_DATABASE_URL", database.url.as_str()),
        ("FARM_AUTH_SECRET_KEY", database.secret_key.as_str()),
        ("FARM_AUTH_OUTBOUND_ALLOW_NETWORKS", "127.0.0.0/8"),
    ]
}

/// `farm-auth webhook create` for `events` at `url` on `database`: the endpoint's secret.
pub fn cli_webhook(dir: &Path, database: &TestDatabase, url: &str, events: &[&str]) -> String {
    let mut args = vec!["webhook", "create", "--url", url, "--json"];
    for event in events {
        args.extend(["--event", event]);
    }
    let created = stdout_json(&run_farm_auth(dir, &cli_env(database), &args, None));
    created["secret"].as_str().expect("the secret").to_string()
}

/// `farm-auth user create` of the consumer `username` (password [`super::PASSWORD`]).
pub fn cli_consumer(dir: &Path, database: &TestDatabase, username: &str) {
    let email = format!("{username}@farm.example");
    let args = ["user", "create", "--username", username, "--email", &email];
    let more = ["--role", "consumer", "--password-stdin"];
    let password = format!("{}\n", super::PASSWORD);
    let output = run_farm_auth(
        dir,
        &cli_env(database),
        &[&args[..], &more[..]].concat(),
        Some(&password),
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
