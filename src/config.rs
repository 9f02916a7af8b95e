//! One typed [`Config`], read from flags and environment variables (a `.env` file is loaded
//! into the environment first by `main`). Every setting has a default, so an empty
//! environment gives a working server on 127.0.0.1:8080 with an SQLite file.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use url::Url;

use crate::secrets::SecretKey;

/// The raw settings as given; [`Config::from_args`] checks them and names the variable of the
/// first bad one. `--help` names the variables but never shows their values (the database and
/// SMTP URLs may carry passwords).
#[derive(Args, Clone, Debug, Default)]
pub struct ConfigArgs {
    /// Database: `sqlite://…` (embedded) or `postgres://…` (shared by replicas).
    #[arg(
        long,
        env = "FARM_AUTH_DATABASE_URL",
        global = true,
        hide_env_values = true
    )]
    pub database_url: Option<String>,
    /// Socket address to bind.
    #[arg(long, env = "FARM_AUTH_LISTEN", global = true, hide_env_values = true)]
    pub listen: Option<String>,
    /// The `iss` of every token and the base of every advertised URL.
    #[arg(long, env = "FARM_AUTH_ISSUER", global = true, hide_env_values = true)]
    pub issuer: Option<String>,
    /// SMTP server for mail; unset: mail is written as `.eml` files.
    #[arg(
        long,
        env = "FARM_AUTH_SMTP_URL",
        global = true,
        hide_env_values = true
    )]
    pub smtp_url: Option<String>,
    /// Where `.eml` files go when no SMTP server is set.
    #[arg(
        long,
        env = "FARM_AUTH_MAIL_DIR",
        global = true,
        hide_env_values = true
    )]
    pub mail_dir: Option<PathBuf>,
    /// Access token lifetime in seconds.
    #[arg(
        long,
        env = "FARM_AUTH_ACCESS_TOKEN_TTL",
        global = true,
        hide_env_values = true
    )]
    pub access_token_ttl: Option<String>,
    /// The `aud` of access tokens issued without a more specific audience.
    #[arg(
        long,
        env = "FARM_AUTH_ACCESS_TOKEN_AUDIENCE",
        global = true,
        hide_env_values = true
    )]
    pub access_token_audience: Option<String>,
    /// How long a farm invitation works, in seconds (7 days by default).
    #[arg(
        long,
        env = "FARM_AUTH_FARM_INVITATION_TTL_SECS",
        global = true,
        hide_env_values = true
    )]
    pub farm_invitation_ttl_secs: Option<String>,
    /// How often, in seconds, a running server re-reads the signing keys from the database
    /// (the longest a replica takes to notice a rotation).
    #[arg(
        long,
        env = "FARM_AUTH_KEY_REFRESH_SECS",
        global = true,
        hide_env_values = true
    )]
    pub key_refresh_secs: Option<String>,
    /// The key that seals secrets at rest (signing keys, TOTP secrets, queued mail): 32 bytes
    /// in base64 (`farm-auth secrets new-key`). Unset with SQLite: kept in a file beside the
    /// database; required with PostgreSQL.
    #[arg(
        long,
        env = "FARM_AUTH_SECRET_KEY",
        global = true,
        hide_env_values = true
    )]
    pub secret_key: Option<String>,
    /// Earlier secret keys, comma-separated, still accepted to open secrets during a key
    /// rotation (until `farm-auth secrets rekey` has re-sealed everything).
    #[arg(
        long,
        env = "FARM_AUTH_SECRET_KEY_PREVIOUS",
        global = true,
        hide_env_values = true
    )]
    pub secret_key_previous: Option<String>,
    /// How often, in seconds, a running server reads revocations made by other replicas.
    #[arg(
        long,
        env = "FARM_AUTH_REVOCATION_SYNC_SECS",
        global = true,
        hide_env_values = true
    )]
    pub revocation_sync_secs: Option<String>,
    /// How long, in seconds, a server keeps a client registration in memory (0: not at all):
    /// the longest a deletion or change made elsewhere takes to reach it.
    #[arg(
        long,
        env = "FARM_AUTH_CLIENT_CACHE_SECS",
        global = true,
        hide_env_values = true
    )]
    pub client_cache_secs: Option<String>,
    /// How long, in seconds, a browser stays signed in without being used.
    #[arg(
        long,
        env = "FARM_AUTH_SESSION_IDLE_SECS",
        global = true,
        hide_env_values = true
    )]
    pub session_idle_secs: Option<String>,
    /// The longest, in seconds, a sign-in lasts however active it is.
    #[arg(
        long,
        env = "FARM_AUTH_SESSION_MAX_SECS",
        global = true,
        hide_env_values = true
    )]
    pub session_max_secs: Option<String>,
    /// How long, in seconds, an unused refresh token stays valid.
    #[arg(
        long,
        env = "FARM_AUTH_REFRESH_TOKEN_IDLE_SECS",
        global = true,
        hide_env_values = true
    )]
    pub refresh_token_idle_secs: Option<String>,
    /// The longest, in seconds, refresh tokens of one authorization keep being renewed.
    #[arg(
        long,
        env = "FARM_AUTH_REFRESH_TOKEN_MAX_SECS",
        global = true,
        hide_env_values = true
    )]
    pub refresh_token_max_secs: Option<String>,
    /// The `From` of mail farm-auth sends.
    #[arg(
        long,
        env = "FARM_AUTH_MAIL_FROM",
        global = true,
        hide_env_values = true
    )]
    pub mail_from: Option<String>,
    /// Comma-separated addresses of reverse proxies whose `X-Forwarded-For` is believed
    /// (the client address that brute-force defence and the audit trail see).
    #[arg(
        long,
        env = "FARM_AUTH_TRUSTED_PROXIES",
        global = true,
        hide_env_values = true
    )]
    pub trusted_proxies: Option<String>,
    /// Token endpoint requests allowed per client and minute, over all replicas (0: no limit).
    #[arg(
        long,
        env = "FARM_AUTH_TOKEN_RATE_LIMIT",
        global = true,
        hide_env_values = true
    )]
    pub token_rate_limit: Option<String>,
    /// Sign-ups allowed per minute from everyone, over all replicas (0: no limit).
    #[arg(
        long,
        env = "FARM_AUTH_SIGNUP_RATE_LIMIT",
        global = true,
        hide_env_values = true
    )]
    pub signup_rate_limit: Option<String>,
    /// Apps one farm may have, counting the registrations its open registration tokens
    /// still allow.
    #[arg(
        long,
        env = "FARM_AUTH_FARM_APP_QUOTA",
        global = true,
        hide_env_values = true
    )]
    pub farm_app_quota: Option<String>,
    /// Seconds a connection may take to send a complete request head; also how long an idle
    /// keep-alive connection is kept (10).
    #[arg(
        long,
        env = "FARM_AUTH_HTTP_HEADER_TIMEOUT_SECS",
        global = true,
        hide_env_values = true
    )]
    pub http_header_timeout_secs: Option<String>,
    /// Open connections at most; beyond them new ones wait in the listen backlog (512).
    #[arg(
        long,
        env = "FARM_AUTH_HTTP_MAX_CONNECTIONS",
        global = true,
        hide_env_values = true
    )]
    pub http_max_connections: Option<String>,
    /// Seconds between HTTP/2 keep-alive pings on a connection (20).
    #[arg(
        long,
        env = "FARM_AUTH_HTTP2_PING_SECS",
        global = true,
        hide_env_values = true
    )]
    pub http2_ping_secs: Option<String>,
    /// Seconds an HTTP/2 ping may go unanswered before the connection is closed (10).
    #[arg(
        long,
        env = "FARM_AUTH_HTTP2_PING_TIMEOUT_SECS",
        global = true,
        hide_env_values = true
    )]
    pub http2_ping_timeout_secs: Option<String>,
    /// Concurrent requests (streams) on one HTTP/2 connection (100).
    #[arg(
        long,
        env = "FARM_AUTH_HTTP2_MAX_STREAMS",
        global = true,
        hide_env_values = true
    )]
    pub http2_max_streams: Option<String>,
    /// Seconds a request waits for a database connection, a lock or a statement before it is
    /// answered 503 (5).
    #[arg(
        long,
        env = "FARM_AUTH_DATABASE_TIMEOUT_SECS",
        global = true,
        hide_env_values = true
    )]
    pub database_timeout_secs: Option<String>,
    /// Whether the console and the admin API need a sign-in with a second factor
    /// (`true` or `false`; on by default).
    #[arg(
        long,
        env = "FARM_AUTH_ADMIN_REQUIRE_MFA",
        global = true,
        hide_env_values = true
    )]
    pub admin_require_mfa: Option<String>,
    /// The oldest sign-in, in seconds, that the console and the admin API accept (1 hour).
    #[arg(
        long,
        env = "FARM_AUTH_ADMIN_MAX_AUTH_AGE",
        global = true,
        hide_env_values = true
    )]
    pub admin_max_auth_age: Option<String>,
    /// Log output: `text` or `json`.
    #[arg(
        long,
        env = "FARM_AUTH_LOG_FORMAT",
        global = true,
        hide_env_values = true
    )]
    pub log_format: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Clone, Debug)]
