//! What every request handler can reach: configuration, storage, keys, time.

use std::sync::Arc;

use bytes::Bytes;

use crate::clock::Clock;
use crate::config::Config;
use crate::keys::KeyRing;
use crate::mail::Mailer;
use crate::oauth2::registry::ClientRegistry;
use crate::oauth2::revocation_list::RevocationList;
use crate::oauth2::verified_tokens::VerifiedTokens;
use crate::store::Store;

#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub store: Store,
    pub keys: Arc<KeyRing>,
    pub clients: Arc<ClientRegistry>,
    pub revocations: Arc<RevocationList>,
    /// Access tokens whose signature was checked already.
    pub verified: Arc<VerifiedTokens>,
    pub clock: Clock,
    /// Work done after the answer (reset mail lookups), at most this many at once; beyond
    /// that it is dropped (a flood's own requests, mostly), and logged.
    pub after_answer: Arc<tokio::sync::Semaphore>,
    /// The token endpoint's per-client request limit.
    pub token_rate: Arc<crate::oauth2::rate_limit::RateLimiter>,
    /// Outgoing mail and the bell of its outbox worker.
    pub mailer: Arc<Mailer>,
    /// The WebAuthn relying party; `None` when the issuer's host is an IP address.
    pub passkeys: Option<Arc<webauthn_rs::Webauthn>>,
    /// The issuer in force (configured, or derived from the bound address), no trailing slash.
    pub issuer: Arc<str>,
    /// The `aud` of access tokens.
    pub audience: Arc<str>,
    /// The provider metadata document, serialized once.
    pub discovery: Bytes,
}
