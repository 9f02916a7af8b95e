//! The event dispatcher's metrics: deliveries by kind and outcome, and the lag from a
//! change to its delivery. The backlogs (events waiting, deliveries pending) are read at
//! scrape time ([`super::serve`]).

use prometheus_client::encoding::{EncodeLabelSet, EncodeLabelValue};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

use super::METRICS;

/// Lag buckets, in seconds: from the next poll to a day of retries.
const LAG_BUCKETS: [f64; 12] = [
    0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0, 30.0, 300.0, 3_600.0, 86_400.0,
];

#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq, EncodeLabelValue)]
#[allow(non_camel_case_types)]
pub enum Kind {
    webhook,
    logout,
}

#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq, EncodeLabelValue)]
#[allow(non_camel_case_types)]
pub enum Outcome {
    delivered,
    /// An attempt failed and will be retried.
    failed,
    /// Given up: a dead letter.
    dead,
    /// Nothing left to send (the client no longer takes logout tokens).
    dropped,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct DeliveryLabels {
    pub kind: Kind,
    pub outcome: Outcome,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct KindLabels {
    pub kind: Kind,
}

pub struct EventMetrics {
    pub events: Counter,
    pub deliveries: Family<DeliveryLabels, Counter>,
    pub lag: Family<KindLabels, Histogram>,
}

impl EventMetrics {
    pub(super) fn register(registry: &mut Registry) -> EventMetrics {
        let events = Counter::default();
        registry.register(
            "events",
            "Events taken from the outbox and fanned out to their receivers",
            events.clone(),
        );
        let deliveries = Family::<DeliveryLabels, Counter>::default();
        registry.register(
            "event_deliveries",
            "Delivery attempts of webhooks and logout tokens, by kind and outcome",
            deliveries.clone(),
        );
        let lag =
            Family::<KindLabels, Histogram>::new_with_constructor(|| Histogram::new(LAG_BUCKETS));
        registry.register(
            "event_delivery_lag_seconds",
            "Time from a change to its delivery, by kind",
            lag.clone(),
        );
        EventMetrics {
            events,
            deliveries,
            lag,
        }
    }
}

/// Counts an event fanned out.
pub fn fanned_out() {
    METRICS.events.events.inc();
}

/// Counts a delivery made, and its lag from the change (`created_ms`).
pub fn delivered(kind: Kind, created_ms: i64) {
    finished(kind, Outcome::delivered);
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    let lag = (now_ms - created_ms).max(0) as f64 / 1_000.0;
    METRICS
        .events
        .lag
        .get_or_create(&KindLabels { kind })
        .observe(lag);
}

/// Counts an attempt's outcome.
pub fn finished(kind: Kind, outcome: Outcome) {
    METRICS
        .events
        .deliveries
        .get_or_create(&DeliveryLabels { kind, outcome })
        .inc();
}