pub struct Config {
    pub database_url: String,
    pub listen: SocketAddr,
    /// Without a trailing slash. `None` means "derive from the bound address", resolved by
    /// [`Config::issuer_for`].
    pub issuer: Option<String>,
    pub smtp_url: Option<String>,
    pub mail_dir: PathBuf,
    pub access_token_ttl: Duration,
    /// How long a farm invitation works (`FARM_AUTH_FARM_INVITATION_TTL_SECS`, 7 days).
    pub farm_invitation_ttl: Duration,
    pub access_token_audience: Option<String>,
    pub key_refresh_interval: Duration,
    /// `FARM_AUTH_SECRET_KEY`: seals secrets at rest; `None`: see
    /// [`crate::secrets::Sealer::for_database`].
    pub secret_key: Option<SecretKey>,
    /// `FARM_AUTH_SECRET_KEY_PREVIOUS`: also accepted to open sealed values.
    pub secret_key_previous: Vec<SecretKey>,
    pub client_cache_ttl: Duration,
    pub revocation_sync_interval: Duration,
    /// A browser session unused this long is forgotten.
    pub session_idle: Duration,
    /// A sign-in ends this long after it began, however active.
    pub session_max: Duration,
    /// A refresh token unused this long expires.
    pub refresh_token_idle: Duration,
    /// Refresh tokens of one authorization are renewed for at most this long.
    pub refresh_token_max: Duration,
    /// The `From` of mail; `None`: no-reply at the issuer's host.
    pub mail_from: Option<String>,
    /// Proxies whose `X-Forwarded-For` header names the client.
    pub trusted_proxies: Vec<IpNet>,
    /// Token requests per client and minute (0: unlimited).
    pub token_rate_limit: u64,
    /// Sign-ups per minute from everyone (0: unlimited).
    pub signup_rate_limit: u64,
    /// Apps a farm's owners and managers may register (administrators are not held to it).
    pub farm_app_quota: i64,
    pub log_format: LogFormat,
    /// The console and the admin API need a sign-in with a second factor.
    pub admin_require_mfa: bool,
    /// The console and the admin API need a sign-in at most this old.
    pub admin_max_auth_age: Duration,
    /// What one connection may hold, and how many there may be (`web::serve`).
    pub http: HttpLimits,
    /// The longest a request waits on the database (pool, lock, statement) before 503.
    pub database_timeout: Duration,
}

