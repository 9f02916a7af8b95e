//! The metrics listener: `GET /metrics` on `FARM_AUTH_METRICS_LISTEN`, apart from the
//! public listener so that only the operators' network reaches it. A scrape reads the
//! process's counters and, at that moment, the database pool, the signing key's age and the
//! mail outbox's backlog.
//!
//! Whoever reaches the port must not be able to hurt the public side: at most
//! [`MAX_CONNECTIONS`] connections, each with the public listener's header-read timeout and
//! ended after [`CONNECTION_LIFETIME`]; and the database reads of a scrape is made by one
//! scrape at a time and kept [`BACKLOG_TTL`], so a flood of scrapes takes one pool connection
//! every few seconds at most.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use prometheus_client::encoding::text::{encode_eof, encode_registry};
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use tokio::net::TcpListener;
use tokio::sync::{Mutex, Semaphore};

use super::METRICS;
use crate::state::AppState;

/// Connections the metrics listener holds at once; Prometheus needs one per server.
const MAX_CONNECTIONS: usize = 8;
/// A connection is closed after this, kept alive or not (a scraper reconnects).
const CONNECTION_LIFETIME: Duration = Duration::from_secs(60);
/// How long the mail backlog read by one scrape serves the next ones.
const BACKLOG_TTL: Duration = Duration::from_secs(15);

/// The last backlog read and when; locked while a scrape reads it anew.
static BACKLOG: Mutex<Option<(Instant, Option<Backlog>)>> = Mutex::const_new(None);

/// What waits to go out: mail, events not yet fanned out, deliveries not yet made.
#[derive(Clone, Copy)]
struct Backlog {
    mail: i64,
    events: i64,
    deliveries: i64,
}

/// The OpenMetrics text format; Prometheus asks for it and reads it.
const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Serves the metrics on `listener` until the task is aborted.
pub async fn serve(listener: TcpListener, state: AppState) -> std::io::Result<()> {
    let address: SocketAddr = listener.local_addr()?;
    tracing::info!(%address, "metrics listening");
    let builder = Arc::new(crate::web::serve::connection_builder(&state.config.http));
    let router = Router::new()
        .route("/metrics", get(get_metrics))
        .with_state(state);
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    loop {
        let slot = slots
            .clone()
            .acquire_owned()
            .await
            .expect("the semaphore is never closed");
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(error) => {
                crate::web::serve::accept_failed(error).await;
                continue;
            }
        };
        let (builder, service) = (builder.clone(), TowerToHyperService::new(router.clone()));
        tokio::spawn(async move {
            let connection = builder.serve_connection(TokioIo::new(stream), service);
            let _ = tokio::time::timeout(CONNECTION_LIFETIME, connection).await;
            drop(slot);
        });
    }
}

async fn get_metrics(State(state): State<AppState>) -> Response {
    match scrape(&state).await {
        Ok(text) => ([(header::CONTENT_TYPE, CONTENT_TYPE)], text).into_response(),
        Err(error) => {
            tracing::warn!(%error, "metrics could not be encoded");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// The metrics text: the process's counters, then what is read now. A database that cannot
/// answer leaves the backlog out rather than failing the scrape.
pub async fn scrape(state: &AppState) -> Result<String, std::fmt::Error> {
    let mut now = Registry::with_prefix("farm_auth");
    let pool = state.store.pool_use();
    let gauge = |registry: &mut Registry, name: &str, help: &str, value: i64| {
        let metric = Gauge::<i64>::default();
        metric.set(value);
        registry.register(name, help, metric);
    };
    gauge(
        &mut now,
        "db_pool_connections",
        "Database connections open",
        pool.open,
    );
    gauge(
        &mut now,
        "db_pool_idle_connections",
        "Database connections open and idle",
        pool.idle,
    );
    gauge(
        &mut now,
        "db_pool_max_connections",
        "Database connections the pool may open",
        pool.max,
    );
    gauge(
        &mut now,
        "db_outage",
        "1 while the database is unavailable (requests are answered 503)",
        i64::from(state.store.in_outage()),
    );
    if let Some(since) = state.keys.current().active_since() {
        gauge(
            &mut now,
            "signing_key_age_seconds",
            "How long the key that signs now has been signing",
            (state.clock.now() - since).max(0),
        );
    }
    if let Some(backlog) = backlog(state).await {
        gauge(
            &mut now,
            "mail_outbox_pending",
            "Mail neither sent nor given up",
            backlog.mail,
        );
        gauge(
            &mut now,
            "event_outbox_pending",
            "Events not yet fanned out to their receivers",
            backlog.events,
        );
        gauge(
            &mut now,
            "event_deliveries_pending",
            "Webhooks and logout tokens waiting to be delivered (retries included)",
            backlog.deliveries,
        );
    }
    let mut text = String::new();
    encode_registry(&mut text, &METRICS.registry)?;
    encode_registry(&mut text, &now)?;
    encode_eof(&mut text)?;
    Ok(text)
}

/// The outboxes' backlog, read at most every [`BACKLOG_TTL`] by one scrape at a time;
/// `None` when the database could not answer.
async fn backlog(state: &AppState) -> Option<Backlog> {
    let mut kept = BACKLOG.lock().await;
    if let Some((at, backlog)) = *kept
        && at.elapsed() < BACKLOG_TTL
    {
        return backlog;
    }
    let mail = state.store.count_pending_mail().await.ok();
    let events = state.store.count_event_backlog().await.ok();
    let backlog = match (mail, events) {
        (Some(mail), Some((events, deliveries))) => Some(Backlog {
            mail,
            events,
            deliveries,
        }),
        _ => None,
    };
    *kept = Some((Instant::now(), backlog));
    backlog
}
