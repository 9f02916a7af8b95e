//! [`Config::from_args`]: every setting checked against its range, defaulted when unset, and
//! the first bad one named by its variable.

use std::path::PathBuf;

use url::Url;

use super::values::{bad, networks, parse_issuer, parse_secret_key, seconds, whole};
use super::{
    Config, ConfigArgs, ConfigError, DEFAULT_ADMIN_MAX_AUTH_AGE_SECS, DEFAULT_DATABASE_URL,
    DEFAULT_FARM_APP_QUOTA, DEFAULT_LISTEN, DEFAULT_SIGNUP_RATE_LIMIT, DEFAULT_TOKEN_RATE_LIMIT,
    HttpLimits, IpNet, LogFormat, MAX_ACCESS_TOKEN_TTL, MAX_FARM_APP_QUOTA, MAX_KEY_REFRESH_SECS,
};

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
        let metrics_listen = match args.metrics_listen.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(text) => Some(text.parse().map_err(|_| {
                bad(
                    "FARM_AUTH_METRICS_LISTEN",
                    format!("'{text}' is not a socket address like 127.0.0.1:9090"),
                )
            })?),
        };
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
        let trusted_proxies =
            networks("FARM_AUTH_TRUSTED_PROXIES", args.trusted_proxies.as_deref())?;
        let outbound_allow_networks = networks(
            "FARM_AUTH_OUTBOUND_ALLOW_NETWORKS",
            args.outbound_allow_networks.as_deref(),
        )?;
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
            max_connections_per_address: whole(
                "FARM_AUTH_HTTP_MAX_CONNECTIONS_PER_ADDRESS",
                args.http_max_connections_per_address.as_deref(),
                64,
                0..=1_000_000,
            )? as usize,
            per_address_exempt: [IpNet::LOOPBACK_V4, IpNet::LOOPBACK_V6]
                .into_iter()
                .chain(trusted_proxies.iter().copied())
                .collect(),
            response_timeout: seconds(
                "FARM_AUTH_HTTP_RESPONSE_TIMEOUT_SECS",
                args.http_response_timeout_secs.as_deref(),
                30,
                1..=3_600,
            )?,
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
            outbound_allow_networks,
            metrics_listen,
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
}
