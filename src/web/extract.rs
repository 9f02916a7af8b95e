//! Extractors: how a handler states what it needs from a request.

use std::net::{IpAddr, SocketAddr};

use axum::body::to_bytes;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};

use super::error::PageError;
use crate::accounts::audit::Origin;
use crate::config::IpNet;
use crate::oauth2::params::Params;
use crate::oauth2::{ErrorCode, OAuthError};
use crate::state::AppState;

/// The largest body an OAuth endpoint reads; bigger requests get 413 without being read.
pub const MAX_FORM_BYTES: usize = 16 * 1024;

/// A POST to an OAuth endpoint: `application/x-www-form-urlencoded` parameters (RFC 6749
/// §3.2) and the raw `Authorization` header, for client authentication.
pub struct OAuthRequest {
    pub params: Params,
    pub authorization: Option<String>,
}

/// Whether the request declares an `application/x-www-form-urlencoded` body.
pub fn is_form(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| {
            v.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
}

/// Reads a form body of at most [`MAX_FORM_BYTES`]: `Err(true)` when it is over the limit,
/// `Err(false)` when it cannot be read.
pub async fn read_form(request: Request) -> Result<bytes::Bytes, bool> {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > MAX_FORM_BYTES as u64) {
        return Err(true);
    }
    to_bytes(request.into_body(), MAX_FORM_BYTES)
        .await
        .map_err(|error| {
            std::error::Error::source(&error)
                .is_some_and(|cause| cause.is::<http_body_util::LengthLimitError>())
        })
}

/// A form posted from one of the pages, parsed under the same rules as OAuth parameters
/// (no repeats, empty means omitted). Bad bodies get a page, not JSON.
pub struct PageForm(pub Params);

impl<S: Send + Sync> FromRequest<S> for PageForm {
    type Rejection = PageError;

    async fn from_request(request: Request, _state: &S) -> Result<Self, Self::Rejection> {
        if !is_form(request.headers()) {
            return Err(PageError::BadRequest(
                "The form was not sent as a web form.",
            ));
        }
        let body = read_form(request)
            .await
            .map_err(|too_large| match too_large {
                true => PageError::BadRequest("The form is too large."),
                false => PageError::BadRequest("The form could not be read."),
            })?;
        Params::parse(&body)
            .map(PageForm)
            .map_err(|_| PageError::BadRequest("The form has a field more than once."))
    }
}

/// The raw body of a form POST, for endpoints that treat a POST like the same GET.
pub struct RawForm(pub bytes::Bytes);

impl RawForm {
    /// The body as a query string: re-encoded rather than copied, so that whatever bytes it
    /// held, a `Location` header built from it is well-formed.
    pub fn to_query(&self) -> String {
        form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form_urlencoded::parse(&self.0))
            .finish()
    }
}

impl<S: Send + Sync> FromRequest<S> for RawForm {
    type Rejection = PageError;

    async fn from_request(request: Request, _state: &S) -> Result<Self, Self::Rejection> {
        if !is_form(request.headers()) {
            return Err(PageError::BadRequest(
                "The request was not sent as a web form.",
            ));
        }
        read_form(request)
            .await
            .map(RawForm)
            .map_err(|too_large| match too_large {
                true => PageError::BadRequest("The request is too large."),
                false => PageError::BadRequest("The request could not be read."),
            })
    }
}

impl<S: Send + Sync> FromRequest<S> for OAuthRequest {
    type Rejection = OAuthError;

    async fn from_request(request: Request, _state: &S) -> Result<Self, Self::Rejection> {
        let headers = request.headers();
        if !is_form(headers) {
            return Err(OAuthError::invalid_request(
                "the body must be application/x-www-form-urlencoded",
            ));
        }
        let authorization = match headers.get(header::AUTHORIZATION) {
            None => None,
            Some(value) => Some(
                value
                    .to_str()
                    .map_err(|_| OAuthError::invalid_client("malformed Authorization header"))?
                    .to_string(),
            ),
        };
        let body = read_form(request)
            .await
            .map_err(|too_large| match too_large {
                true => {
                    OAuthError::new(ErrorCode::RequestTooLarge, "the request body is too large")
                }
                false => OAuthError::invalid_request("the request body could not be read"),
            })?;
        let params = Params::parse(&body)?;
        Ok(OAuthRequest {
            params,
            authorization,
        })
    }
}

