//! The HTTP server: our own accept loop on hyper-util in place of `axum::serve`, which runs
//! hyper without a timer and so without a header-read timeout or a connection cap. Here
//! every connection is bounded:
//!
//! - at most `max_connections` at once; beyond them the loop stops accepting, and new
//!   connections wait in the kernel's listen backlog (refused by the kernel once it is full);
//! - a request head must arrive within `header_timeout` of the connection opening or of its
//!   last response: a half-sent request (slowloris), a silent connection and an idle
//!   keep-alive connection are closed after it (hyper's HTTP/1 header timer, and a watch of
//!   our own that also covers HTTP/2 and the bytes before the protocol is known);
//! - HTTP/2: keep-alive pings find dead peers, and streams per connection are limited;
//! - on shutdown no connection is accepted, idle ones are closed, and requests in flight
//!   finish (each is bounded by the request timeout), then their connections close.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::Request;
use axum::response::Response;
use http_body_util::BodyExt;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;
use tower::{Service, ServiceExt};

use super::error::DatabaseUnavailable;
use crate::config::HttpLimits;
use crate::state::AppState;

/// How often each connection's watch looks at it.
const WATCH_EVERY: Duration = Duration::from_millis(250);
/// After shutdown begins, how long a connection with nothing in flight is left to close by
/// itself (hyper closes idle HTTP/1 connections at once; HTTP/2 ones send GOAWAY) before it
/// is dropped: a half-sent request does not hold shutdown up.
const DRAIN_IDLE_GRACE: Duration = Duration::from_secs(1);

/// Serves `state`'s routes on `listener` until `shutdown` completes, then drains: returns
/// once every connection has closed, or after `drain_deadline` at the latest.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
    drain_deadline: Duration,
) {
    let limits = state.config.http.clone();
    let builder = Arc::new(connection_builder(&limits));
    let mut make_service =
        super::router(state.clone()).into_make_service_with_connect_info::<SocketAddr>();
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let (stop, stopping) = watch::channel(false);
    let mut connections = JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        // At the cap, wait for a connection to end before accepting another.
        let slot = tokio::select! {
            biased;
            () = &mut shutdown => break,
            slot = slots.clone().acquire_owned() => slot.expect("the semaphore is never closed"),
        };
        let (stream, remote) = tokio::select! {
            biased;
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    accept_failed(error).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        // `ConnectInfo<SocketAddr>` for the handlers, as `axum::serve` gave it.
        let Ok(service) = make_service.call(remote).await;
        // Outside the router: a request that needs no CORS pays one header lookup.
        let service = super::cors::for_browsers(service, &state);
        let connection = Connection {
            builder: builder.clone(),
            header_timeout: limits.header_timeout,
            stopping: stopping.clone(),
            store: state.store.clone(),
        };
        connections.spawn(async move {
            connection.serve(stream, service).await;
            drop(slot);
        });
        // Reap finished connections so the set does not grow with the server's age.
        while connections.try_join_next().is_some() {}
    }
    drop(listener);
    let _ = stop.send(true);
    let open = connections.len();
    tracing::info!(open, "stopped accepting; draining connections");
    let drained = tokio::time::timeout(drain_deadline, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!(
            open = connections.len(),
            "requests in flight did not finish in time; closing their connections"
        );
        connections.shutdown().await;
    }
}

fn connection_builder(limits: &HttpLimits) -> auto::Builder<TokioExecutor> {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .keep_alive(true);
    builder
        .http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(limits.http2_ping_interval)
        .keep_alive_timeout(limits.http2_ping_timeout)
        .max_concurrent_streams(limits.http2_max_streams);
    builder
}

/// An accept error: a connection that died in the backlog is nothing; anything else (out
/// of file descriptors, say) is logged and the loop pauses rather than spinning on it.
async fn accept_failed(error: std::io::Error) {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(
        error.kind(),
        ConnectionAborted | ConnectionRefused | ConnectionReset
    ) {
        return;
    }
    tracing::error!(%error, "cannot accept connections; pausing a second");
    tokio::time::sleep(Duration::from_secs(1)).await;
}

