//! Liveness and readiness probes.

use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;

use crate::state::AppState;

/// `/readyz` answers within this, whatever the database does: a probe that hangs tells a
/// load balancer nothing, and it would send traffic on meanwhile.
const READY_WITHIN: Duration = Duration::from_millis(900);

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(get_healthz))
        .route("/readyz", get(get_readyz))
}

/// The process is alive and serving; says nothing of the database, so that a database
/// outage does not get every replica restarted.
async fn get_healthz() -> &'static str {
    "ok\n"
}

/// Ready while not shutting down and the database takes a write, not only a SELECT; a load
/// balancer sends traffic only while this is 200.
async fn get_readyz(State(state): State<AppState>) -> (StatusCode, &'static str) {
    if state.draining.is_draining() {
        return (StatusCode::SERVICE_UNAVAILABLE, "shutting down\n");
    }
    let probe = state.store.probe_write(state.clock.now());
    match tokio::time::timeout(READY_WITHIN, probe).await {
        Ok(Ok(())) => (StatusCode::OK, "ready\n"),
        Ok(Err(error)) if error.is_unavailable() => {
            state.store.report_unavailable(&error.to_string());
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n")
        }
        Ok(Err(error)) => {
            tracing::warn!(%error, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n")
        }
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "database too slow\n"),
    }
}
