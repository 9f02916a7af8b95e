//! Database time (issue 15: "database pool use and query time"): how long each store call
//! took, by call. Every `pub async fn` of the store carries a `#[tracing::instrument]` span
//! (target `farm_auth::store`, debug level, the function's name); this layer, installed with
//! the logs when the metrics listener is on, times each such span from its creation to its
//! close. A store call's future is awaited where it is made, so that is the call's time:
//! waiting for a pool connection, then its statements.
//!
//! The label is the span's name, a `&'static str` the compiler wrote: a fixed set (the
//! store's methods), whatever a caller sends.

use std::time::Instant;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use tracing::Subscriber;
use tracing::span::{Attributes, Id};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::Context;
use tracing_subscriber::registry::LookupSpan;

use super::METRICS;

/// Store call buckets, in seconds: from a cached read to a pool starved for seconds.
const CALL_BUCKETS: [f64; 13] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 2.5, 10.0,
];

/// The layer's filter: the store's spans (their target is their module path).
pub const FILTER: &str = "farm_auth::store=debug";
/// The store's module, whose spans are timed (the filter matches any target that begins
/// with its text, `farm_auth::store_…` too).
const STORE: &str = "farm_auth::store";

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct CallLabels {
    pub call: &'static str,
}

pub(super) fn register(registry: &mut Registry) -> Family<CallLabels, Histogram> {
    let calls =
        Family::<CallLabels, Histogram>::new_with_constructor(|| Histogram::new(CALL_BUCKETS));
    registry.register(
        "db_call_duration_seconds",
        "Time a store call took, waiting for a pool connection included, by call (a call \
         cut short, its request timed out or gone, counts with the time it had taken)",
        calls.clone(),
    );
    calls
}

/// When a store call's span was made.
struct Started(Instant);

/// The layer that times the store's spans.
struct StoreCalls;

impl<S> Layer<S> for StoreCalls
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let target = attrs.metadata().target();
        let in_store = target
            .strip_prefix(STORE)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with("::"));
        if !in_store {
            return;
        }
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(Started(Instant::now()));
        }
    }

    fn on_close(&self, id: Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(&id) else { return };
        let Some(Started(at)) = span.extensions_mut().remove::<Started>() else {
            return;
        };
        METRICS
            .store_calls
            .get_or_create(&CallLabels { call: span.name() })
            .observe(at.elapsed().as_secs_f64());
    }
}

/// The layer; give it [`FILTER`], so that nothing else reaches it.
pub fn layer<S>() -> impl Layer<S>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    StoreCalls
}
