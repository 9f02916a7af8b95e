//! Test harness: a fresh database per test, the real server on port 0, and typed helpers
//! that speak HTTP like a relying party or a resource server would.

use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use farm_auth::config::{Config, ConfigArgs};
use farm_auth::oauth2::client_metadata::{self as clients, NewClient};
use farm_auth::store::Store;
use farm_auth::{App, Clock};
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use reqwest::{Response, StatusCode};
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use super::authenticator_app::Authenticators;

/// Where the tests' PostgreSQL server is; unset: every test runs on its own SQLite file.
const POSTGRES_URL_VAR: &str = "FARM_AUTH_TEST_DATABASE_URL";

/// A database that lives as long as the test: a temporary SQLite file, or a fresh
/// `test_<random>` database on the PostgreSQL server, dropped at the end.
pub struct TestDatabase {
    pub url: String,
    /// `FARM_AUTH_SECRET_KEY` of every server and command run on this database (PostgreSQL
    /// requires one; a restart on the same database must open what it sealed).
    pub secret_key: String,
    postgres: Option<(String, String)>, // (admin url, database name)
    _dir: tempfile::TempDir,
}

impl TestDatabase {
    pub async fn new() -> Arc<TestDatabase> {
        let dir = tempfile::tempdir().expect("temp dir");
        let Ok(admin_url) = std::env::var(POSTGRES_URL_VAR) else {
            let url = format!("sqlite://{}/farm-auth.db?mode=rwc", dir.path().display());
            return Arc::new(TestDatabase {
                url,
                secret_key: farm_auth::secrets::SecretKey::generate().encode(),
                postgres: None,
                _dir: dir,
            });
        };
        let name = format!(
            "test_{}",
            farm_auth::secrets::hex(&farm_auth::secrets::random_bytes::<8>())
        );
        let mut admin = <sqlx::PgConnection as sqlx::Connection>::connect(&admin_url)
            .await
            .expect("connect to PostgreSQL");
        sqlx::Executor::execute(&mut admin, format!("CREATE DATABASE {name}").as_str())
            .await
            .expect("create database");
        let mut url = url::Url::parse(&admin_url).expect("database URL");
        url.set_path(&name);
        Arc::new(TestDatabase {
            url: url.to_string(),
            secret_key: farm_auth::secrets::SecretKey::generate().encode(),
            postgres: Some((admin_url, name)),
            _dir: dir,
        })
    }
}

impl TestDatabase {
    /// An SQLite database in a fresh directory under `parent` (a small file system a test
    /// mounted, say), whatever `FARM_AUTH_TEST_DATABASE_URL` says.
    pub fn sqlite_in(parent: &std::path::Path) -> Arc<TestDatabase> {
        let dir = tempfile::tempdir_in(parent).expect("temp dir");
        Arc::new(TestDatabase {
            url: format!("sqlite://{}/farm-auth.db?mode=rwc", dir.path().display()),
            postgres: None,
            secret_key: farm_auth::secrets::SecretKey::generate().encode(),
            _dir: dir,
        })
    }

    /// A store on this database that opens its sealed columns, as the server's does.
    #[allow(dead_code)]
    pub async fn store(&self) -> Store {
        let key = farm_auth::secrets::SecretKey::parse(&self.secret_key).expect("a key");
        let sealer = farm_auth::secrets::Sealer::new(&key, &[]);
        Store::connect(&self.url)
            .await
            .expect("connect")
            .sealed_with(Arc::new(sealer))
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let Some((admin_url, name)) = self.postgres.take() else {
            return;
        };
        // Drop runs outside async; a short-lived thread with its own runtime does the I/O.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            runtime.block_on(async {
                let mut admin = <sqlx::PgConnection as sqlx::Connection>::connect(&admin_url)
                    .await
                    .ok()?;
                let drop = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                sqlx::Executor::execute(&mut admin, drop.as_str())
                    .await
                    .ok()
            })
        })
        .join();
    }
}