/// What one connection's task needs.
struct Connection {
    builder: Arc<auto::Builder<TokioExecutor>>,
    header_timeout: Duration,
    stopping: watch::Receiver<bool>,
    store: crate::store::Store,
}

impl Connection {
    async fn serve<S>(mut self, stream: TcpStream, service: S)
    where
        S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
        S::Future: Send,
    {
        let activity = Arc::new(Activity::new(self.store.clone()));
        let tracked = track(service, activity.clone());
        let connection = self
            .builder
            .serve_connection(TokioIo::new(stream), TowerToHyperService::new(tracked));
        tokio::pin!(connection);
        let mut watch = tokio::time::interval(WATCH_EVERY);
        let mut draining_since: Option<Instant> = None;
        loop {
            tokio::select! {
                _ = connection.as_mut() => return,
                _ = self.stopping.wait_for(|stop| *stop), if draining_since.is_none() => {
                    connection.as_mut().graceful_shutdown();
                    draining_since = Some(Instant::now());
                }
                _ = watch.tick() => {
                    if activity.in_flight() > 0 {
                        continue;
                    }
                    match draining_since {
                        // Idle past the header timeout: ask it to close, then drop it.
                        None if activity.idle_for() >= self.header_timeout => {
                            connection.as_mut().graceful_shutdown();
                            draining_since = Some(Instant::now());
                        }
                        Some(since) if since.elapsed() >= DRAIN_IDLE_GRACE => return,
                        _ => {}
                    }
                }
            }
        }
    }
}

/// Requests in flight on one connection, and since when it has had none; and the store,
/// which a response marked [`DatabaseUnavailable`] reports the outage to.
struct Activity {
    store: crate::store::Store,
    opened: Instant,
    in_flight: AtomicUsize,
    /// Milliseconds after `opened` when the last request finished (0: none yet).
    idle_since_ms: AtomicU64,
}

impl Activity {
    fn new(store: crate::store::Store) -> Activity {
        Activity {
            store,
            opened: Instant::now(),
            in_flight: AtomicUsize::new(0),
            idle_since_ms: AtomicU64::new(0),
        }
    }

    fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::Acquire)
    }

    fn idle_for(&self) -> Duration {
        let since = Duration::from_millis(self.idle_since_ms.load(Ordering::Acquire));
        self.opened.elapsed().saturating_sub(since)
    }

    fn begin(self: &Arc<Self>) -> InFlight {
        self.in_flight.fetch_add(1, Ordering::AcqRel);
        InFlight(self.clone())
    }
}

/// One request in flight, until its response body has been sent (or dropped).
struct InFlight(Arc<Activity>);

impl Drop for InFlight {
    fn drop(&mut self) {
        let activity = &self.0;
        let now = activity.opened.elapsed().as_millis() as u64;
        activity.idle_since_ms.store(now, Ordering::Release);
        activity.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Wraps the router so that each request counts as in flight until its body is sent, and a
/// response marked [`DatabaseUnavailable`] reports the outage to the store (logged once).
fn track<S>(
    service: S,
    activity: Arc<Activity>,
) -> impl Service<
    hyper::Request<hyper::body::Incoming>,
    Response = Response,
    Error = Infallible,
    Future = impl Future<Output = Result<Response, Infallible>> + Send,
> + Clone
+ Send
+ 'static
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send,
{
    tower::service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
        let in_flight = activity.begin();
        let service = service.clone();
        async move {
            let Ok(response) = service.oneshot(request.map(Body::new)).await;
            if let Some(DatabaseUnavailable(cause)) = response.extensions().get() {
                in_flight.0.store.report_unavailable(cause);
            }
            Ok(response.map(|body| {
                Body::new(body.map_frame(move |frame| {
                    let _until_sent = &in_flight;
                    frame
                }))
            }))
        }
    })
}
