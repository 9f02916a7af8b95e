//! farm-auth as the relying party of an upstream OpenID provider (OpenID Connect Core §3.1,
//! the code flow), with the `openidconnect` crate: discovery of the issuer, the
//! authorization URL with PKCE S256 (RFC 7636), `state` and `nonce`, the code exchanged at
//! the token endpoint and the ID token checked against the provider's JWKS (signature,
//! `iss`, `aud`, `exp`, `nonce`).
//!
//! The outgoing HTTP is bounded (decision 133): a connect timeout, a whole-request timeout,
//! no redirects followed (the crate's advice against SSRF) and a cap on the bytes read.
//! Discovery and the JWKS are cached per provider for a few minutes, one entry per
//! configured provider; an ID token signed with a key the cached JWKS does not hold makes
//! one fresh discovery (key rotation), at most every [`REFETCH_AFTER_SECS`].

use std::collections::HashMap;
use std::pin::Pin;
use std::sync::Mutex;

use openidconnect::core::{CoreAuthPrompt, CoreClient, CoreProviderMetadata, CoreResponseType};
use openidconnect::{
    AsyncHttpClient, AuthenticationFlow, AuthorizationCode, ClaimsVerificationError, ClientId,
    ClientSecret, CsrfToken, HttpRequest, HttpResponse, IssuerUrl, Nonce, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, Scope, SignatureVerificationError, TokenResponse,
};
use serde::{Deserialize, Serialize};

use crate::outbound::{Outbound, OutboundError, error_chain};
use crate::state::AppState;
use crate::store::upstreams::UpstreamRecord;

/// How long a discovery document and its JWKS are used before they are fetched again.
const CACHE_SECS: i64 = 300;
/// An unknown `kid` refetches the JWKS only if the cached one is at least this old.
const REFETCH_AFTER_SECS: i64 = 30;
/// The most read of one answer of the provider (discovery, JWKS, token response).
const MAX_RESPONSE_BYTES: usize = 256 * 1024;

/// Why the provider could not be used: said to the person as "could not reach it".
#[derive(Debug, thiserror::Error)]
pub enum RelyingPartyError {
    /// Down, slow, or answering with something that is not OpenID Connect.
    #[error("the provider could not be reached: {0}")]
    Unreachable(String),
    /// The provider's answer was refused: a bad code, or an ID token that did not verify.
    #[error("the provider's answer was refused: {0}")]
    Refused(String),
    /// The provider answered with an earlier sign-in where one made now was asked for
    /// (`max_age`, its `auth_time`): the provider's choice, not a sign of an attack.
    #[error("the provider did not sign the person in again")]
    Stale,
}

/// The discovery documents (with their JWKS) of the providers, by provider id.
#[derive(Default)]
pub struct Discovered {
    entries: Mutex<HashMap<String, Entry>>,
    /// When discovery of a provider last failed, and why: for [`FAILURE_SECS`] the answer
    /// is that failure again, so that strangers' requests cannot make the server wait on a
    /// provider that is down over and over (one entry per configured provider).
    failures: Mutex<HashMap<String, (i64, String)>>,
}

/// How long a failed discovery is answered from memory.
const FAILURE_SECS: i64 = 30;

#[derive(Clone)]
struct Entry {
    issuer: String,
    fetched_at: i64,
    metadata: CoreProviderMetadata,
}

impl Discovered {
    fn fresh(&self, provider: &UpstreamRecord, now: i64) -> Option<Entry> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries
            .get(&provider.id)
            .filter(|e| e.issuer == provider.issuer && e.fetched_at + CACHE_SECS > now)
            .cloned()
    }

    fn keep(&self, provider: &UpstreamRecord, entry: Entry) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.insert(provider.id.clone(), entry);
    }

    /// Drops a deleted provider's entry.
    pub fn forget(&self, id: &str) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.remove(id);
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        failures.remove(id);
    }

    /// Why discovery of `provider` failed, if it did less than [`FAILURE_SECS`] ago.
    fn recent_failure(&self, provider: &UpstreamRecord, now: i64) -> Option<String> {
        let failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        failures
            .get(&provider.id)
            .filter(|(at, _)| at + FAILURE_SECS > now)
            .map(|(_, why)| why.clone())
    }

    fn failed(&self, provider: &UpstreamRecord, now: i64, why: &str) {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        failures.insert(provider.id.clone(), (now, why.to_string()));
    }
}

