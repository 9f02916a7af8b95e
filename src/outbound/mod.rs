//! The one HTTP client for every call farm-auth makes on its own account: to upstream
//! OpenID providers today, to back-channel logout and webhook receivers next (issue 15).
//! Each call is bounded: a connect timeout, a whole-request timeout, no redirect followed,
//! no proxy from the environment, a cap on the bytes read, and no connection to a
//! loopback, private, link-local or metadata address ([`address`]) unless an administrator
//! allows its network (`FARM_AUTH_OUTBOUND_ALLOW_NETWORKS`). Names are judged after DNS
//! resolution, at the moment of connecting (docs/DECISIONS.md §162).

pub mod address;
mod resolve;

use std::net::IpAddr;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

pub use address::AddressPolicy;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// Why an outbound call did not get an answer.
#[derive(Debug, thiserror::Error)]
pub enum OutboundError {
    /// The destination is an address farm-auth does not call.
    #[error("{0}")]
    Forbidden(#[from] resolve::Forbidden),
    #[error("the URL cannot be called: {0}")]
    BadUrl(String),
    #[error("the name does not resolve: {0}")]
    Unresolved(String),
    /// Down, slow, or not HTTP.
    #[error("{}", error_chain(.0))]
    Http(reqwest::Error),
    #[error("the answer is larger than {0} bytes")]
    TooLarge(usize),
}

impl From<reqwest::Error> for OutboundError {
    /// A refusal by the resolver arrives wrapped in reqwest's connect error.
    fn from(error: reqwest::Error) -> OutboundError {
        let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(&error);
        while let Some(current) = cause {
            if let Some(forbidden) = current.downcast_ref::<resolve::Forbidden>() {
                return OutboundError::Forbidden(forbidden.clone());
            }
            cause = current.source();
        }
        OutboundError::Http(error)
    }
}

/// An error with its causes, as one line (reqwest's own message omits them).
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(current) = cause {
        text.push_str(": ");
        text.push_str(&current.to_string());
        cause = current.source();
    }
    text
}

/// The outbound client; cheap to clone (one connection pool, one set of TLS roots). The
/// reqwest client is made on the first call: its TLS roots cost memory that a server
/// which never calls out should not hold.
#[derive(Clone)]
pub struct Outbound {
    client: Arc<OnceLock<reqwest::Client>>,
    policy: Arc<AddressPolicy>,
    /// The same without the networks an administrator allowed, for URLs that vendors and
    /// farms register (decision 167); `None` when nothing is allowed (then it is `self`).
    strict: Option<Arc<Outbound>>,
}

impl Outbound {
    pub fn new(policy: AddressPolicy) -> Outbound {
        let strict =
            (!policy.is_strict()).then(|| Arc::new(Outbound::new(AddressPolicy::default())));
        Outbound {
            client: Arc::default(),
            policy: Arc::new(policy),
            strict,
        }
    }

    /// The client for a URL a vendor or a farm registered: an inner network an
    /// administrator opened for the platform's own services stays closed to them.
    pub fn for_third_parties(&self) -> &Outbound {
        self.strict.as_deref().unwrap_or(self)
    }

    fn client(&self) -> Result<&reqwest::Client, OutboundError> {
        if let Some(client) = self.client.get() {
            return Ok(client);
        }
        let client = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            // A proxy would resolve the name itself, out of the policy's sight.
            .no_proxy()
            .dns_resolver(Arc::new(resolve::Guarded::new(self.policy.clone())))
            .build()?;
        Ok(self.client.get_or_init(|| client))
    }

    /// Whether `url` may be called as far as can be known without DNS: http or https, and
    /// a host that is a permitted address or a name (whose addresses are judged when
    /// connecting, or by [`Self::resolve_and_check`]).
    pub fn check_url(&self, url: &url::Url) -> Result<(), OutboundError> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(OutboundError::BadUrl(format!(
                "the scheme {} is not http or https",
                url.scheme()
            )));
        }
        let ip = match url.host() {
            Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip),
            Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip),
            Some(url::Host::Domain(_)) => return Ok(()),
            None => return Err(OutboundError::BadUrl("the URL has no host".into())),
        };
        match self.policy.permits(ip) {
            true => Ok(()),
            false => Err(resolve::Forbidden::address(ip).into()),
        }
    }

    /// [`Self::check_url`], and every address the host's name resolves to now, each of which
    /// must be permitted: for a URL an administrator or a client registers, refused at once
    /// rather than at each delivery. A name that does not resolve now (a receiver not yet
    /// deployed, a server without DNS) is let through: each delivery judges it again.
    pub async fn resolve_and_check(&self, url: &url::Url) -> Result<(), OutboundError> {
        self.check_url(url)?;
        let Some(url::Host::Domain(name)) = url.host() else {
            return Ok(());
        };
        match resolve::permitted_addresses(&self.policy, name, true).await {
            Ok(_) | Err(OutboundError::Unresolved(_)) => Ok(()),
            Err(error) => Err(error),
        }
    }

    /// Sends `request` and reads its answer up to `limit` bytes.
    pub async fn send(
        &self,
        request: axum::http::Request<Vec<u8>>,
        limit: usize,
    ) -> Result<axum::http::Response<Vec<u8>>, OutboundError> {
        let (mut parts, body) = request.into_parts();
        let url = url::Url::parse(&parts.uri.to_string())
            .map_err(|e| OutboundError::BadUrl(e.to_string()))?;
        self.check_url(&url)?;
        // The trace goes on with the call (W3C `traceparent`), when traces are exported.
        let span = crate::telemetry::outbound_span(parts.method.as_str(), &url, &mut parts.headers);
        let sent = self
            .client()?
            .request(parts.method, url)
            .headers(parts.headers)
            .body(body)
            .send();
        let mut response = tracing::Instrument::instrument(sent, span.clone()).await?;
        span.record("http.response.status_code", response.status().as_u16());
        let mut answer = axum::http::Response::builder().status(response.status());
        for (name, value) in response.headers() {
            answer = answer.header(name, value);
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await? {
            if bytes.len() + chunk.len() > limit {
                return Err(OutboundError::TooLarge(limit));
            }
            bytes.extend_from_slice(&chunk);
        }
        answer
            .body(bytes)
            .map_err(|e| OutboundError::BadUrl(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::IpNet;

    fn url(text: &str) -> url::Url {
        url::Url::parse(text).unwrap()
    }

    #[tokio::test]
    async fn a_registered_url_is_judged_by_every_address_of_its_name() {
        let strict = Outbound::new(AddressPolicy::default());
        for refused in [
            "http://localhost/hook",
            "http://127.0.0.1:9/hook",
            "https://[::1]/hook",
            "https://[::ffff:10.0.0.1]/hook",
            "http://169.254.169.254/latest/meta-data/",
        ] {
            let error = strict.resolve_and_check(&url(refused)).await.unwrap_err();
            assert!(
                matches!(error, OutboundError::Forbidden(_)),
                "{refused}: {error}"
            );
        }
        let error = strict.check_url(&url("file:///etc/passwd")).unwrap_err();
        assert!(matches!(error, OutboundError::BadUrl(_)), "{error}");

        let allowed = AddressPolicy::new(vec![
            IpNet::parse("127.0.0.0/8").unwrap(),
            IpNet::parse("::1").unwrap(),
        ]);
        let inner = Outbound::new(allowed);
        inner
            .resolve_and_check(&url("http://localhost/hook"))
            .await
            .unwrap();
        assert!(inner.check_url(&url("http://10.0.0.1/")).is_err());
    }
}
