//! One typed [`Config`], read from flags and environment variables (a `.env` file is loaded
//! into the environment first by `main`). Every setting has a default, so an empty
//! environment gives a working server on 127.0.0.1:8080 with an SQLite file.
//!
//! This file holds the checked [`Config`] and its defaults; `args.rs` the raw flags and
//! variables, `load.rs` the checks that turn one into the other, `values.rs` the parsers of
//! single values, `ip_net.rs` the trusted-proxy networks.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::secrets::SecretKey;

mod args;
mod ip_net;
mod load;
mod values;

pub use args::ConfigArgs;
pub use ip_net::IpNet;

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
    /// Where Prometheus metrics are served, if anywhere (a listener of their own).
    pub metrics_listen: Option<SocketAddr>,
    /// Networks outbound calls may reach although they are not public.
    pub outbound_allow_networks: Vec<IpNet>,
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
    /// Connections one client address may hold at once (0: no limit); beyond it a new one
    /// is closed unread (docs/DECISIONS.md §100).
    pub max_connections_per_address: usize,
    /// Not held to `max_connections_per_address`: loopback and the trusted proxies.
    pub per_address_exempt: Vec<IpNet>,
    /// Beyond the request timeout, how long requests in flight on a connection may go with
    /// none finishing (a client not reading its response) before it is dropped (§101).
    pub response_timeout: Duration,
    pub http2_ping_interval: Duration,
    pub http2_ping_timeout: Duration,
    pub http2_max_streams: u32,
}

/// A setting that could not be used, named by its environment variable.
#[derive(Debug, thiserror::Error)]
#[error("{variable}: {message}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub message: String,
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

#[cfg(test)]
mod tests;