/// The `request` query parameter of the pages a pending authorization request passes
/// through (`/login?request=…`); absent or unreadable is `None`, never a rejection.
pub struct PendingId(pub Option<String>);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for PendingId {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _state: &S,
    ) -> Result<Self, Self::Rejection> {
        let id = form_urlencoded::parse(parts.uri.query().unwrap_or_default().as_bytes())
            .find(|(name, _)| name == "request")
            .map(|(_, value)| value.into_owned())
            .filter(|value| !value.is_empty());
        Ok(PendingId(id))
    }
}

/// Where the request came from: the peer address, or, when the peer is a trusted proxy
/// (`FARM_AUTH_TRUSTED_PROXIES`), the nearest untrusted address in `X-Forwarded-For`; and
/// the `User-Agent`, cut short. Never fails: without a connection address (in-process
/// calls), the address is unknown.
pub struct RequestOrigin(pub Origin);

/// The longest `User-Agent` kept for the sessions page and the audit trail.
const MAX_USER_AGENT_CHARS: usize = 200;

impl FromRequestParts<AppState> for RequestOrigin {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            // An IPv4 client of an IPv6 listener arrives as ::ffff:a.b.c.d.
            .map(|ConnectInfo(address)| address.ip().to_canonical());
        let ip =
            peer.map(|peer| client_address(peer, &parts.headers, &state.config.trusted_proxies));
        let user_agent = parts
            .headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|v| {
                v.chars()
                    .filter(|c| !c.is_control())
                    .take(MAX_USER_AGENT_CHARS)
                    .collect()
            });
        Ok(RequestOrigin(Origin { ip, user_agent }))
    }
}

/// The client's address: walking `X-Forwarded-For` from the right (the entries our own
/// proxies appended), the first one that is not a trusted proxy. Entries further left were
/// written by the client and prove nothing.
fn client_address(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(peer) {
        return peer;
    }
    let forwarded = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect::<Vec<_>>();
    let mut client = peer;
    for entry in forwarded.iter().rev() {
        match entry.parse::<IpAddr>().map(|ip| ip.to_canonical()) {
            Ok(address) if is_trusted(address) => client = address,
            Ok(address) => return address,
            Err(_) => return client,
        }
    }
    client
}

/// The device cookie ([`crate::accounts::devices`]): named `__Host-farm_auth_device` under
/// an https issuer (so no sibling host can plant it), `farm_auth_device` otherwise.
pub fn device_cookie_name(state: &AppState) -> &'static str {
    match state.issuer.starts_with("https://") {
        true => "__Host-farm_auth_device",
        false => "farm_auth_device",
    }
}

/// The token of the browser's device cookie, if it sent one.
pub struct DeviceToken(pub Option<String>);

impl FromRequestParts<AppState> for DeviceToken {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let name = device_cookie_name(state);
        let token = parts
            .headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(key, _)| *key == name)
            .map(|(_, value)| value.to_string());
        Ok(DeviceToken(token))
    }
}

/// The `Set-Cookie` value that makes this browser a known device for a year.
pub fn device_cookie(state: &AppState, token: &str) -> Option<axum::http::HeaderValue> {
    let secure = match state.issuer.starts_with("https://") {
        true => "; Secure",
        false => "",
    };
    let max_age = crate::accounts::devices::DEVICE_TTL_SECS;
    let name = device_cookie_name(state);
    let value =
        format!("{name}={token}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}");
    axum::http::HeaderValue::from_str(&value).ok()
}

#[cfg(test)]
mod origin_tests {
    use super::*;

    #[test]
    fn forwarded_addresses_count_only_behind_a_trusted_proxy() {
        let proxy: IpAddr = "10.0.0.1".parse().unwrap();
        let trusted = [IpNet::parse("10.0.0.0/8").unwrap()];
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", "6.6.6.6, 203.0.113.7".parse().unwrap());
        let client = client_address(proxy, &headers, &trusted);
        assert_eq!(client, "203.0.113.7".parse::<IpAddr>().unwrap());
        // A direct client cannot name another address.
        let stranger: IpAddr = "198.51.100.2".parse().unwrap();
        assert_eq!(client_address(stranger, &headers, &trusted), stranger);
        // Garbage stops the walk at the last address proven.
        headers.insert("x-forwarded-for", "not-an-ip".parse().unwrap());
        assert_eq!(client_address(proxy, &headers, &trusted), proxy);
    }
}