/// How a test wants its server.
#[derive(Clone, Default)]
pub struct Options {
    pub issuer: Option<String>,
    /// Issuer `http://localhost:{bound port}`, for browser tests: passkeys refuse IP
    /// addresses, and browsers count `localhost` (unlike a made-up host) as a secure context.
    pub localhost_issuer: bool,
    pub key_refresh_secs: Option<u64>,
    pub access_token_ttl: Option<u64>,
    pub client_cache_secs: Option<u64>,
    pub database: Option<Arc<TestDatabase>>,
    pub clock: Option<Clock>,
    /// `FARM_AUTH_SMTP_URL`; unset: mail goes to the test's own mail directory.
    pub smtp_url: Option<String>,
    /// `FARM_AUTH_TOKEN_RATE_LIMIT`.
    pub token_rate_limit: Option<u64>,
    /// `FARM_AUTH_TRUSTED_PROXIES`.
    pub trusted_proxies: Option<String>,
    /// `FARM_AUTH_HTTP_HEADER_TIMEOUT_SECS`.
    pub http_header_timeout_secs: Option<u64>,
    /// `FARM_AUTH_HTTP_MAX_CONNECTIONS`.
    pub http_max_connections: Option<u64>,
    /// `FARM_AUTH_HTTP_MAX_CONNECTIONS_PER_ADDRESS`.
    pub http_max_connections_per_address: Option<u64>,
    /// Count loopback connections against the per-address share, as the server never does
    /// (tests have no other address to connect from); trusted proxies stay exempt.
    pub count_loopback_connections: bool,
    /// `FARM_AUTH_HTTP_RESPONSE_TIMEOUT_SECS`.
    pub http_response_timeout_secs: Option<u64>,
    /// `FARM_AUTH_DATABASE_TIMEOUT_SECS`.
    pub database_timeout_secs: Option<u64>,
    /// Connect the server to this URL instead of the database's own (a proxy in front of
    /// it, which a test can cut).
    pub database_url: Option<String>,
    /// `FARM_AUTH_SIGNUP_RATE_LIMIT`.
    pub signup_rate_limit: Option<u64>,
    /// `FARM_AUTH_ADMIN_REQUIRE_MFA` (on by default).
    pub admin_require_mfa: Option<bool>,
    /// `FARM_AUTH_ADMIN_MAX_AUTH_AGE`, in seconds.
    pub admin_max_auth_age: Option<u64>,
    /// `FARM_AUTH_SECRET_KEY` instead of the database's own, and
    /// `FARM_AUTH_SECRET_KEY_PREVIOUS`.
    pub secret_key: Option<String>,
    pub secret_key_previous: Option<String>,
    /// No `FARM_AUTH_OUTBOUND_ALLOW_NETWORKS`: outbound calls to loopback are refused, as in
    /// production. Otherwise tests allow loopback, where their peers listen.
    pub outbound_strict: bool,
    /// A metrics listener on a port of its own ([`TestApp::metrics_address`]).
    pub metrics: bool,
}

pub struct TestApp {
    /// Where the server listens, e.g. `http://127.0.0.1:41234`.
    pub address: String,
    /// `http://host:port` of the metrics listener, when [`Options::metrics`] asked for one.
    pub metrics_address: Option<String>,
    pub issuer: String,
    pub http: reqwest::Client,
    pub store: Store,
    pub clock: Clock,
    pub database: Arc<TestDatabase>,
    /// The server's state, for driving background work (the mail outbox) from a test.
    #[allow(dead_code)]
    pub state: farm_auth::state::AppState,
    /// Where `.eml` files land when no SMTP server is configured.
    pub mail_dir: std::path::PathBuf,
    /// The authenticator apps of the administrators [`TestApp::person`] made, which
    /// [`crate::support::UserAgent::log_in`] uses at the second step.
    pub authenticators: Authenticators,
    _mail_dir: tempfile::TempDir,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

pub fn now() -> i64 {
    Clock::System.now()
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        TestApp::spawn_with(Options::default()).await
    }

