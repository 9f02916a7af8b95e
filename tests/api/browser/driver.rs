//! Headless Chromium under its own chromedriver: finding them (failing without them),
//! starting chromedriver in its own process group, and opening a phone-sized WebDriver session.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::wd::TimeoutConfiguration;
use fantoccini::{Client, ClientBuilder};
use serde_json::{Value, json};

use super::{PAGE_TIMEOUT, PHONE_HEIGHT, PHONE_WIDTH};

const REQUIRE_BROWSER_VAR: &str = "FARM_AUTH_REQUIRE_BROWSER";
const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "chromedriver";

/// Headless Chromium under its own chromedriver, with a fresh profile.
pub(super) struct Browser {
    pub(super) client: Client,
    pub(super) name: String,
    pub(super) shots: PathBuf,
    // Dropped in this order: the driver (and with it Chromium), then the profile directory.
    _driver: Driver,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// Starts chromedriver and Chromium; `name` labels the logs and failure shots. The browser
    /// tests are ignored where `build.rs` found no browser, so a missing one here is a failure
    /// (and with `FARM_AUTH_REQUIRE_BROWSER=1` the tests run, and fail, even without one).
    pub(super) async fn launch(name: &str) -> Browser {
        if let Some(missing) = missing_browser() {
            panic!(
                "{missing} (FARM_AUTH_REQUIRE_BROWSER={:?}): \
                 apt-get install chromium chromium-driver",
                std::env::var(REQUIRE_BROWSER_VAR).unwrap_or_default()
            );
        }
        let shots = screenshot_dir();
        std::fs::create_dir_all(&shots).expect("create the screenshot directory");
        let log = shots.join(format!("chromedriver-{name}.log"));
        let driver = Driver::start(&log).await;
        let profile = tempfile::tempdir().expect("temp dir");
        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "goog:chromeOptions".into(),
            json!({
                "args": [
                    "--headless=new",
                    // Tests run as root in containers, where the sandbox cannot start.
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-quic",
                    "--no-first-run",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    // Containers give /dev/shm little space; Chromium crashes when it fills.
                    "--disable-dev-shm-usage",
                    format!("--user-data-dir={}", profile.path().display()),
                    // A phone: every page must be readable at this width.
                    format!("--window-size={PHONE_WIDTH},{PHONE_HEIGHT}"),
                ],
                "binary": CHROMIUM,
            }),
        );
        // rustls is built with both aws-lc-rs and ring here (through different dependencies),
        // so it cannot pick a process-wide provider itself; fantoccini's connector needs one.
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
        let client = ClientBuilder::rustls()
            .expect("TLS roots for the WebDriver connection")
            .capabilities(capabilities)
            .connect(&driver.url)
            .await
            .unwrap_or_else(|e| panic!("Chromium did not start ({e}); see {}", log.display()));
        // New headless widens a --window-size below 500 px; WebDriver's resize does make the
        // viewport phone-sized.
        client
            .set_window_size(PHONE_WIDTH, PHONE_HEIGHT)
            .await
            .expect("resize the window");
        // A hung page fails the test in seconds rather than WebDriver's default five minutes.
        client
            .update_timeouts(TimeoutConfiguration::new(
                Some(PAGE_TIMEOUT),
                Some(PAGE_TIMEOUT * 3),
                None,
            ))
            .await
            .expect("set timeouts");
        let width = client.execute("return window.innerWidth;", vec![]).await;
        assert_eq!(width.ok(), Some(json!(PHONE_WIDTH)), "viewport width");
        Browser {
            client,
            name: name.into(),
            shots,
            _driver: driver,
            _profile: profile,
        }
    }

    /// Ends the WebDriver session, which quits Chromium cleanly.
    pub(super) async fn close(self) {
        let _ = self.client.clone().close().await;
    }
}

/// What is missing for a browser test, if anything.
fn missing_browser() -> Option<String> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let driver_found = std::env::split_paths(&path).any(|dir| dir.join(CHROMEDRIVER).is_file());
    if !driver_found {
        return Some(format!("{CHROMEDRIVER} is not on PATH"));
    }
    if !Path::new(CHROMIUM).is_file() {
        return Some(format!("{CHROMIUM} does not exist"));
    }
    None
}

fn screenshot_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| PathBuf::from("target"), PathBuf::from)
        .join("screenshots")
}

/// A chromedriver process in its own process group, ended with everything it started.
struct Driver {
    child: Child,
    url: String,
    /// Already waited for: its id may belong to someone else by now.
    reaped: bool,
}

impl Driver {
    async fn start(log: &Path) -> Driver {
        // A free port can be taken by someone else before chromedriver binds it: try again.
        for _ in 0..3 {
            let port = std::net::TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .expect("a free port")
                .port();
            let child = Command::new(CHROMEDRIVER)
                .arg(format!("--port={port}"))
                .arg(format!("--log-path={}", log.display()))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                // Chromium joins this group, so Drop can end it even when a test panics.
                .process_group(0)
                .spawn()
                .expect("start chromedriver");
            let mut driver = Driver {
                child,
                url: format!("http://127.0.0.1:{port}"),
                reaped: false,
            };
            if driver.ready().await {
                return driver;
            }
        }
        panic!("chromedriver did not start; see {}", log.display());
    }

    /// Whether chromedriver says it is ready (so not some other program that took the port)
    /// before it exits or `PAGE_TIMEOUT` passes.
    async fn ready(&mut self) -> bool {
        let http = reqwest::Client::new();
        let deadline = Instant::now() + PAGE_TIMEOUT;
        while Instant::now() < deadline {
            if !matches!(self.child.try_wait(), Ok(None)) {
                self.reaped = true;
                return false;
            }
            if let Ok(response) = http.get(format!("{}/status", self.url)).send().await
                && let Ok(status) = response.json::<Value>().await
            {
                return status["value"]["ready"] == true;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        false
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        if self.reaped {
            return;
        }
        // SAFETY: kill(2) on the process group this still unreaped child leads.
        unsafe { libc::kill(-(self.child.id() as libc::pid_t), libc::SIGKILL) };
        let _ = self.child.wait();
    }
}
