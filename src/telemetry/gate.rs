//! The gate before the per-layer filters: refuses a span or event that none of the layers'
//! filters wants, and has every callsite's filters asked anew each time.
//!
//! Why: tracing-subscriber hands a per-layer filter's verdict from `enabled` to `on_new_span`
//! and `on_event` through a thread-local bitmap, assuming the one follows the other. Two things
//! break that (tokio-rs/tracing#2519, fix proposed in #3572, not released): a callsite whose
//! interest is cached as `always` skips `enabled`, and `log::log_enabled!` through the `log`
//! bridge calls `enabled` with nothing after it. sqlx's query logger does the latter after
//! every PostgreSQL statement, on the thread that goes on to serve the request, whose span was
//! then silently dropped for every filtered layer (the traces lost on PostgreSQL, decision
//! 168). It also answered `true` to "is debug logging on?", so sqlx formatted every query
//! for nothing.
//!
//! The gate sits outermost. A callsite some filter may want gets `sometimes`, never
//! `always`, so each span and event runs the filters and writes fresh verdicts; one that no
//! filter wants gets `never`, and a record no filter wants at run time is refused here, which
//! also clears the bitmap. Its filters are copies of the layers' filters (an `EnvFilter` is
//! built again from the same directives), told of spans so that span-scoped directives work.
//! [`GatedLayers`] adds each layer and its filter's copy together, so none is forgotten.

use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::Interest;
use tracing::{Metadata, Subscriber};
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Registry};

/// Layers, each with a filter of its own, behind one [`Gate`].
#[derive(Default)]
pub struct GatedLayers {
    layers: Vec<Box<dyn Layer<Registry> + Send + Sync>>,
    filters: Vec<EnvFilter>,
}

impl GatedLayers {
    /// Adds `layer`, filtered by `filter()`; the gate gets a second `filter()`.
    pub fn add<L>(&mut self, layer: L, filter: impl Fn() -> EnvFilter)
    where
        L: Layer<Registry> + Send + Sync + 'static,
    {
        self.filters.push(filter());
        self.layers.push(Box::new(layer.with_filter(filter())));
    }

    /// Installs the layers and their gate as the process's subscriber (once; a second call
    /// changes nothing). The `log` bridge comes with it.
    pub fn init(self) {
        let _ = tracing_subscriber::registry()
            .with(self.layers)
            .with(Gate {
                filters: self.filters,
            })
            .try_init();
    }
}

/// Lets through what any of its filters enables.
struct Gate {
    filters: Vec<EnvFilter>,
}

impl<S: Subscriber> Layer<S> for Gate {
    fn register_callsite(&self, metadata: &'static Metadata<'static>) -> Interest {
        // Every filter registers the callsite (span-scoped directives are found here), so
        // no short circuit.
        let mut wanted = false;
        for filter in &self.filters {
            wanted |= !Layer::<S>::register_callsite(filter, metadata).is_never();
        }
        match wanted {
            true => Interest::sometimes(),
            false => Interest::never(),
        }
    }

    fn enabled(&self, metadata: &Metadata<'_>, ctx: Context<'_, S>) -> bool {
        self.filters
            .iter()
            .any(|filter| filter.enabled(metadata, ctx.clone()))
    }

    fn max_level_hint(&self) -> Option<LevelFilter> {
        self.filters
            .iter()
            .map(EnvFilter::max_level_hint)
            .try_fold(LevelFilter::OFF, |max, hint| Some(max.max(hint?)))
    }

    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        for filter in &self.filters {
            filter.on_new_span(attrs, id, ctx.clone());
        }
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        for filter in &self.filters {
            filter.on_record(id, values, ctx.clone());
        }
    }

    fn on_enter(&self, id: &Id, ctx: Context<'_, S>) {
        for filter in &self.filters {
            filter.on_enter(id, ctx.clone());
        }
    }

    fn on_exit(&self, id: &Id, ctx: Context<'_, S>) {
        for filter in &self.filters {
            filter.on_exit(id, ctx.clone());
        }
    }

    fn on_close(&self, id: Id, ctx: Context<'_, S>) {
        for filter in &self.filters {
            filter.on_close(id.clone(), ctx.clone());
        }
    }
}
