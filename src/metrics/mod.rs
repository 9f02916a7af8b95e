//! Prometheus metrics (issue 15), served on a listener of their own when
//! `FARM_AUTH_METRICS_LISTEN` is set ([`serve`]). Every label comes from a fixed set (an
//! enum, or a route template of the router), never from what a caller sends: a client id, a
//! user, a path or an error text would let anyone grow the series without bound
//! (docs/DECISIONS.md §163).
//!
//! The counters are process-wide, as Prometheus counts per process: one [`METRICS`], fed
//! from the request path ([`http`]), the token endpoint, the sign-in steps and their
//! throttle's lockouts, the password hasher's queues, and the store's calls, timed from
//! their spans ([`store_calls`]); what only a scrape needs (the database pool, an outage,
//! the key's age, the outboxes' backlog) is read when scraped.

pub mod events;
pub mod http;
mod serve;
pub mod store_calls;

use std::sync::LazyLock;

use prometheus_client::encoding::{EncodeLabelSet, EncodeLabelValue};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

pub use serve::{scrape, serve};

/// Request latency buckets, in seconds: from a JWKS answer to a slow sign-in.
const LATENCY_BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// A request: its route template (`/oauth2/token`, `/admin/users/{id}`; `unmatched` for
/// anything the router does not know), method (the standard ones, else `OTHER`) and status
/// class (`2xx`).
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    pub route: String,
    pub method: &'static str,
    pub status: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    pub route: String,
}

/// The grant types the token endpoint issues for (RFC 6749 §4, RFC 8628), by their
/// `grant_type` value.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct GrantLabels {
    pub grant_type: &'static str,
}

/// The ways into an account (a step of the sign-in state machine).
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq, EncodeLabelValue)]
#[allow(non_camel_case_types)]
pub enum SignInMethod {
    password,
    authenticator_code,
    recovery_code,
    passkey,
    email_code,
    upstream,
}

/// Where a sign-in step left the attempt.
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq, EncodeLabelValue)]
#[allow(non_camel_case_types)]
pub enum SignInOutcome {
    signed_in,
    second_factor_needed,
    refused,
    /// Refused unchecked: a lock from earlier failures is in force.
    throttled,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct SignInLabels {
    pub method: SignInMethod,
    pub outcome: SignInOutcome,
}

/// Why a password is hashed: a sign-in (first in line), or anything else.
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq, EncodeLabelValue)]
#[allow(non_camel_case_types)]
pub enum HashClass {
    sign_in,
    other,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct HashLabels {
    pub class: HashClass,
}

/// The process's metrics.
pub struct Metrics {
    registry: Registry,
    pub requests: Family<RequestLabels, Counter>,
    pub latency: Family<RouteLabels, Histogram>,
    pub tokens: Family<GrantLabels, Counter>,
    pub lockouts: Counter,
    pub sign_ins: Family<SignInLabels, Counter>,
    pub hash_queue: Family<HashLabels, Gauge>,
    pub hash_wait: Family<HashLabels, Histogram>,
    pub events: events::EventMetrics,
    pub store_calls: Family<store_calls::CallLabels, Histogram>,
}

pub static METRICS: LazyLock<Metrics> = LazyLock::new(Metrics::new);

impl Metrics {
    fn new() -> Metrics {
        let mut registry = Registry::with_prefix("farm_auth");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by route template, method and status class",
            requests.clone(),
        );
        let latency = Family::<RouteLabels, Histogram>::new_with_constructor(|| {
            Histogram::new(LATENCY_BUCKETS)
        });
        registry.register(
            "http_request_duration_seconds",
            "Time from a request's arrival to its response, by route template",
            latency.clone(),
        );
        let tokens = Family::<GrantLabels, Counter>::default();
        registry.register(
            "tokens_issued",
            "Token responses issued by the token endpoint, by grant type",
            tokens.clone(),
        );
        let lockouts = Counter::default();
        registry.register(
            "lockouts",
            "Locks earned by failed sign-in attempts (an account, an address or both)",
            lockouts.clone(),
        );
        let sign_ins = Family::<SignInLabels, Counter>::default();
        registry.register(
            "sign_ins",
            "Sign-in steps, by way in and outcome",
            sign_ins.clone(),
        );
        let hash_queue = Family::<HashLabels, Gauge>::default();
        registry.register(
            "password_hash_queue_depth",
            "Password hashes waiting for a hashing thread, by class",
            hash_queue.clone(),
        );
        let hash_wait = Family::<HashLabels, Histogram>::new_with_constructor(|| {
            Histogram::new(LATENCY_BUCKETS)
        });
        registry.register(
            "password_hash_wait_seconds",
            "Time a password hash waited for a hashing thread, by class",
            hash_wait.clone(),
        );
        let events = events::EventMetrics::register(&mut registry);
        let store_calls = store_calls::register(&mut registry);
        Metrics {
            store_calls,
            events,
            registry,
            sign_ins,
            hash_queue,
            hash_wait,
            requests,
            latency,
            tokens,
            lockouts,
        }
    }
}

/// Counts a token response; `grant_type` is one of the grant types the endpoint serves.
pub fn token_issued(grant_type: &'static str) {
    METRICS
        .tokens
        .get_or_create(&GrantLabels { grant_type })
        .inc();
}

/// Counts a sign-in step's outcome.
pub fn sign_in(method: SignInMethod, outcome: SignInOutcome) {
    METRICS
        .sign_ins
        .get_or_create(&SignInLabels { method, outcome })
        .inc();
}

/// The hashing queues' depths now.
pub fn hash_queues(sign_in: usize, other: usize) {
    for (class, depth) in [(HashClass::sign_in, sign_in), (HashClass::other, other)] {
        METRICS
            .hash_queue
            .get_or_create(&HashLabels { class })
            .set(i64::try_from(depth).unwrap_or(i64::MAX));
    }
}

/// How long a password hash of `class` waited for a thread.
pub fn hash_waited(class: HashClass, waited: std::time::Duration) {
    METRICS
        .hash_wait
        .get_or_create(&HashLabels { class })
        .observe(waited.as_secs_f64());
}
