//! The gate before the per-layer filters (decision 168, tokio-rs/tracing#2519): what one
//! layer's filter wants reaches it, also right after a `log::log_enabled!` through the `log`
//! bridge (as sqlx's query logger asks after every statement), which used to drop the next
//! span for every filtered layer; span-scoped directives still work; and what no filter
//! wants is refused, so the bridge answers "no" to a debug record nobody logs.
//!
//! One test, as the subscriber is the process's.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use farm_auth::telemetry::gate::GatedLayers;
use tracing::Subscriber;
use tracing::span::{Attributes, Id};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::{Context, Layer};

/// Counts the spans and events it is given, by name (an event by its message).
#[derive(Clone, Default)]
struct Seen(Arc<Mutex<BTreeMap<String, usize>>>);

impl Seen {
    fn count(&self, name: &str) -> usize {
        self.0.lock().unwrap().get(name).copied().unwrap_or(0)
    }

    fn add(&self, name: String) {
        *self.0.lock().unwrap().entry(name).or_default() += 1;
    }
}

impl<S: Subscriber> Layer<S> for Seen {
    fn on_new_span(&self, attrs: &Attributes<'_>, _: &Id, _: Context<'_, S>) {
        self.add(attrs.metadata().name().to_string());
    }

    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        struct Message(String);
        impl tracing::field::Visit for Message {
            fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
                if field.name() == "message" {
                    self.0 = format!("{value:?}");
                }
            }
        }
        let mut message = Message(String::new());
        event.record(&mut message);
        self.add(message.0);
    }
}

#[test]
fn every_layer_gets_what_its_filter_wants_and_nothing_else() {
    let (logs, traces) = (Seen::default(), Seen::default());
    let mut layers = GatedLayers::default();
    layers.add(logs.clone(), || EnvFilter::new("info,[scoped]=debug"));
    layers.add(traces.clone(), || {
        EnvFilter::new("info,farm_auth::store=debug")
    });
    layers.init();

    for _ in 0..3 {
        // Nobody logs sqlx's statements at debug level: the bridge says so.
        assert!(!log::log_enabled!(target: "sqlx::query", log::Level::Debug));
        let _request = tracing::info_span!("request").entered();
    }
    assert_eq!(logs.count("request"), 3);
    assert_eq!(traces.count("request"), 3);

    // A store call's debug span goes to the traces only.
    tracing::debug_span!(target: "farm_auth::store::clients", "find_client").in_scope(|| {});
    assert_eq!(traces.count("find_client"), 1);
    assert_eq!(logs.count("find_client"), 0);

    // A span-scoped directive: debug events inside `scoped`, not outside.
    tracing::debug!("outside");
    tracing::info_span!("scoped").in_scope(|| tracing::debug!("inside"));
    assert_eq!(logs.count("inside"), 1);
    assert_eq!(logs.count("outside"), 0);
    assert_eq!(traces.count("inside"), 0);

    // What neither wants reaches neither, and a record through the bridge that one wants
    // reaches it.
    tracing::trace!("unwanted");
    log::warn!(target: "sqlx::query", "slow statement");
    assert_eq!(logs.count("unwanted") + traces.count("unwanted"), 0);
    assert_eq!(logs.count("slow statement"), 1);
}
