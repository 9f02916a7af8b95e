//! Set-up over HTTP, with a general-purpose client: the endpoints from discovery, a first
//! access token, waiting for the server to know the API; and the client credentials the
//! CLI printed, as every request presents them.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;
use url::Url;

use crate::server::{CLIENT_SCOPE, STARTUP_TIMEOUT};

#[derive(Deserialize)]
pub(crate) struct Credentials {
    pub(crate) client_id: String,
    pub(crate) client_secret: String,
}

impl Credentials {
    /// RFC 6749 §2.3.1: both halves are form-urlencoded before Basic encoding.
    pub(crate) fn basic_authorization(&self) -> String {
        let encode = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
        let pair = format!(
            "{}:{}",
            encode(&self.client_id),
            encode(&self.client_secret)
        );
        format!("Basic {}", STANDARD.encode(pair))
    }
}

pub(crate) fn setup_http_client() -> Result<reqwest::Client> {
    reqwest::Client::builder()
        .no_proxy() // an HTTP(S)_PROXY in the environment must not see loopback traffic
        .timeout(Duration::from_secs(10))
        .build()
        .context("cannot build the HTTP client")
}

/// The endpoints as the server advertises them, so the bench follows the server's own map.
pub(crate) struct Endpoints {
    pub(crate) discovery: Url,
    pub(crate) jwks: Url,
    pub(crate) authorization: Url,
    pub(crate) token: Url,
    pub(crate) introspection: Url,
}

impl Endpoints {
    pub(crate) async fn discover(http: &reqwest::Client, address: SocketAddr) -> Result<Endpoints> {
        let discovery = Url::parse(&format!(
            "http://{address}/.well-known/openid-configuration"
        ))?;
        let document: serde_json::Value = http
            .get(discovery.clone())
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .with_context(|| format!("GET {discovery} failed"))?
            .json()
            .await
            .with_context(|| format!("GET {discovery} did not return JSON"))?;
        let field = |name: &str| -> Result<Url> {
            let text = document[name]
                .as_str()
                .with_context(|| format!("the discovery document has no {name}"))?;
            Url::parse(text).with_context(|| format!("{name} '{text}' is not a URL"))
        };
        Ok(Endpoints {
            jwks: field("jwks_uri")?,
            authorization: field("authorization_endpoint")?,
            token: field("token_endpoint")?,
            introspection: field("introspection_endpoint")?,
            discovery,
        })
    }
}

/// Waits until the running server knows the API registered with the CLI beside it: it
/// reads new APIs within its client cache lifetime (10 s by default), and lists their
/// scopes in discovery from then on. Before that, its tokens would have its own audience.
pub(crate) async fn wait_for_api(http: &reqwest::Client, endpoints: &Endpoints) -> Result<()> {
    let scope = CLIENT_SCOPE.split(' ').next().unwrap_or_default();
    let deadline = Instant::now() + STARTUP_TIMEOUT;
    loop {
        let metadata: serde_json::Value = http
            .get(endpoints.discovery.clone())
            .send()
            .await
            .context("cannot read discovery")?
            .json()
            .await
            .context("discovery is not JSON")?;
        let listed = metadata["scopes_supported"]
            .as_array()
            .is_some_and(|scopes| scopes.iter().any(|s| s == scope));
        if listed {
            return Ok(());
        }
        if Instant::now() >= deadline {
            bail!("the server did not pick up the API within {STARTUP_TIMEOUT:?}");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

pub(crate) async fn fetch_access_token(
    http: &reqwest::Client,
    endpoints: &Endpoints,
    credentials: &Credentials,
) -> Result<String> {
    let response = http
        .post(endpoints.token.clone())
        .header("authorization", credentials.basic_authorization())
        .header("content-type", "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials")
        .send()
        .await
        .context("the first token request failed")?;
    let status = response.status();
    let body = response.text().await.context("cannot read the token")?;
    ensure!(
        status.is_success(),
        "the first token request got {status}: {body}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&body).context("the token response is not JSON")?;
    json["access_token"]
        .as_str()
        .map(str::to_string)
        .with_context(|| format!("the token response has no access_token: {body}"))
}
