//! Logs on standard error, and OpenTelemetry traces (issue 15, decision 168), exported over OTLP/HTTP (protobuf) when
//! `OTEL_EXPORTER_OTLP_ENDPOINT` is set; the SDK reads the other standard variables itself
//! (`OTEL_EXPORTER_OTLP_HEADERS`, `OTEL_SERVICE_NAME`, `OTEL_TRACES_SAMPLER`,
//! `OTEL_BSP_SCHEDULE_DELAY` ...). Unset, nothing is made: no exporter, no span on the
//! request path, nothing injected.
//!
//! Spans: each HTTP request (its route template, method and status; a W3C `traceparent`
//! from the caller is its parent), each store call (`farm_auth::store`, debug level, taken
//! by this exporter only, never logged), each password hash, and each outbound call, which
//! carries the trace on in its own `traceparent` header.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_http::{Bytes, HttpClient, HttpError, Request, Response};
use opentelemetry_otlp::WithHttpConfig;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing::Span;
use tracing_opentelemetry::OpenTelemetrySpanExt;

pub mod gate;

/// Whether traces are exported (set once, at start-up).
static ENABLED: AtomicBool = AtomicBool::new(false);

/// The standard variable that turns exporting on.
pub const ENDPOINT_VARIABLE: &str = "OTEL_EXPORTER_OTLP_ENDPOINT";

pub fn enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

/// The exporter's HTTP client: our reqwest, run on the server's runtime (the SDK's batch
/// processor exports from a thread of its own, outside it).
#[derive(Debug)]
struct OtlpClient {
    client: reqwest::Client,
    runtime: tokio::runtime::Handle,
}

#[async_trait::async_trait]
impl HttpClient for OtlpClient {
    async fn send_bytes(&self, request: Request<Bytes>) -> Result<Response<Bytes>, HttpError> {
        let client = self.client.clone();
        self.runtime
            .spawn(async move {
                let response = client.execute(reqwest::Request::try_from(request)?).await?;
                let mut answer = Response::builder().status(response.status());
                if let Some(headers) = answer.headers_mut() {
                    *headers = response.headers().clone();
                }
                Ok(answer.body(response.bytes().await?)?)
            })
            .await?
    }
}

/// The tracer provider when `OTEL_EXPORTER_OTLP_ENDPOINT` is set; call inside the runtime.
pub fn init() -> Option<SdkTracerProvider> {
    std::env::var_os(ENDPOINT_VARIABLE)?;
    let runtime = tokio::runtime::Handle::try_current().ok()?;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .ok()?;
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_http_client(OtlpClient { client, runtime })
        .build()
        .inspect_err(|error| eprintln!("warning: traces are not exported: {error}"))
        .ok()?;
    let mut resource = Resource::builder();
    if std::env::var_os("OTEL_SERVICE_NAME").is_none() {
        resource = resource.with_service_name("farm-auth");
    }
    let provider = SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(resource.build())
        .build();
    opentelemetry::global::set_text_map_propagator(TraceContextPropagator::new());
    opentelemetry::global::set_tracer_provider(provider.clone());
    ENABLED.store(true, Ordering::Relaxed);
    Some(provider)
}

/// The default log filter: `info`, less PostgreSQL's chatter such as "relation already
/// exists, skipping" during migrations.
const LOG_DEFAULT: &str = "info,sqlx::postgres::notice=warn";
/// What the OpenTelemetry layer takes: every span at info level, and the store's calls
/// (debug level, never logged).
const TRACES: &str = "info,farm_auth::store=debug";

/// Structured logs on standard error (standard output is for command results), filtered by
/// `RUST_LOG` (default [`LOG_DEFAULT`]); when `traces` are exported, [`TRACES`] to the
/// OpenTelemetry layer; and with metrics on, the store's calls to the layer that times them
/// ([`crate::metrics::store_calls`]). Each layer has its own filter, behind one [`gate::Gate`]
/// (which works around a bug of per-layer filters).
pub fn init_logs(config: &crate::config::Config, traces: Option<&SdkTracerProvider>) {
    use tracing_subscriber::EnvFilter;
    let log_filter =
        || EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(LOG_DEFAULT));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let logs = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(ansi);
    let mut layers = gate::GatedLayers::default();
    match config.log_format {
        crate::config::LogFormat::Json => layers.add(logs.json(), log_filter),
        crate::config::LogFormat::Text => layers.add(logs, log_filter),
    }
    if let Some(provider) = traces {
        layers.add(layer(provider), || EnvFilter::new(TRACES));
    }
    if config.metrics_listen.is_some() {
        let filter = || EnvFilter::new(crate::metrics::store_calls::FILTER);
        layers.add(crate::metrics::store_calls::layer(), filter);
    }
    layers.init();
}

/// The layer that turns spans into OpenTelemetry spans.
pub fn layer<S>(provider: &SdkTracerProvider) -> impl tracing_subscriber::Layer<S>
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    tracing_opentelemetry::layer().with_tracer(provider.tracer("farm-auth"))
}

/// Exports what is still queued; called as the process ends.
pub async fn shutdown(provider: SdkTracerProvider) {
    let done =
        tokio::task::spawn_blocking(move || provider.shutdown_with_timeout(Duration::from_secs(5)));
    if let Ok(Err(error)) = done.await {
        tracing::warn!(%error, "traces could not all be exported");
    }
}

/// The span of one HTTP request, its parent the caller's `traceparent`, if any; none when
/// traces are off.
pub fn request_span(method: &str, route: &str, headers: &axum::http::HeaderMap) -> Span {
    if !enabled() {
        return Span::none();
    }
    let span = tracing::info_span!(
        "request",
        otel.name = format!("{method} {route}"),
        otel.kind = "server",
        http.request.method = method,
        http.route = route,
        http.response.status_code = tracing::field::Empty,
    );
    let parent = opentelemetry::global::get_text_map_propagator(|propagator| {
        propagator.extract(&opentelemetry_http::HeaderExtractor(headers))
    });
    let _ = span.set_parent(parent);
    span
}

/// The span of one outbound call, with the trace carried on in `headers` (W3C
/// `traceparent`); none when traces are off.
pub fn outbound_span(method: &str, url: &url::Url, headers: &mut axum::http::HeaderMap) -> Span {
    if !enabled() {
        return Span::none();
    }
    let span = tracing::info_span!(
        "outbound",
        otel.name = method.to_string(),
        otel.kind = "client",
        http.request.method = method,
        server.address = url.host_str().unwrap_or_default(),
        url.path = url.path(),
        http.response.status_code = tracing::field::Empty,
    );
    let context = span.context();
    opentelemetry::global::get_text_map_propagator(|propagator| {
        propagator.inject_context(&context, &mut opentelemetry_http::HeaderInjector(headers));
    });
    span
}

/// The span of one password hash or verification.
pub fn hashing_span(what: &'static str) -> Span {
    match enabled() {
        true => tracing::info_span!("password hash", otel.name = what),
        false => Span::none(),
    }
}