    pub async fn spawn_with(options: Options) -> TestApp {
        init_log_capture();
        let database = match options.database {
            Some(database) => database,
            None => TestDatabase::new().await,
        };
        // Bound before configuring, so a localhost issuer can name the port.
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind port 0");
        let issuer = if options.localhost_issuer {
            let port = listener.local_addr().expect("bound address").port();
            Some(format!("http://localhost:{port}"))
        } else {
            options.issuer.clone()
        };
        let mail_dir = tempfile::tempdir().expect("mail dir");
        let args = ConfigArgs {
            database_url: Some(options.database_url.clone().unwrap_or(database.url.clone())),
            http_header_timeout_secs: options.http_header_timeout_secs.map(|s| s.to_string()),
            http_max_connections: options.http_max_connections.map(|n| n.to_string()),
            http_max_connections_per_address: options
                .http_max_connections_per_address
                .map(|n| n.to_string()),
            http_response_timeout_secs: options.http_response_timeout_secs.map(|s| s.to_string()),
            database_timeout_secs: options.database_timeout_secs.map(|s| s.to_string()),
            mail_dir: Some(mail_dir.path().to_path_buf()),
            smtp_url: options.smtp_url.clone(),
            token_rate_limit: options.token_rate_limit.map(|n| n.to_string()),
            signup_rate_limit: options.signup_rate_limit.map(|n| n.to_string()),
            trusted_proxies: options.trusted_proxies.clone(),
            outbound_allow_networks: (!options.outbound_strict).then(|| "127.0.0.0/8, ::1".into()),
            metrics_listen: options.metrics.then(|| "127.0.0.1:0".into()),
            listen: Some("127.0.0.1:0".into()),
            issuer,
            key_refresh_secs: options.key_refresh_secs.map(|s| s.to_string()),
            access_token_ttl: options.access_token_ttl.map(|s| s.to_string()),
            client_cache_secs: options.client_cache_secs.map(|s| s.to_string()),
            admin_require_mfa: options.admin_require_mfa.map(|on| on.to_string()),
            admin_max_auth_age: options.admin_max_auth_age.map(|s| s.to_string()),
            secret_key: Some(options.secret_key.unwrap_or(database.secret_key.clone())),
            secret_key_previous: options.secret_key_previous,
            ..Default::default()
        };
        let mut config = Config::from_args(args).expect("test configuration");
        if options.count_loopback_connections {
            config.http.per_address_exempt = config.trusted_proxies.clone();
        }
        // A manual clock that starts at the real time, so JWT libraries agree on expiry.
        let clock = options.clock.unwrap_or_else(|| Clock::manual(now()));
        let app = App::from_listener(config, listener, clock.clone())
            .await
            .expect("app starts");
        let address = format!("http://{}", app.local_addr());
        let metrics_address = app.metrics_addr().map(|a| format!("http://{a}"));
        let issuer = app.state().issuer.to_string();
        let store = app.state().store.clone();
        let state = app.state().clone();
        let (shutdown, stopped) = oneshot::channel();
        let server = tokio::spawn(app.run_until_stopped(async {
            let _ = stopped.await;
        }));
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("http client");
        TestApp {
            address,
            metrics_address,
            issuer,
            http,
            store,
            clock,
            database,
            state,
            mail_dir: mail_dir.path().to_path_buf(),
            authenticators: Authenticators::default(),
            _mail_dir: mail_dir,
            shutdown: Some(shutdown),
            server: Some(server),
        }
    }