/// Bounds on every connection, so `farm-auth serve` is safe without a proxy in front.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpLimits {
    /// The longest from a connection's start, or its last response, to a complete request
    /// head: a half-sent request (slowloris) and an idle keep-alive connection are closed
    /// after it.
    pub header_timeout: Duration,
    /// Connections served at once; the accept loop waits for one to end beyond this.
    pub max_connections: usize,
    pub http2_ping_interval: Duration,
    pub http2_ping_timeout: Duration,
    pub http2_max_streams: u32,
}

/// An IP network (`10.0.0.0/8`, `fd00::/8`), or one address (a full-length prefix).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IpNet {
    address: std::net::IpAddr,
    prefix: u8,
}

impl IpNet {
    pub fn parse(text: &str) -> Option<IpNet> {
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => (address.parse().ok()?, Some(prefix.parse::<u8>().ok()?)),
            None => (text.parse().ok()?, None),
        };
        let bits = match address {
            std::net::IpAddr::V4(_) => 32,
            std::net::IpAddr::V6(_) => 128,
        };
        let prefix = prefix.unwrap_or(bits);
        (prefix <= bits).then_some(IpNet { address, prefix })
    }

    pub fn contains(&self, ip: std::net::IpAddr) -> bool {
        fn masked(bits: u128, width: u32, prefix: u8) -> u128 {
            match prefix {
                0 => 0,
                p => bits >> (width - u32::from(p)),
            }
        }
        match (self.address, ip) {
            (std::net::IpAddr::V4(net), std::net::IpAddr::V4(ip)) => {
                masked(u32::from(net).into(), 32, self.prefix)
                    == masked(u32::from(ip).into(), 32, self.prefix)
            }
            (std::net::IpAddr::V6(net), std::net::IpAddr::V6(ip)) => {
                masked(u128::from(net), 128, self.prefix)
                    == masked(u128::from(ip), 128, self.prefix)
            }
            _ => false,
        }
    }
}

