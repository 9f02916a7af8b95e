//! The HTTP server: our own accept loop on hyper-util in place of `axum::serve`, which runs
//! hyper without a timer and so without a header-read timeout or a connection cap. Here
//! every connection is bounded:
//!
//! - at most `max_connections` at once; beyond them the loop stops accepting, and new
//!   connections wait in the kernel's listen backlog (refused by the kernel once it is full);
//! - at most `max_connections_per_address` from one client address (an IPv4 address, an
//!   IPv6 /56) at once, so that one address cannot take every slot; beyond it a connection is
//!   closed at once, before a byte is read. Loopback and the trusted proxies are exempt
//!   (behind a proxy every connection comes from it);
//! - a request head must arrive within `header_timeout` of the connection opening or of its
//!   last response: a half-sent request (slowloris), a silent connection and an idle
//!   keep-alive connection are closed after it (hyper's HTTP/1 header timer, and a watch of
//!   our own that also covers HTTP/2 and the bytes before the protocol is known);
//! - a connection whose requests in flight make no progress (none finishes) for the request
//!   timeout plus `response_timeout` is dropped: a client that stops reading (an undrained
//!   HTTP/1 socket, a zero HTTP/2 flow-control window) holds a response and a slot no longer
//!   than that. The same watch looks, so no timer runs per request or per frame;
//! - HTTP/2: keep-alive pings find dead peers, and streams per connection are limited;
//! - on shutdown no connection is accepted, idle ones are closed, and requests in flight
//!   finish (each is bounded by the request timeout), then their connections close.

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
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
use crate::config::{HttpLimits, IpNet};
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
    let per_address = Arc::new(PerAddress::new(&limits));
    let browser_cors = super::cors::BrowserCors::new(&state);
    // A request that is still in flight after this has stopped making progress: its
    // handler is cut at the request timeout, so only the sending of its response remains.
    let stall_limit = super::REQUEST_TIMEOUT + limits.response_timeout;
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
        let Some(address_slot) = per_address.admit(remote.ip()) else {
            // Over its address's share: closed at once, nothing read (and its slot freed).
            tracing::debug!(%remote, "too many connections from this address; closed");
            continue;
        };
        let _ = stream.set_nodelay(true);
        // `ConnectInfo<SocketAddr>` for the handlers, as `axum::serve` gave it.
        let Ok(service) = make_service.call(remote).await;
        // Outside the router: a request that needs no CORS pays one header lookup.
        let service = browser_cors.wrap(service);
        let connection = Connection {
            builder: builder.clone(),
            header_timeout: limits.header_timeout,
            stall_limit,
            stopping: stopping.clone(),
            store: state.store.clone(),
        };
        connections.spawn(async move {
            connection.serve(stream, service).await;
            drop(address_slot);
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

pub(crate) fn connection_builder(limits: &HttpLimits) -> auto::Builder<TokioExecutor> {
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
pub(crate) async fn accept_failed(error: std::io::Error) {
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
    /// How long requests may stay in flight with none finishing before the connection is
    /// dropped (the request timeout plus `HttpLimits::response_timeout`).
    stall_limit: Duration,
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
        let mut stalled = Stall::default();
        loop {
            tokio::select! {
                _ = connection.as_mut() => return,
                _ = self.stopping.wait_for(|stop| *stop), if draining_since.is_none() => {
                    connection.as_mut().graceful_shutdown();
                    draining_since = Some(Instant::now());
                }
                _ = watch.tick() => {
                    if activity.in_flight() > 0 {
                        if stalled.for_longer_than(&activity, self.stall_limit) {
                            // The client does not take its response (RFC 9113 §6.9 lets
                            // it hold the window at zero; HTTP/1 lets it stop reading).
                            tracing::debug!("a response made no progress; connection dropped");
                            return;
                        }
                        continue;
                    }
                    stalled = Stall::default();
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

    /// When the last request finished, as a mark that changes whenever one does.
    fn last_finished(&self) -> u64 {
        self.idle_since_ms.load(Ordering::Acquire)
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

/// What the watch has seen of a connection with requests in flight: since when none of
/// them has finished. Read at each tick of the watch, from what [`Activity`] already keeps.
#[derive(Default)]
struct Stall {
    /// Since when, and the [`Activity::last_finished`] mark then.
    since: Option<(Instant, u64)>,
}

impl Stall {
    /// Whether requests have been in flight with none finishing for longer than `limit`.
    fn for_longer_than(&mut self, activity: &Activity, limit: Duration) -> bool {
        let mark = activity.last_finished();
        match self.since {
            Some((since, seen)) if seen == mark => since.elapsed() >= limit,
            _ => {
                self.since = Some((Instant::now(), mark));
                false
            }
        }
    }
}

/// Open connections per client address, so that one address cannot take every slot of the
/// connection cap. The map holds only addresses with a connection open (an entry goes at
/// zero), so it is bounded by the cap; it is touched twice per connection, never per request.
struct PerAddress {
    /// 0: no limit.
    limit: usize,
    /// Not counted: loopback and the trusted proxies, behind which every client arrives
    /// from one address.
    exempt: Vec<IpNet>,
    open: Mutex<HashMap<AddressKey, usize>>,
}

/// One address as counted: an IPv4 address, or an IPv6 /56 (one customer is commonly
/// delegated a whole /56, 256 networks of /64, and can connect from any address in it: per
/// /64, eight /64s of one home would take every slot of the default cap).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum AddressKey {
    V4(u32),
    V6(u64),
}

impl PerAddress {
    fn new(limits: &HttpLimits) -> PerAddress {
        PerAddress {
            limit: limits.max_connections_per_address,
            exempt: limits.per_address_exempt.clone(),
            open: Mutex::default(),
        }
    }

    /// Counts a new connection from `ip`; `None` when its address has as many open as it may.
    fn admit(self: &Arc<Self>, ip: IpAddr) -> Option<AddressSlot> {
        let ip = ip.to_canonical();
        if self.limit == 0 || self.exempt.iter().any(|net| net.contains(ip)) {
            return Some(AddressSlot(None));
        }
        let key = match ip {
            IpAddr::V4(ip) => AddressKey::V4(u32::from(ip)),
            IpAddr::V6(ip) => AddressKey::V6((u128::from(ip) >> 72) as u64),
        };
        let mut open = self.lock();
        let count = open.entry(key).or_insert(0);
        if *count >= self.limit {
            return None;
        }
        *count += 1;
        Some(AddressSlot(Some((self.clone(), key))))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<AddressKey, usize>> {
        // The map is consistent between statements; a panic elsewhere does not spoil it.
        self.open.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A connection counted against its address until it closes (`None`: not counted).
struct AddressSlot(Option<(Arc<PerAddress>, AddressKey)>);

impl Drop for AddressSlot {
    fn drop(&mut self) {
        if let Some((per_address, key)) = self.0.take() {
            let mut open = per_address.lock();
            if let Some(count) = open.get_mut(&key) {
                *count -= 1;
                if *count == 0 {
                    open.remove(&key);
                }
            }
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn per_address(limit: usize, exempt: &[&str]) -> Arc<PerAddress> {
        Arc::new(PerAddress {
            limit,
            exempt: exempt.iter().map(|n| IpNet::parse(n).unwrap()).collect(),
            open: Mutex::default(),
        })
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn an_address_gets_its_share_and_a_closed_connection_frees_its_place() {
        let counts = per_address(2, &[]);
        let first = counts.admit(ip("192.0.2.1")).expect("first");
        let _second = counts.admit(ip("192.0.2.1")).expect("second");
        assert!(counts.admit(ip("192.0.2.1")).is_none(), "over the share");
        assert!(counts.admit(ip("192.0.2.2")).is_some(), "another address");
        drop(first);
        assert!(counts.admit(ip("192.0.2.1")).is_some(), "a place was freed");
    }

    #[test]
    fn the_map_forgets_an_address_whose_connections_have_all_closed() {
        let counts = per_address(4, &[]);
        let slots: Vec<_> = (0..100)
            .map(|n| counts.admit(ip(&format!("198.51.100.{n}"))).unwrap())
            .collect();
        assert_eq!(counts.lock().len(), 100);
        drop(slots);
        assert!(counts.lock().is_empty());
    }

    #[test]
    fn an_ipv6_56_is_one_address_and_mapped_ipv4_is_ipv4() {
        let counts = per_address(1, &[]);
        let _held = counts.admit(ip("2001:db8:1:200::1")).unwrap();
        // Another /64 of the same /56: the same customer.
        assert!(counts.admit(ip("2001:db8:1:2ff:ffff::9")).is_none());
        assert!(counts.admit(ip("2001:db8:1:300::1")).is_some());
        let _v4 = counts.admit(ip("192.0.2.9")).unwrap();
        assert!(counts.admit(ip("::ffff:192.0.2.9")).is_none());
    }

    #[test]
    fn exempt_networks_and_a_limit_of_zero_count_nothing() {
        let counts = per_address(1, &["127.0.0.0/8", "10.0.0.7"]);
        let held: Vec<_> = (0..10)
            .flat_map(|_| [counts.admit(ip("127.0.0.1")), counts.admit(ip("10.0.0.7"))])
            .collect();
        assert!(held.iter().all(Option::is_some));
        assert!(counts.lock().is_empty());
        let off = per_address(0, &[]);
        let held: Vec<_> = (0..10).map(|_| off.admit(ip("192.0.2.1"))).collect();
        assert!(held.iter().all(Option::is_some));
    }
}
