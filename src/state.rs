//! What every request handler and every domain function can reach: configuration,
//! storage, keys, time. The domain takes `&AppState` everywhere, and the command line opens
//! one too ([`AppState::open`]), so that it calls the same functions the server does.

use std::net::SocketAddr;
use std::sync::Arc;

use crate::clock::Clock;
use crate::config::Config;
use crate::keys::KeyRing;
use crate::mail::Mailer;
use crate::oauth2::apis::ApiRegistry;
use crate::oauth2::rate_limit::RateLimiter;
use crate::oauth2::registry::ClientRegistry;
use crate::oauth2::revocation_list::RevocationList;
use crate::oauth2::verified_tokens::VerifiedTokens;
use crate::outbound::{AddressPolicy, Outbound};
use crate::secrets::Sealer;
use crate::store::Store;
use crate::store::sealed::Reseal;
use anyhow::Context;

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
    /// that the request is answered 503 with `Retry-After`, never dropped.
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
    /// The registered APIs (resource servers), their audiences and scopes, in memory.
    pub apis: Arc<ApiRegistry>,
    /// Set when shutdown begins: `/readyz` fails from then on.
    pub draining: Arc<crate::app::Draining>,
    /// The readiness probe's last answer, shared for a second.
    pub last_probe: Arc<crate::app::LastProbe>,
    /// The key that signs sign-up challenges, read from the database on first use.
    pub challenge_key: Arc<crate::accounts::signup_challenge::ChallengeKey>,
    /// The upstream providers' discovery documents and JWKS, cached.
    pub upstreams: Arc<crate::accounts::upstream::relying_party::Discovered>,
    /// The one client for the calls farm-auth makes (decision 162).
    pub outbound: crate::outbound::Outbound,
    /// The bell of the event dispatcher (webhooks, back-channel logout).
    pub events: Arc<crate::events::Dispatcher>,
}

/// Opens the database with the configured secret key, migrates it, and seals the secrets
/// written in clear by versions before sealing (idempotent, safe beside another process).
pub async fn open_store(config: &Config) -> anyhow::Result<Store> {
    let sealer = Sealer::for_database(
        &config.database_url,
        config.secret_key.as_ref(),
        &config.secret_key_previous,
    )?;
    let store = Store::connect_with(&config.database_url, config.database_timeout)
        .await
        .context("cannot open the database (FARM_AUTH_DATABASE_URL)")?
        .sealed_with(Arc::new(sealer));
    store
        .migrate()
        .await
        .context("cannot migrate the database")?;
    let sealed = store
        .reseal(Reseal::Plain)
        .await
        .context("cannot seal the secrets stored in clear")?;
    if sealed > 0 {
        tracing::info!(sealed, "sealed secrets that were stored in clear");
    }
    Ok(store)
}

impl AppState {
    /// Opens the database ([`open_store`]: migrating it and sealing secrets left in clear),
    /// loads the signing keys and the revocation list, and prepares the client cache and the
    /// mailer. `local_addr` is the address the issuer is derived from when none is
    /// configured. Writes nothing else and starts no background task:
    /// the server's start-up makes the first signing key and starts the workers
    /// ([`crate::App`]); the command line needs neither (mail it queues is sent by a running
    /// server's outbox worker).
    pub async fn open(
        config: Config,
        local_addr: SocketAddr,
        clock: Clock,
    ) -> anyhow::Result<AppState> {
        let store = open_store(&config).await?;
        let keys = KeyRing::load(
            store.clone(),
            clock.clone(),
            config.key_retention().as_secs() as i64,
        )
        .await
        .context("cannot load signing keys")?;
        let issuer: Arc<str> = config.issuer_for(local_addr).into();
        let audience: Arc<str> = config
            .access_token_audience
            .as_deref()
            .unwrap_or(&issuer)
            .into();
        let revocations = RevocationList::load(store.clone(), clock.clone())
            .await
            .context("cannot load the revocation list")?;
        let clients = ClientRegistry::new(
            store.clone(),
            clock.clone(),
            config.client_cache_ttl.as_secs(),
        );
        let apis = ApiRegistry::load(store.clone(), issuer.clone())
            .await
            .context("cannot load the registered APIs")?;
        let mailer = Mailer::from_config(&config, &issuer)?;
        let passkeys = crate::accounts::passkeys::relying_party(&issuer).map(Arc::new);
        let token_rate = RateLimiter::new(config.token_rate_limit);
        let outbound = Outbound::new(AddressPolicy::new(config.outbound_allow_networks.clone()));
        Ok(AppState {
            outbound,
            after_answer: Arc::new(tokio::sync::Semaphore::new(32)),
            token_rate: Arc::new(token_rate),
            passkeys,
            mailer: Arc::new(mailer),
            apis: Arc::new(apis),
            config: Arc::new(config),
            store,
            keys: Arc::new(keys),
            clients: Arc::new(clients),
            revocations: Arc::new(revocations),
            verified: Arc::default(),
            draining: Arc::default(),
            last_probe: Arc::default(),
            challenge_key: Arc::default(),
            upstreams: Arc::default(),
            events: Arc::default(),
            clock,
            issuer,
            audience,
        })
    }
}