/// A setting that could not be used, named by its environment variable.
#[derive(Debug, thiserror::Error)]
#[error("{variable}: {message}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub message: String,
}

/// A secret key setting; the message never repeats the value.
fn parse_secret_key(variable: &'static str, text: &str) -> Result<SecretKey, ConfigError> {
    SecretKey::parse(text).ok_or_else(|| {
        bad(
            variable,
            "must be 32 bytes in base64 or hex (make one with `farm-auth secrets new-key`)",
        )
    })
}

fn bad(variable: &'static str, message: impl Into<String>) -> ConfigError {
    ConfigError {
        variable,
        message: message.into(),
    }
}

pub const DEFAULT_DATABASE_URL: &str = "sqlite://farm-auth.db?mode=rwc";
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
/// Token requests per client and minute: 50 a second sustained, far above what a person's
/// app needs, low enough that one runaway client cannot starve the others.
pub const DEFAULT_TOKEN_RATE_LIMIT: u64 = 3_000;
/// Sign-ups per minute from everyone: one a second sustained, more than a launch day
/// brings, few enough that a botnet cannot fill the tables or the mail queue.
pub const DEFAULT_SIGNUP_RATE_LIMIT: u64 = 60;
/// An administrator signs in again after an hour (decision 73).
pub const DEFAULT_ADMIN_MAX_AUTH_AGE_SECS: u64 = 3_600;
/// Ten apps per farm: a till, a web shop, an inventory sync and room to spare.
pub const DEFAULT_FARM_APP_QUOTA: i64 = 10;
const MAX_FARM_APP_QUOTA: i64 = 10_000;

/// The longest [`Config::key_retention`] any valid configuration gives: retired keys older
/// than this are deleted, whatever the settings of the replica that sweeps.
pub const MAX_KEY_RETENTION_SECS: i64 =
    MAX_ACCESS_TOKEN_TTL + MAX_KEY_REFRESH_SECS + CLOCK_SKEW_SECS;
const MAX_ACCESS_TOKEN_TTL: i64 = 86_400;
const MAX_KEY_REFRESH_SECS: i64 = 3_600;
const CLOCK_SKEW_SECS: i64 = 60;

impl Default for Config {
    fn default() -> Self {
        Config::from_args(ConfigArgs::default()).expect("the defaults are valid")
    }
}