/// An upstream sign-in started in a browser, kept in its session until the callback.
#[derive(Clone, Serialize, Deserialize)]
pub struct Started {
    pub provider_id: String,
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
    /// When the sign-in had to be fresh: the provider's `auth_time` must not be earlier.
    #[serde(default)]
    pub signed_in_after: Option<i64>,
}

/// Without the secrets it carries: a log line must never hold a verifier or a nonce.
impl std::fmt::Debug for Started {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Started")
            .field("provider_id", &self.provider_id)
            .finish_non_exhaustive()
    }
}

/// Who the provider says signed in, from a verified ID token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    pub provider_id: String,
    /// The upstream `sub`.
    pub subject: String,
    pub email: Option<String>,
    /// `email_verified`, false when missing.
    pub email_verified: bool,
    pub preferred_username: Option<String>,
    /// Whether the ID token's `amr` shows more than one factor (RFC 8176).
    pub multi_factor: bool,
    /// When the person last signed in at the provider, as its ID token says (`auth_time`;
    /// `None` when it does not say): how fresh a proof this sign-in is here (decision 159).
    #[serde(default)]
    pub auth_time: Option<i64>,
}

/// The relying party's HTTP client: the outbound client ([`crate::outbound`]), each
/// answer read up to [`MAX_RESPONSE_BYTES`].
struct Bounded<'a>(&'a Outbound);

impl<'c> AsyncHttpClient<'c> for Bounded<'_> {
    type Error = OutboundError;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, OutboundError>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(self.0.send(request, MAX_RESPONSE_BYTES))
    }
}

/// The provider's discovery document and JWKS, from the cache or fetched (`refetch`: fetched
/// even when cached).
async fn metadata(
    state: &AppState,
    provider: &UpstreamRecord,
    refetch: bool,
) -> Result<Entry, RelyingPartyError> {
    let now = state.clock.now();
    if !refetch && let Some(entry) = state.upstreams.fresh(provider, now) {
        return Ok(entry);
    }
    if let Some(why) = state.upstreams.recent_failure(provider, now) {
        return Err(RelyingPartyError::Unreachable(why));
    }
    let issuer = IssuerUrl::new(provider.issuer.clone())
        .map_err(|e| RelyingPartyError::Unreachable(e.to_string()))?;
    let http = Bounded(&state.outbound);
    let metadata = match CoreProviderMetadata::discover_async(issuer, &http).await {
        Ok(metadata) => metadata,
        Err(error) => {
            let why = error_chain(&error);
            state.upstreams.failed(provider, now, &why);
            return Err(RelyingPartyError::Unreachable(why));
        }
    };
    let endpoints = [
        Some(metadata.authorization_endpoint().url()),
        metadata.token_endpoint().map(|e| e.url()),
        Some(metadata.jwks_uri().url()),
    ];
    if endpoints
        .into_iter()
        .flatten()
        .any(|url| !super::https_or_loopback(url))
    {
        return Err(RelyingPartyError::Refused(
            "the discovery document names an endpoint that is neither https nor loopback".into(),
        ));
    }
    let entry = Entry {
        issuer: provider.issuer.clone(),
        fetched_at: now,
        metadata,
    };
    state.upstreams.keep(provider, entry.clone());
    Ok(entry)
}

fn redirect_url(state: &AppState) -> Result<RedirectUrl, RelyingPartyError> {
    RedirectUrl::new(super::redirect_uri(state))
        .map_err(|e| RelyingPartyError::Unreachable(e.to_string()))
}

fn client_of(
    state: &AppState,
    provider: &UpstreamRecord,
    metadata: CoreProviderMetadata,
) -> Result<
    CoreClient<
        openidconnect::EndpointSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointMaybeSet,
        openidconnect::EndpointMaybeSet,
    >,
    RelyingPartyError,
> {
    Ok(CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(provider.client_id.clone()),
        Some(ClientSecret::new(provider.client_secret.clone())),
    )
    .set_redirect_uri(redirect_url(state)?))
}

