//! OpenTelemetry traces (issue 15): with `OTEL_EXPORTER_OTLP_ENDPOINT` set, the real binary
//! exports its spans over OTLP/HTTP to a collector started here (they are decoded with the
//! OpenTelemetry protocol's own types): a request's span continues the caller's W3C
//! `traceparent`, store calls are spans of their own, and an outbound call (a webhook)
//! carries the trace on in its `traceparent` header. Unset, nothing is exported.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::any_value::Value as AnyValue;
use opentelemetry_proto::tonic::trace::v1::Span;
use prost::Message;

use crate::support::{
    Receiver, TestDatabase, cli_consumer, cli_webhook, serve_binary, verify_webhook,
};

const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT_ID: &str = "00f067aa0ba902b7";

/// A collector on loopback: every export request it is sent, decoded.
#[derive(Clone, Default)]
struct Collector {
    exports: Arc<Mutex<Vec<ExportTraceServiceRequest>>>,
}

impl Collector {
    async fn start(&self) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let exports = self.exports.clone();
        let router = axum::Router::new().route(
            "/v1/traces",
            axum::routing::post(move |body: axum::body::Bytes| {
                let exports = exports.clone();
                async move {
                    let export = ExportTraceServiceRequest::decode(&body[..])
                        .expect("an OTLP export request");
                    exports.lock().unwrap().push(export);
                    axum::http::StatusCode::OK
                }
            }),
        );
        tokio::spawn(async move { axum::serve(listener, router).await });
        format!("http://{address}")
    }

    /// Every span exported so far, with its resource's service name.
    fn spans(&self) -> Vec<(String, Span)> {
        let exports = self.exports.lock().unwrap();
        let mut spans = Vec::new();
        for export in exports.iter() {
            for resource in &export.resource_spans {
                let service = resource
                    .resource
                    .iter()
                    .flat_map(|r| &r.attributes)
                    .find(|a| a.key == "service.name")
                    .and_then(|a| match a.value.as_ref()?.value.as_ref()? {
                        AnyValue::StringValue(name) => Some(name.clone()),
                        _ => None,
                    })
                    .unwrap_or_default();
                for scope in &resource.scope_spans {
                    spans.extend(scope.spans.iter().map(|s| (service.clone(), s.clone())));
                }
            }
        }
        spans
    }

    /// Waits (up to 15 s) for a span `matching`.
    async fn wait_for(&self, what: &str, matching: impl Fn(&Span) -> bool) -> (String, Span) {
        for _ in 0..150 {
            if let Some(found) = self.spans().into_iter().find(|(_, s)| matching(s)) {
                return found;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let names: Vec<String> = self.spans().into_iter().map(|(_, s)| s.name).collect();
        panic!("no span {what} among {names:?}");
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test]
async fn spans_go_to_the_collector_and_the_trace_goes_on_with_outbound_calls() {
    let dir = tempfile::tempdir().unwrap();
    let database = TestDatabase::new().await;
    let collector = Collector::default();
    let endpoint = collector.start().await;
    let receiver = Receiver::start().await;
    let env = [
        ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint.as_str()),
        ("OTEL_BSP_SCHEDULE_DELAY", "200"),
        ("FARM_AUTH_OUTBOUND_ALLOW_NETWORKS", "127.0.0.0/8"),
        // With metrics on too, as a third layer of spans.
        ("FARM_AUTH_METRICS_LISTEN", "127.0.0.1:0"),
    ];
    let (mut server, listen) = serve_binary(&database, dir.path(), &env).await;

    // A request that continues the caller's trace.
    let http = reqwest::Client::new();
    let response = http
        .get(format!("http://{listen}/.well-known/openid-configuration"))
        .header("traceparent", format!("00-{TRACE_ID}-{PARENT_ID}-01"))
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success());
    let (service, request) = collector
        .wait_for("for the discovery request", |s| {
            s.name == "GET /.well-known/openid-configuration"
        })
        .await;
    assert_eq!(service, "farm-auth");
    assert_eq!(hex(&request.trace_id), TRACE_ID);
    assert_eq!(hex(&request.parent_span_id), PARENT_ID);

    // Requests that query the database, each continuing a trace of its own: every one of
    // them has its span, also right after a query on the same thread (the database driver's
    // logging once made tracing drop the next span there; decision 168).
    let traces: Vec<String> = (0..6).map(|i| format!("{TRACE_ID:.28}{i:04x}")).collect();
    for trace in &traces {
        let refused = http
            .post(format!("http://{listen}/oauth2/token"))
            .header("traceparent", format!("00-{trace}-{PARENT_ID}-01"))
            .basic_auth("no-such-client", Some("secret"))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), reqwest::StatusCode::UNAUTHORIZED);
    }
    for trace in &traces {
        collector
            .wait_for(&format!("for the token request of trace {trace}"), |s| {
                s.name == "POST /oauth2/token" && hex(&s.trace_id) == *trace
            })
            .await;
    }

    // A webhook: the outbound call has a span, and its request carries the trace on.
    let secret = cli_webhook(
        dir.path(),
        &database,
        &receiver.url("/hooks"),
        &["person.created"],
    );
    cli_consumer(dir.path(), &database, "ada");
    let delivered = receiver.wait_for(1).await;
    assert_eq!(
        verify_webhook(&secret, &delivered[0])["type"],
        "person.created"
    );
    let traceparent = delivered[0]
        .header("traceparent")
        .expect("a traceparent")
        .to_string();
    let parts: Vec<&str> = traceparent.split('-').collect();
    assert_eq!(parts.len(), 4, "{traceparent}");
    let (_, outbound) = collector
        .wait_for("for the webhook", |s| s.name == "POST")
        .await;
    assert_eq!(hex(&outbound.trace_id), parts[1]);
    assert_eq!(hex(&outbound.span_id), parts[2]);
    // The store's calls are spans too (the dispatcher's, as it fans the event out).
    collector
        .wait_for("of a store call", |s| s.name == "fan_out_event")
        .await;
    server.kill().unwrap();
    server.wait().unwrap();
}

#[tokio::test]
async fn without_an_endpoint_nothing_is_exported_and_nothing_is_injected() {
    let dir = tempfile::tempdir().unwrap();
    let database = TestDatabase::new().await;
    let receiver = Receiver::start().await;
    let allow = [("FARM_AUTH_OUTBOUND_ALLOW_NETWORKS", "127.0.0.0/8")];
    let (mut server, _) = serve_binary(&database, dir.path(), &allow).await;
    cli_webhook(
        dir.path(),
        &database,
        &receiver.url("/hooks"),
        &["person.created"],
    );
    cli_consumer(dir.path(), &database, "ada");
    let delivered = receiver.wait_for(1).await;
    assert_eq!(delivered[0].header("traceparent"), None);
    server.kill().unwrap();
    server.wait().unwrap();
}