    /// The `.eml` files written so far, as text, oldest first.
    pub fn mails(&self) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(&self.mail_dir) else {
            return Vec::new();
        };
        let mut files: Vec<_> = entries
            .filter_map(Result::ok)
            .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
            .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
            .collect();
        files.sort();
        files
            .into_iter()
            .filter_map(|(_, path)| std::fs::read_to_string(path).ok())
            .collect()
    }

    /// Waits (up to 10 s) for the `n`-th mail (counting from 1) to `to` and returns it.
    pub async fn wait_for_mail(&self, to: &str, n: usize) -> String {
        for _ in 0..200 {
            let found: Vec<String> = self
                .mails()
                .into_iter()
                .filter(|m| m.contains(&format!("To: {to}")) && m.contains("</html>"))
                .collect();
            if found.len() >= n {
                return found[n - 1].clone();
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!(
            "no mail number {n} to {to} arrived; mails: {:?}",
            self.mails()
        );
    }

    /// Begins the server's shutdown, as SIGTERM would, and returns its task, which ends
    /// when the server has stopped.
    #[allow(dead_code)]
    pub fn begin_shutdown(&mut self) -> tokio::task::JoinHandle<std::io::Result<()>> {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        self.server
            .take()
            .expect("the server was not shut down before")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// An endpoint advertised in discovery, reached at this server's address (the issuer
    /// may name a host that only exists for the test).
    pub async fn endpoint(&self, field: &str) -> String {
        let metadata = self.discovery().await;
        let advertised = metadata[field]
            .as_str()
            .unwrap_or_else(|| panic!("{field} not advertised"));
        let path = advertised
            .strip_prefix(&self.issuer)
            .expect("endpoints live under the issuer");
        self.url(path)
    }

    pub async fn discovery(&self) -> Value {
        let response = self
            .http
            .get(self.url("/.well-known/openid-configuration"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.unwrap()
    }

    pub async fn jwks(&self) -> JwkSet {
        let response = self
            .http
            .get(self.endpoint("jwks_uri").await)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.unwrap()
    }

    /// Registers a confidential machine client allowed `scope`.
    pub async fn machine_client(&self, scope: &str) -> TestClient {
        self.register(NewClient {
            name: "test bot".into(),
            scope: Some(scope.into()),
            ..Default::default()
        })
        .await
    }

    pub async fn register(&self, new: NewClient) -> TestClient {
        let registered = clients::register(&self.state, new)
            .await
            .expect("client registers");
        TestClient {
            id: registered.client.id,
            secret: registered.secret.unwrap_or_default(),
        }
    }

    /// POSTs a form to an endpoint advertised in discovery, with Basic client authentication.
    pub async fn post_form(
        &self,
        endpoint: &str,
        client: Option<&TestClient>,
        form: &[(&str, &str)],
    ) -> Response {
        let mut request = self.http.post(self.endpoint(endpoint).await).form(form);
        if let Some(client) = client {
            request = request.basic_auth(&client.id, Some(&client.secret));
        }
        request.send().await.unwrap()
    }

    pub async fn client_credentials(&self, client: &TestClient, scope: Option<&str>) -> Response {
        let mut form = vec![("grant_type", "client_credentials")];
        if let Some(scope) = scope {
            form.push(("scope", scope));
        }
        self.post_form("token_endpoint", Some(client), &form).await
    }

    /// A token for `client`, asserting success.
    pub async fn access_token(&self, client: &TestClient, scope: Option<&str>) -> String {
        let response = self.client_credentials(client, scope).await;
        assert_eq!(response.status(), StatusCode::OK);
        let body: Value = response.json().await.unwrap();
        body["access_token"].as_str().unwrap().to_string()
    }

    pub async fn introspect(&self, caller: &TestClient, token: &str) -> Value {
        let response = self
            .post_form("introspection_endpoint", Some(caller), &[("token", token)])
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.unwrap()
    }

    pub async fn revoke(&self, caller: &TestClient, token: &str) -> Response {
        self.post_form("revocation_endpoint", Some(caller), &[("token", token)])
            .await
    }

    /// Verifies an access token the way a platform microservice does: fetch the JWKS over
    /// HTTP, pick the key by `kid`, check signature, `typ`, issuer, audience and expiry.
    pub async fn verify_like_a_resource_server(&self, token: &str) -> Result<Value, String> {
        let header = jsonwebtoken::decode_header(token).map_err(|e| e.to_string())?;
        if header.typ.as_deref() != Some("at+jwt") {
            return Err(format!("typ is {:?}", header.typ));
        }
        let kid = header.kid.ok_or("no kid")?;
        let jwks = self.jwks().await;
        let jwk = jwks.find(&kid).ok_or("kid not in the JWKS")?;
        let key = DecodingKey::from_jwk(jwk).map_err(|e| e.to_string())?;
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.issuer]);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "sub", "aud"]);
        let data =
            jsonwebtoken::decode::<Value>(token, &key, &validation).map_err(|e| e.to_string())?;
        Ok(data.claims)
    }
}

#[derive(Clone, Debug)]
pub struct TestClient {
    pub id: String,
    pub secret: String,
}