impl Config {
    pub fn from_args(args: ConfigArgs) -> Result<Config, ConfigError> {
        let database_url = args
            .database_url
            .unwrap_or_else(|| DEFAULT_DATABASE_URL.into());
        if !(database_url.starts_with("sqlite:")
            || database_url.starts_with("postgres://")
            || database_url.starts_with("postgresql://"))
        {
            return Err(bad(
                "FARM_AUTH_DATABASE_URL",
                "must start with sqlite: or postgres://",
            ));
        }
        let listen_text = args.listen.as_deref().unwrap_or(DEFAULT_LISTEN);
        let listen = listen_text.parse().map_err(|_| {
            bad(
                "FARM_AUTH_LISTEN",
                format!("'{listen_text}' is not a socket address like 127.0.0.1:8080"),
            )
        })?;
        let issuer = args.issuer.as_deref().map(parse_issuer).transpose()?;
        let access_token_ttl = seconds(
            "FARM_AUTH_ACCESS_TOKEN_TTL",
            args.access_token_ttl.as_deref(),
            900,
            60..=MAX_ACCESS_TOKEN_TTL as u64,
        )?;
        let farm_invitation_ttl = seconds(
            "FARM_AUTH_FARM_INVITATION_TTL_SECS",
            args.farm_invitation_ttl_secs.as_deref(),
            7 * 86_400,
            60..=30 * 86_400,
        )?;
        let key_refresh_interval = seconds(
            "FARM_AUTH_KEY_REFRESH_SECS",
            args.key_refresh_secs.as_deref(),
            10,
            1..=MAX_KEY_REFRESH_SECS as u64,
        )?;
        let client_cache_ttl = seconds(
            "FARM_AUTH_CLIENT_CACHE_SECS",
            args.client_cache_secs.as_deref(),
            10,
            0..=300,
        )?;
        let revocation_sync_interval = seconds(
            "FARM_AUTH_REVOCATION_SYNC_SECS",
            args.revocation_sync_secs.as_deref(),
            1,
            1..=60,
        )?;
        const DAY: u64 = 86_400;
        let session_idle = seconds(
            "FARM_AUTH_SESSION_IDLE_SECS",
            args.session_idle_secs.as_deref(),
            7 * DAY,
            60..=365 * DAY,
        )?;
        let session_max = seconds(
            "FARM_AUTH_SESSION_MAX_SECS",
            args.session_max_secs.as_deref(),
            30 * DAY,
            60..=365 * DAY,
        )?;
        let refresh_token_idle = seconds(
            "FARM_AUTH_REFRESH_TOKEN_IDLE_SECS",
            args.refresh_token_idle_secs.as_deref(),
            14 * DAY,
            60..=365 * DAY,
        )?;
        let refresh_token_max = seconds(
            "FARM_AUTH_REFRESH_TOKEN_MAX_SECS",
            args.refresh_token_max_secs.as_deref(),
            90 * DAY,
            60..=3 * 365 * DAY,
        )?;
        let admin_require_mfa = match args.admin_require_mfa.as_deref().map(str::trim) {
            None | Some("true") | Some("1") => true,
            Some("false") | Some("0") => false,
            Some(other) => {
                return Err(bad(
                    "FARM_AUTH_ADMIN_REQUIRE_MFA",
                    format!("'{other}' is neither true nor false"),
                ));
            }
        };
        let admin_max_auth_age = seconds(
            "FARM_AUTH_ADMIN_MAX_AUTH_AGE",
            args.admin_max_auth_age.as_deref(),
            DEFAULT_ADMIN_MAX_AUTH_AGE_SECS,
            60..=DAY,
        )?;
        let log_format = match args.log_format.as_deref() {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(bad(
                    "FARM_AUTH_LOG_FORMAT",
                    format!("'{other}' is neither text nor json"),
                ));
            }
        };
        if let Some(smtp) = &args.smtp_url {
            Url::parse(smtp).map_err(|e| bad("FARM_AUTH_SMTP_URL", e.to_string()))?;
        }
        let access_token_audience = match args.access_token_audience {
            Some(aud)
                if aud.is_empty() || aud.chars().any(|c| c.is_whitespace() || c.is_control()) =>
            {
                return Err(bad(
                    "FARM_AUTH_ACCESS_TOKEN_AUDIENCE",
                    "must be non-empty, without spaces or control characters",
                ));
            }
            other => other,
        };
        let trusted_proxies = match args.trusted_proxies.as_deref() {
            None => Vec::new(),
            Some(list) => list
                .split(',')
                .map(str::trim)
                .filter(|a| !a.is_empty())
                .map(|a| {
                    IpNet::parse(a).ok_or_else(|| {
                        bad(
                            "FARM_AUTH_TRUSTED_PROXIES",
                            format!("'{a}' is not an IP address or a network like 10.0.0.0/8"),
                        )
                    })
                })
                .collect::<Result<_, _>>()?,
        };
        let token_rate_limit = match args.token_rate_limit.as_deref() {
            None => DEFAULT_TOKEN_RATE_LIMIT,
            Some(text) => text.trim().parse::<u64>().map_err(|_| {
                bad(
                    "FARM_AUTH_TOKEN_RATE_LIMIT",
                    format!("'{text}' is not a whole number"),
                )
            })?,
        };
        let signup_rate_limit = match args.signup_rate_limit.as_deref() {
            None => DEFAULT_SIGNUP_RATE_LIMIT,
            Some(text) => text.trim().parse::<u64>().map_err(|_| {
                bad(
                    "FARM_AUTH_SIGNUP_RATE_LIMIT",
                    format!("'{text}' is not a whole number"),
                )
            })?,
        };
        let farm_app_quota = match args.farm_app_quota.as_deref() {
            None => DEFAULT_FARM_APP_QUOTA,
            Some(text) => text
                .trim()
                .parse::<i64>()
                .ok()
                .filter(|n| (0..=MAX_FARM_APP_QUOTA).contains(n))
                .ok_or_else(|| {
                    bad(
                        "FARM_AUTH_FARM_APP_QUOTA",
                        format!("'{text}' is not a whole number from 0 to {MAX_FARM_APP_QUOTA}"),
                    )
                })?,
        };
        let secret_key = args
            .secret_key
            .as_deref()
            .map(|text| parse_secret_key("FARM_AUTH_SECRET_KEY", text))
            .transpose()?;
        let secret_key_previous = args
            .secret_key_previous
            .as_deref()
            .unwrap_or_default()
            .split(',')
            .filter(|text| !text.trim().is_empty())
            .map(|text| parse_secret_key("FARM_AUTH_SECRET_KEY_PREVIOUS", text))
            .collect::<Result<_, _>>()?;
        if let Some(from) = &args.mail_from
            && (from.is_empty() || from.chars().any(char::is_control))
        {
            return Err(bad("FARM_AUTH_MAIL_FROM", "must be a mail address"));
        }
        let http = HttpLimits {
            header_timeout: seconds(
                "FARM_AUTH_HTTP_HEADER_TIMEOUT_SECS",
                args.http_header_timeout_secs.as_deref(),
                10,
                1..=300,
            )?,
            max_connections: whole(
                "FARM_AUTH_HTTP_MAX_CONNECTIONS",
                args.http_max_connections.as_deref(),
                512,
                1..=1_000_000,
            )? as usize,
            http2_ping_interval: seconds(
                "FARM_AUTH_HTTP2_PING_SECS",
                args.http2_ping_secs.as_deref(),
                20,
                1..=3_600,
            )?,
            http2_ping_timeout: seconds(
                "FARM_AUTH_HTTP2_PING_TIMEOUT_SECS",
                args.http2_ping_timeout_secs.as_deref(),
                10,
                1..=300,
            )?,
            // RFC 9113 §6.5.2: no smaller than 100, so as not to limit parallelism needlessly.
            http2_max_streams: whole(
                "FARM_AUTH_HTTP2_MAX_STREAMS",
                args.http2_max_streams.as_deref(),
                100,
                1..=10_000,
            )? as u32,
        };
        let database_timeout = seconds(
            "FARM_AUTH_DATABASE_TIMEOUT_SECS",
            args.database_timeout_secs.as_deref(),
            5,
            1..=60,
        )?;
        Ok(Config {
            mail_from: args.mail_from,
            trusted_proxies,
            token_rate_limit,
            signup_rate_limit,
            farm_app_quota,
            database_url,
            listen,
            issuer,
            smtp_url: args.smtp_url,
            mail_dir: args.mail_dir.unwrap_or_else(|| PathBuf::from("./mail")),
            access_token_ttl,
            farm_invitation_ttl,
            access_token_audience,
            key_refresh_interval,
            secret_key,
            secret_key_previous,
            client_cache_ttl,
            revocation_sync_interval,
            session_idle,
            session_max,
            refresh_token_idle,
            refresh_token_max,
            log_format,
            http,
            database_timeout,
            admin_require_mfa,
            admin_max_auth_age,
        })
    }

    /// The issuer in force once the server is bound: the configured one, or `http://` plus
    /// the address actually bound (so port 0 in tests gives a usable issuer).
    pub fn issuer_for(&self, bound: SocketAddr) -> String {
        match &self.issuer {
            Some(issuer) => issuer.clone(),
            None => format!("http://{bound}"),
        }
    }

    /// How long a retired signing key stays in the JWKS: the longest a token it signed can
    /// live (access token or ID token), plus the time replicas may keep signing with it before they notice the rotation,
    /// plus a minute for clock skew between machines.
    pub fn key_retention(&self) -> Duration {
        // ID tokens come back as `id_token_hint`s; they must verify as long as they live.
        let id_token_ttl = Duration::from_secs(crate::oidc::id_token::ID_TOKEN_TTL_SECS as u64);
        self.access_token_ttl.max(id_token_ttl)
            + self.key_refresh_interval
            + Duration::from_secs(CLOCK_SKEW_SECS as u64)
    }
}