/// The URL that sends the browser to the provider, and what the callback will need.
pub async fn start(
    state: &AppState,
    provider: &UpstreamRecord,
    max_age: Option<i64>,
) -> Result<(String, Started), RelyingPartyError> {
    let entry = metadata(state, provider, false).await?;
    let client = client_of(state, provider, entry.metadata)?;
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut request = client.authorize_url(
        AuthenticationFlow::<CoreResponseType>::AuthorizationCode,
        CsrfToken::new_random,
        Nonce::new_random,
    );
    for scope in provider
        .scopes
        .split_whitespace()
        .filter(|s| *s != "openid")
    {
        request = request.add_scope(Scope::new(scope.to_string()));
    }
    // A sign-in that must be fresh is asked for as one (Core §3.1.2.1), and `finish` checks
    // the provider's `auth_time` against it.
    if let Some(max_age) = max_age {
        let seconds = std::time::Duration::from_secs(max_age.max(0) as u64);
        request = request.set_max_age(seconds);
        if max_age == 0 {
            request = request.add_prompt(CoreAuthPrompt::Login);
        }
    }
    let (url, csrf, nonce) = request.set_pkce_challenge(challenge).url();
    let started = Started {
        provider_id: provider.id.clone(),
        state: csrf.secret().clone(),
        nonce: nonce.secret().clone(),
        pkce_verifier: verifier.secret().clone(),
        signed_in_after: max_age.map(|age| state.clock.now() - age.max(0) - CLOCK_SKEW_SECS),
    };
    Ok((url.to_string(), started))
}

/// Exchanges the code the provider sent back and verifies its ID token: who signed in.
pub async fn finish(
    state: &AppState,
    provider: &UpstreamRecord,
    started: &Started,
    code: &str,
) -> Result<Identity, RelyingPartyError> {
    let entry = metadata(state, provider, false).await?;
    let client = client_of(state, provider, entry.metadata.clone())?;
    let http = Bounded(&state.outbound);
    let exchange = client
        .exchange_code(AuthorizationCode::new(code.to_string()))
        .map_err(|e| RelyingPartyError::Unreachable(e.to_string()))?
        .set_pkce_verifier(PkceCodeVerifier::new(started.pkce_verifier.clone()));
    let response = exchange.request_async(&http).await.map_err(|e| match e {
        openidconnect::RequestTokenError::ServerResponse(answer) => {
            RelyingPartyError::Refused(answer.to_string())
        }
        other => RelyingPartyError::Unreachable(error_chain(&other)),
    })?;
    let id_token = response
        .id_token()
        .ok_or_else(|| RelyingPartyError::Refused("no ID token in the answer".into()))?;
    let nonce = Nonce::new(started.nonce.clone());
    let verified = {
        let verifier = client.id_token_verifier();
        id_token
            .claims(&verifier, &nonce)
            .map(|c| identity(provider, c, started))
    };
    let identity = match verified {
        Ok(identity) => identity,
        // OpenID Connect Core §10.1.1: the provider may have rotated its keys.
        Err(ClaimsVerificationError::SignatureVerification(
            SignatureVerificationError::NoMatchingKey,
        )) if entry.fetched_at + REFETCH_AFTER_SECS <= state.clock.now() => {
            let entry = metadata(state, provider, true).await?;
            let client = client_of(state, provider, entry.metadata)?;
            let verifier = client.id_token_verifier();
            id_token
                .claims(&verifier, &nonce)
                .map(|c| identity(provider, c, started))
                .map_err(|e| RelyingPartyError::Refused(e.to_string()))?
        }
        Err(error) => return Err(RelyingPartyError::Refused(error.to_string())),
    };
    identity.ok_or(RelyingPartyError::Stale)
}

/// How far the provider's clock may be off ours when its `auth_time` is checked.
pub(crate) const CLOCK_SKEW_SECS: i64 = 60;

/// The RFC 8176 value that shows more than one factor. `otp`, `hwk` and `sc` may each be
/// the only factor (farm-auth itself states `otp` for a sign-in by mailed code alone), so
/// they do not stand for our second factor.
const MULTI_FACTOR: &[&str] = &["mfa"];

/// Who signed in, if the sign-in is as recent as `started` asked for.
fn identity(
    provider: &UpstreamRecord,
    claims: &openidconnect::core::CoreIdTokenClaims,
    started: &Started,
) -> Option<Identity> {
    if let Some(after) = started.signed_in_after {
        let at = claims.auth_time().map(|t| t.timestamp());
        if at.is_none_or(|at| at < after) {
            return None;
        }
    }
    let multi_factor = claims.auth_method_refs().is_some_and(|amr| {
        amr.iter()
            .any(|value| MULTI_FACTOR.contains(&value.as_str()))
    });
    Some(Identity {
        provider_id: provider.id.clone(),
        subject: claims.subject().as_str().to_string(),
        email: claims.email().map(|e| e.as_str().to_string()),
        email_verified: claims.email_verified() == Some(true),
        preferred_username: claims.preferred_username().map(|u| u.as_str().to_string()),
        multi_factor,
        auth_time: claims.auth_time().map(|t| t.timestamp()),
    })
}
