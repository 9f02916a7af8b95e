//! The raw settings, as flags and environment variables, before any check: one field per
//! `FARM_AUTH_*` variable.

use std::path::PathBuf;

use clap::Args;

/// The raw settings as given; [`Config::from_args`](super::Config::from_args) checks them
/// and names the variable of the first bad one. `--help` names the variables but never shows
/// their values (the database and SMTP URLs may carry passwords).
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
    /// Socket address of a separate listener serving Prometheus metrics at `/metrics`
    /// (unset: no metrics listener).
    #[arg(long, env = "FARM_AUTH_METRICS_LISTEN", global = true)]
    pub metrics_listen: Option<String>,
    /// Comma-separated networks farm-auth may call although they are loopback, private or
    /// link-local (upstream providers, logout and webhook receivers on an inner network).
    #[arg(
        long,
        env = "FARM_AUTH_OUTBOUND_ALLOW_NETWORKS",
        global = true,
        hide_env_values = true
    )]
    pub outbound_allow_networks: Option<String>,
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
    /// Open connections one client address (an IPv6 /56) may hold; beyond them a new one is
    /// closed unread. Loopback and the trusted proxies are exempt (64; 0: no limit).
    #[arg(
        long,
        env = "FARM_AUTH_HTTP_MAX_CONNECTIONS_PER_ADDRESS",
        global = true,
        hide_env_values = true
    )]
    pub http_max_connections_per_address: Option<String>,
    /// Seconds, beyond the request timeout, that requests in flight on a connection may go
    /// without one finishing before the connection is dropped (30).
    #[arg(
        long,
        env = "FARM_AUTH_HTTP_RESPONSE_TIMEOUT_SECS",
        global = true,
        hide_env_values = true
    )]
    pub http_response_timeout_secs: Option<String>,
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