/// OpenID Connect Discovery 1.0 §3: the issuer is a URL with scheme, host and optional path,
/// and no query or fragment.
fn parse_issuer(text: &str) -> Result<String, ConfigError> {
    const VAR: &str = "FARM_AUTH_ISSUER";
    if text.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad(VAR, "must not contain spaces or control characters"));
    }
    let url = Url::parse(text).map_err(|e| bad(VAR, format!("'{text}' is not a URL: {e}")))?;
    if !matches!(url.scheme(), "https" | "http") {
        return Err(bad(VAR, "must be an https (or, for development, http) URL"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad(VAR, "must not have a query or fragment"));
    }
    if url.host_str().is_none() || !url.username().is_empty() || url.password().is_some() {
        return Err(bad(VAR, "must name a host and carry no credentials"));
    }
    // Keep the issuer as written: relying parties compare it byte for byte with `iss`. Only a
    // trailing slash goes, so that endpoint URLs built on it never contain "//".
    Ok(text.trim_end_matches('/').to_string())
}

fn seconds(
    variable: &'static str,
    text: Option<&str>,
    default: u64,
    range: std::ops::RangeInclusive<u64>,
) -> Result<Duration, ConfigError> {
    let value = match text {
        None => default,
        Some(t) => t
            .trim()
            .parse::<u64>()
            .map_err(|_| bad(variable, format!("'{t}' is not a whole number of seconds")))?,
    };
    if !range.contains(&value) {
        return Err(bad(
            variable,
            format!(
                "{value} is outside {}..={} seconds",
                range.start(),
                range.end()
            ),
        ));
    }
    Ok(Duration::from_secs(value))
}

