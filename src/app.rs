//! Start-up and shutdown, shared by the binary and the tests: the server is handed a bound
//! listener, so tests start it on port 0.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::net::TcpListener;

use crate::clock::Clock;
use crate::config::Config;
use crate::keys::KeyRing;
use crate::oidc::discovery;
use crate::state::AppState;
use crate::store::Store;
use crate::web;

/// How often expired revocations and retired keys are swept from the database.
const SWEEP_INTERVAL: Duration = Duration::from_secs(600);

pub struct App {
    listener: TcpListener,
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
        let store = Store::connect(&config.database_url)
            .await
            .context("cannot open the database (FARM_AUTH_DATABASE_URL)")?;
        store
            .migrate()
            .await
            .context("cannot migrate the database")?;
        let keys = KeyRing::load(store.clone(), clock.clone())
            .await
            .context("cannot load signing keys")?;
        let issuer: Arc<str> = config.issuer_for(listener.local_addr()?).into();
        let audience: Arc<str> = config
            .access_token_audience
            .as_deref()
            .unwrap_or(&issuer)
            .into();
        let state = AppState {
            discovery: discovery::document(&issuer).into(),
            config: Arc::new(config),
            store,
            keys: Arc::new(keys),
            clock,
            issuer,
            audience,
        };
        Ok(App { listener, state })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `shutdown` completes, then lets in-flight requests finish.
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let App { listener, state } = self;
        tracing::info!(address = %listener.local_addr()?, issuer = %state.issuer, "farm-auth listening");
        let background = [
            tokio::spawn(refresh_keys(state.clone())),
            tokio::spawn(sweep_expired(state.clone())),
        ];
        let router = web::router(state.clone());
        let served = axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await;
        for task in background {
            task.abort();
        }
        state.store.close().await;
        tracing::info!("farm-auth stopped");
        served
    }
}

/// Re-reads the signing keys so a rotation made elsewhere is picked up within the interval.
async fn refresh_keys(state: AppState) {
    let mut tick = tokio::time::interval(state.config.key_refresh_interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if let Err(error) = state.keys.refresh().await {
            tracing::warn!(%error, "signing key refresh failed; keeping the current keys");
        }
    }
}

async fn sweep_expired(state: AppState) {
    let mut tick = tokio::time::interval(SWEEP_INTERVAL);
    loop {
        tick.tick().await;
        let now = state.clock.now();
        let swept = async {
            let revocations = state.store.delete_expired_revocations(now).await?;
            let keys = state.store.delete_expired_signing_keys(now).await?;
            Ok::<_, crate::store::StoreError>((revocations, keys))
        };
        match swept.await {
            Ok((revocations, keys)) if revocations + keys > 0 => {
                tracing::info!(revocations, keys, "swept expired rows");
            }
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "sweep of expired rows failed"),
        }
    }
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