/// Sends raw bytes to `address` (`http://host:port`) and returns everything the server
/// answers until it closes the connection: for requests reqwest would not send.
pub async fn raw_http(address: &str, request: &[u8]) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let host = address.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(host).await.expect("connect");
    stream.write_all(request).await.expect("write request");
    let mut response = Vec::new();
    let _ = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        stream.read_to_end(&mut response),
    )
    .await;
    String::from_utf8_lossy(&response).into_owned()
}

/// Asserts an RFC 6749 §5.2 error response and returns its body.
pub async fn assert_oauth_error(response: Response, status: StatusCode, error: &str) -> Value {
    assert_eq!(
        response.status(),
        status,
        "status for expected error {error}"
    );
    assert_eq!(response.headers()["cache-control"], "no-store");
    if status == StatusCode::UNAUTHORIZED {
        assert!(
            response.headers().contains_key("www-authenticate"),
            "401 without WWW-Authenticate"
        );
    }
    let body: Value = response.json().await.expect("an error body is JSON");
    assert_eq!(body["error"], error, "body: {body}");
    assert!(
        body["error_description"].is_string(),
        "no error_description: {body}"
    );
    body
}

/// Every secret any test sent or received so far.
static SECRETS: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Asserts that none of `secrets`, nor any secret an earlier test registered here, appears
/// in anything any server logged so far (so the last test to finish checks them all).
pub fn assert_not_logged(secrets: &[&str]) {
    let all: Vec<String> = {
        let mut registered = SECRETS.lock().unwrap();
        registered.extend(secrets.iter().map(|s| s.to_string()));
        registered.clone()
    };
    let logs = captured_logs();
    assert!(!logs.is_empty(), "the log capture works");
    for secret in &all {
        assert!(secret.len() >= 8, "too short to search for: {secret:?}");
        assert!(
            !logs.contains(secret.as_str()),
            "a secret reached the logs: {secret:.12}…"
        );
    }
}

/// Everything any test's server logged, so tests can check no secret reaches the logs.
pub fn captured_logs() -> String {
    String::from_utf8_lossy(&LOGS.get_or_init(Default::default).lock().unwrap()).into_owned()
}

static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();

#[derive(Clone)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Installs, once per test binary, a subscriber that keeps every log line at debug level.
fn init_log_capture() {
    static INIT: OnceLock<()> = OnceLock::new();
    INIT.get_or_init(|| {
        let buffer = LOGS.get_or_init(Default::default).clone();
        let _ = tracing_subscriber::fmt()
            .with_env_filter("debug")
            .with_ansi(false)
            .with_writer(move || Capture(buffer.clone()))
            .try_init();
    });
}

/// The first link in `mail` that starts with `prefix` (a full URL), whole.
pub fn link_in(mail: &str, prefix: &str) -> String {
    let start = mail
        .find(prefix)
        .unwrap_or_else(|| panic!("no link starting {prefix} in:\n{mail}"));
    mail[start..]
        .split(|c: char| c.is_whitespace() || c == '"' || c == '<')
        .next()
        .expect("a link")
        .to_string()
}

/// Every row of `initial_access_tokens` in the database at `database_url`, spent ones too,
/// read with a connection of its own (the store lists only tokens that are still usable).
#[allow(dead_code)]
pub async fn initial_access_token_rows(
    database_url: &str,
) -> Vec<farm_auth::store::initial_access_tokens::InitialAccessTokenRecord> {
    sqlx::any::install_default_drivers();
    let mut connection = <sqlx::AnyConnection as sqlx::Connection>::connect(database_url)
        .await
        .expect("connect to the test database");
    let rows = sqlx::query_as(
        "SELECT token_hash, issued_by, vendor, uses_left, created_at, expires_at, farm_id \
         FROM initial_access_tokens ORDER BY created_at, token_hash",
    )
    .fetch_all(&mut connection)
    .await
    .expect("read initial_access_tokens");
    let _ = sqlx::Connection::close(connection).await;
    rows
}

/// Polls `check` every 100 ms for up to `seconds`.
pub async fn eventually<F, Fut>(seconds: u64, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(seconds);
    while tokio::time::Instant::now() < deadline {
        if check().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

pub async fn published_kids(app: &TestApp) -> Vec<String> {
    app.jwks()
        .await
        .keys
        .iter()
        .filter_map(|k| k.common.key_id.clone())
        .collect()
}
