//! Start-up and shutdown, shared by the binary and the tests: the server is handed a bound
//! listener, so tests start it on port 0.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::Context;
use tokio::net::TcpListener;

use crate::clock::Clock;
use crate::config::{Config, MAX_KEY_RETENTION_SECS};
use crate::mail;
use crate::state::AppState;
use crate::store::Store;
use crate::web;

/// How often expired revocations and retired keys are swept from the database.
const SWEEP_INTERVAL: Duration = Duration::from_secs(600);

pub struct App {
    listener: TcpListener,
    /// `FARM_AUTH_METRICS_LISTEN`, bound.
    metrics: Option<TcpListener>,
    state: AppState,
}

impl App {
    /// Binds `config.listen` and prepares the server (database, migrations, keys).
    pub async fn build(config: Config) -> anyhow::Result<App> {
        let listener = TcpListener::bind(config.listen)
            .await
            .with_context(|| format!("cannot listen on {} (FARM_AUTH_LISTEN)", config.listen))?;
        App::from_listener(config, listener, Clock::System).await
    }

    /// Prepares the server on an already bound listener, with the given clock.
    pub async fn from_listener(
        config: Config,
        listener: TcpListener,
        clock: Clock,
    ) -> anyhow::Result<App> {
        let metrics = match config.metrics_listen {
            None => None,
            Some(address) => Some(TcpListener::bind(address).await.with_context(|| {
                format!("cannot listen on {address} (FARM_AUTH_METRICS_LISTEN)")
            })?),
        };
        let state = AppState::open(config, listener.local_addr()?, clock).await?;
        state
            .keys
            .ensure_signing_key()
            .await
            .context("cannot make the first signing key")?;
        if state.passkeys.is_none() {
            tracing::info!(issuer = %state.issuer, "passkeys are off: WebAuthn needs an issuer with a host name (such as localhost), not an IP address");
        }
        Ok(App {
            listener,
            metrics,
            state,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    /// The metrics listener's address, when there is one.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics.as_ref().and_then(|l| l.local_addr().ok())
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `shutdown` completes. Then, at once, `/readyz` fails and no connection
    /// is accepted; idle connections close, requests in flight finish (each bounded by the
    /// request timeout), and the call returns when the last connection has closed.
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let App {
            listener,
            metrics,
            state,
        } = self;
        tracing::info!(address = %listener.local_addr()?, issuer = %state.issuer, "farm-auth listening");
        let mut background = Vec::from(background_tasks(&state));
        if let Some(metrics) = metrics {
            let state = state.clone();
            background.push(tokio::spawn(async move {
                if let Err(error) = crate::metrics::serve(metrics, state).await {
                    tracing::error!(%error, "the metrics listener stopped");
                }
            }));
        }
        let draining = state.draining.clone();
        let shutdown = async move {
            shutdown.await;
            draining.begin();
        };
        // A request in flight has the request timeout to finish, and a second more for its
        // response to be written; nothing holds the process longer.
        let drain_deadline = web::REQUEST_TIMEOUT + Duration::from_secs(1);
        web::serve::serve(listener, state.clone(), shutdown, drain_deadline).await;
        for task in background {
            task.abort();
        }
        state.store.close().await;
        tracing::info!("farm-auth stopped");
        Ok(())
    }
}

/// Set once shutdown begins: `/readyz` fails from then on, so that a load balancer stops
/// sending requests while those in flight finish.
#[derive(Debug, Default)]
pub struct Draining(AtomicBool);

impl Draining {
    pub fn begin(&self) {
        self.0.store(true, Ordering::Release);
    }

    pub fn is_draining(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }
}

/// The last answer of the readiness probe and when it was made: `/readyz` is public and each
/// probe is a write, so one probe a second is made, at most, and every caller in that second
/// (or waiting for it) shares its answer.
#[derive(Debug, Default)]
pub struct LastProbe(pub tokio::sync::Mutex<Option<(std::time::Instant, Readiness)>>);

/// What `/readyz` answers: ready, or not and why.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Readiness {
    Ready,
    Unavailable(&'static str),
}

/// Runs `job` every `interval` until aborted; a failure is logged and retried next time.
fn every<F, Fut>(interval: Duration, what: &'static str, job: F) -> tokio::task::JoinHandle<()>
where
    F: Fn() -> Fut + Send + 'static,
    Fut: Future<Output = Result<(), String>> + Send,
{
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tick.tick().await; // the first tick is immediate; start-up has just done the work
        loop {
            tick.tick().await;
            if let Err(error) = job().await {
                tracing::warn!(%error, "{what} failed; trying again later");
            }
        }
    })
}

/// The work that keeps this process in step with the database and the database tidy.
fn background_tasks(state: &AppState) -> [tokio::task::JoinHandle<()>; 6] {
    let config = &state.config;
    let (keys, revocations, sweep) = (state.clone(), state.clone(), state.clone());
    let apis = state.clone();
    [
        // A rotation made elsewhere is picked up within the interval.
        every(
            config.key_refresh_interval,
            "signing key refresh",
            move || {
                let state = keys.clone();
                async move {
                    // A key withdrawn by hand (after a compromise, say) stops its tokens as
                    // soon as the new set is in force: the verified-token cache is per set.
                    state.keys.refresh().await.map_err(|e| e.to_string())?;
                    Ok(())
                }
            },
        ),
        // So is a revocation made at another replica.
        every(
            config.revocation_sync_interval,
            "revocation sync",
            move || {
                let state = revocations.clone();
                async move {
                    state
                        .revocations
                        .sync()
                        .await
                        .map(drop)
                        .map_err(|e| e.to_string())
                }
            },
        ),
        // APIs registered or changed elsewhere, within the bound clients have (at least
        // every second, even when the client cache is off).
        every(
            config.client_cache_ttl.max(Duration::from_secs(1)),
            "API registry reload",
            move || {
                let state = apis.clone();
                async move { state.apis.reload().await.map_err(|e| e.to_string()) }
            },
        ),
        every(SWEEP_INTERVAL, "sweep of expired rows", move || {
            let state = sweep.clone();
            async move {
                sweep_expired(&state.store, state.clock.now())
                    .await
                    .map(drop)
                    .map_err(|e| e.to_string())
            }
        }),
        // Mail waiting in the outbox, sent as soon as it is written and retried after.
        tokio::spawn(mail::run_outbox(state.clone())),
        // Events of changes made here, elsewhere or on the command line, fanned out to
        // webhook endpoints and back-channel logout URIs.
        tokio::spawn(crate::events::run(state.clone())),
    ]
}

/// Deletes what is past its time, table after table. Each table's sweep goes in batches of
/// at most 500 rows found through an index, each batch its own short transaction,
/// with a pause between batches ([`crate::store::SweepPace`]): on SQLite, where a writer
/// waits for the one before it, requests that write are held for one batch at most, not
/// for the sweep of a ten-million-row table. Returns how many rows went. Public so that
/// the load benchmark's seeded mode runs exactly this sweep beside the server.
pub async fn sweep_expired(store: &Store, now: i64) -> Result<u64, crate::store::StoreError> {
    let revocations = store.delete_expired_revocations(now).await?;
    let keys = store
        .delete_expired_signing_keys(now - MAX_KEY_RETENTION_SECS)
        .await?;
    let sessions = store.delete_expired_sessions(now).await?;
    let grants = store.delete_expired_grants(now).await?
        // Kept a while past expiry, so a late poll still hears `expired_token`.
        + store
            .delete_expired_device_authorizations(now - crate::oauth2::device::EXPIRED_KEPT_SECS)
            .await?;
    const DAY: i64 = 86_400;
    let security = store.delete_expired_email_tokens(now).await?
        + store.delete_stale_throttles(now - DAY, now).await?
        + store.delete_old_rate_windows(now - 3_600).await?
        + store.delete_expired_challenges(now).await?
        + store.delete_spent_initial_access_tokens(now).await?
        + store.delete_expired_invitations(now).await?
        + store.delete_finished_mail(now - 7 * DAY).await?
        + store
            .delete_finished_events(
                now - crate::events::RETENTION_SECS,
                (now - crate::events::SPENT_EVENT_SECS) * 1_000,
            )
            .await?
        + store
            .delete_unused_known_devices(now - crate::accounts::devices::DEVICE_TTL_SECS)
            .await?
        + store
            .delete_audit_events_before(now - crate::accounts::audit::RETENTION_SECS)
            .await?;
    if revocations + keys + sessions + grants + security > 0 {
        tracing::info!(
            revocations,
            keys,
            sessions,
            grants,
            security,
            "swept expired rows"
        );
    }
    Ok(revocations + keys + sessions + grants + security)
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutdown requested; finishing in-flight requests");
}
