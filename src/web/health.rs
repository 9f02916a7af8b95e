//! Liveness and readiness probes.

use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;

use crate::app::Readiness;
use crate::state::AppState;

/// `/readyz` answers within this, whatever the database does: a probe that hangs tells a
/// load balancer nothing, and it would send traffic on meanwhile.
const READY_WITHIN: Duration = Duration::from_millis(900);
/// How long one probe's answer stands.
const PROBE_EVERY: Duration = Duration::from_secs(1);

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
/// balancer sends traffic only while this is 200. The write is made once a second at most,
/// whoever asks ([`crate::app::LastProbe`]): the probe is public.
async fn get_readyz(State(state): State<AppState>) -> (StatusCode, &'static str) {
    if state.draining.is_draining() {
        return (StatusCode::SERVICE_UNAVAILABLE, "shutting down\n");
    }
    // One probe at a time; those who waited for it take its answer.
    let mut last = state.last_probe.0.lock().await;
    let answer = match *last {
        Some((at, answer)) if at.elapsed() < PROBE_EVERY => answer,
        _ => {
            let answer = probe(&state).await;
            *last = Some((Instant::now(), answer));
            answer
        }
    };
    match answer {
        Readiness::Ready => (StatusCode::OK, "ready\n"),
        Readiness::Unavailable(why) => (StatusCode::SERVICE_UNAVAILABLE, why),
    }
}

async fn probe(state: &AppState) -> Readiness {
    let probe = state.store.probe_write(state.clock.now());
    match tokio::time::timeout(READY_WITHIN, probe).await {
        Ok(Ok(())) => Readiness::Ready,
        Ok(Err(error)) if error.is_unavailable() => {
            state.store.report_unavailable(&error.to_string());
            Readiness::Unavailable("database unavailable\n")
        }
        Ok(Err(error)) => {
            tracing::warn!(%error, "readiness check failed");
            Readiness::Unavailable("database unavailable\n")
        }
        Err(_) => Readiness::Unavailable("database too slow\n"),
    }
}
