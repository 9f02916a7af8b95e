//! Parsers of single setting values (seconds, whole numbers, the issuer, secret keys), each
//! error naming its variable.

use std::time::Duration;

use url::Url;

use super::ConfigError;
use crate::secrets::SecretKey;

/// A secret key setting; the message never repeats the value.
pub(super) fn parse_secret_key(
    variable: &'static str,
    text: &str,
) -> Result<SecretKey, ConfigError> {
    SecretKey::parse(text).ok_or_else(|| {
        bad(
            variable,
            "must be 32 bytes in base64 or hex (make one with `farm-auth secrets new-key`)",
        )
    })
}

pub(super) fn bad(variable: &'static str, message: impl Into<String>) -> ConfigError {
    ConfigError {
        variable,
        message: message.into(),
    }
}

/// OpenID Connect Discovery 1.0 §3: the issuer is a URL with scheme, host and optional path,
/// and no query or fragment.
pub(super) fn parse_issuer(text: &str) -> Result<String, ConfigError> {
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

pub(super) fn seconds(
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
pub(super) fn whole(
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

/// A comma-separated list of addresses and networks (`10.0.0.0/8, ::1`); unset is none.
pub(super) fn networks(
    variable: &'static str,
    list: Option<&str>,
) -> Result<Vec<super::IpNet>, ConfigError> {
    list.unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(|a| {
            super::IpNet::parse(a).ok_or_else(|| {
                bad(
                    variable,
                    format!("'{a}' is not an IP address or a network like 10.0.0.0/8"),
                )
            })
        })
        .collect()
}