/// A whole number within `range`, or `default` when unset.
fn whole(
    variable: &'static str,
    text: Option<&str>,
    default: u64,
    range: std::ops::RangeInclusive<u64>,
) -> Result<u64, ConfigError> {
    let value = match text {
        None => default,
        Some(t) => t
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|n| range.contains(n))
            .ok_or_else(|| {
                bad(
                    variable,
                    format!(
                        "'{t}' is not a whole number from {} to {}",
                        range.start(),
                        range.end()
                    ),
                )
            })?,
    };
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_configuration_gives_sqlite_on_port_8080() {
        let config = Config::default();
        assert_eq!(config.database_url, DEFAULT_DATABASE_URL);
        assert_eq!(config.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(config.issuer_for(config.listen), "http://127.0.0.1:8080");
        assert_eq!(config.access_token_ttl, Duration::from_secs(900));
    }

    #[test]
    fn a_bad_value_names_its_variable() {
        let args = ConfigArgs {
            listen: Some("nowhere".into()),
            ..Default::default()
        };
        let err = Config::from_args(args).unwrap_err();
        assert_eq!(err.variable, "FARM_AUTH_LISTEN");
        assert!(err.to_string().starts_with("FARM_AUTH_LISTEN: "));

        let args = ConfigArgs {
            issuer: Some("https://x.test/?a=b".into()),
            ..Default::default()
        };
        assert_eq!(
            Config::from_args(args).unwrap_err().variable,
            "FARM_AUTH_ISSUER"
        );

        let args = ConfigArgs {
            issuer: Some("https://auth.farm.test ".into()),
            ..Default::default()
        };
        assert_eq!(
            Config::from_args(args).unwrap_err().variable,
            "FARM_AUTH_ISSUER"
        );

        let args = ConfigArgs {
            access_token_ttl: Some("-5".into()),
            ..Default::default()
        };
        assert_eq!(
            Config::from_args(args).unwrap_err().variable,
            "FARM_AUTH_ACCESS_TOKEN_TTL"
        );

        let args = ConfigArgs {
            database_url: Some("mysql://x".into()),
            ..Default::default()
        };
        assert_eq!(
            Config::from_args(args).unwrap_err().variable,
            "FARM_AUTH_DATABASE_URL"
        );
    }

    #[test]
    fn trusted_proxies_are_addresses_or_networks() {
        let net = IpNet::parse("10.0.0.0/8").unwrap();
        assert!(net.contains("10.1.2.3".parse().unwrap()));
        assert!(!net.contains("11.0.0.1".parse().unwrap()));
        assert!(!net.contains("::1".parse().unwrap()));
        let one = IpNet::parse("192.0.2.1").unwrap();
        assert!(one.contains("192.0.2.1".parse().unwrap()));
        assert!(!one.contains("192.0.2.2".parse().unwrap()));
        assert!(
            IpNet::parse("::/0")
                .unwrap()
                .contains("2001:db8::1".parse().unwrap())
        );
        for bad in ["10.0.0.0/33", "nope", "10.0.0.0/", "/8"] {
            assert_eq!(IpNet::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn connections_and_database_waits_are_bounded_by_default() {
        let config = Config::default();
        assert_eq!(config.http.header_timeout, Duration::from_secs(10));
        assert_eq!(config.http.max_connections, 512);
        assert_eq!(config.http.http2_max_streams, 100);
        assert_eq!(config.database_timeout, Duration::from_secs(5));
        for (args, variable) in [
            (
                ConfigArgs {
                    http_header_timeout_secs: Some("0".into()),
                    ..Default::default()
                },
                "FARM_AUTH_HTTP_HEADER_TIMEOUT_SECS",
            ),
            (
                ConfigArgs {
                    http_max_connections: Some("none".into()),
                    ..Default::default()
                },
                "FARM_AUTH_HTTP_MAX_CONNECTIONS",
            ),
            (
                ConfigArgs {
                    database_timeout_secs: Some("600".into()),
                    ..Default::default()
                },
                "FARM_AUTH_DATABASE_TIMEOUT_SECS",
            ),
        ] {
            assert_eq!(Config::from_args(args).unwrap_err().variable, variable);
        }
    }

    #[test]
    fn a_trailing_slash_on_the_issuer_is_dropped() {
        let args = ConfigArgs {
            issuer: Some("https://auth.farm.test/".into()),
            ..Default::default()
        };
        let config = Config::from_args(args).unwrap();
        assert_eq!(config.issuer.unwrap(), "https://auth.farm.test");
    }
}
