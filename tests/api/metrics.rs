//! Prometheus metrics (decision 163): served only on their own listener, in a format a
//! Prometheus parser reads, counting requests by route template and tokens by grant type,
//! with the pool and key read at scrape time; and no label a caller can choose, so hostile
//! paths, methods and queries add no series.

use std::collections::BTreeSet;

use reqwest::StatusCode;

use farm_auth::accounts::users::Role;

use crate::support::{Options, PASSWORD, TestApp, TestDatabase, UserAgent, serve_binary};

async fn metrics_app() -> TestApp {
    TestApp::spawn_with(Options {
        metrics: true,
        ..Options::default()
    })
    .await
}

/// One scrape, parsed by an independent parser (`prometheus-parse`).
async fn scrape(app: &TestApp) -> prometheus_parse::Scrape {
    let address = app.metrics_address.as_ref().expect("a metrics listener");
    scrape_at(&app.http, address).await
}

async fn scrape_at(http: &reqwest::Client, address: &str) -> prometheus_parse::Scrape {
    let response = http.get(format!("{address}/metrics")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/openmetrics-text"),
    );
    let text = response.text().await.unwrap();
    assert!(text.ends_with("# EOF\n"), "{text}");
    let lines = text.lines().map(|line| Ok(line.to_string()));
    prometheus_parse::Scrape::parse(lines).expect("the metrics parse")
}

fn value_of(sample: &prometheus_parse::Sample) -> f64 {
    match sample.value {
        prometheus_parse::Value::Counter(v)
        | prometheus_parse::Value::Gauge(v)
        | prometheus_parse::Value::Untyped(v) => v,
        _ => f64::NAN,
    }
}

/// The value of the sample `name` whose labels include `labels`.
fn sample(scrape: &prometheus_parse::Scrape, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    scrape
        .samples
        .iter()
        .find(|s| s.metric == name && labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v)))
        .map(value_of)
}

/// How many observations the histogram `name` with the label `label` holds (its +Inf
/// bucket).
fn observations(scrape: &prometheus_parse::Scrape, name: &str, label: (&str, &str)) -> f64 {
    let histogram = scrape
        .samples
        .iter()
        .find(|s| s.metric == name && s.labels.get(label.0) == Some(label.1))
        .unwrap_or_else(|| panic!("no {name} for {label:?}"));
    let prometheus_parse::Value::Histogram(buckets) = &histogram.value else {
        panic!("not a histogram: {:?}", histogram.value);
    };
    let all = buckets.iter().find(|b| b.less_than == f64::INFINITY);
    all.expect("a +Inf bucket").count
}

#[tokio::test]
async fn requests_tokens_pool_and_key_are_counted() {
    let app = metrics_app().await;
    let bot = app.machine_client("orders:read").await;
    let response = app.client_credentials(&bot, Some("orders:read")).await;
    assert_eq!(response.status(), StatusCode::OK);

    let scrape = scrape(&app).await;
    let token_route = [
        ("route", "/oauth2/token"),
        ("method", "POST"),
        ("status", "2xx"),
    ];
    assert!(sample(&scrape, "farm_auth_http_requests_total", &token_route).unwrap() >= 1.0);
    let issued = [("grant_type", "client_credentials")];
    assert!(sample(&scrape, "farm_auth_tokens_issued_total", &issued).unwrap() >= 1.0);
    let timed = observations(
        &scrape,
        "farm_auth_http_request_duration_seconds",
        ("route", "/oauth2/token"),
    );
    assert!(timed >= 1.0, "{timed}");
    assert!(sample(&scrape, "farm_auth_db_pool_max_connections", &[]).unwrap() >= 1.0);
    assert_eq!(sample(&scrape, "farm_auth_db_outage", &[]), Some(0.0));
    assert!(sample(&scrape, "farm_auth_signing_key_age_seconds", &[]).unwrap() >= 0.0);
    assert!(sample(&scrape, "farm_auth_mail_outbox_pending", &[]).is_some());
}

#[tokio::test]
async fn the_public_listener_does_not_serve_metrics() {
    let app = metrics_app().await;
    let response = app
        .http
        .get(format!("{}/metrics", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    // Without the setting, no listener at all.
    assert!(TestApp::spawn().await.metrics_address.is_none());
}

#[tokio::test]
async fn hostile_paths_methods_and_queries_add_no_series() {
    let app = metrics_app().await;
    for n in 0..200 {
        let marker = format!("zz{n}marker");
        let method = reqwest::Method::from_bytes(format!("X{marker}").as_bytes()).unwrap();
        let paths = [
            format!("/{marker}"),
            format!("/oauth2/token?{marker}=1"),
            format!("/admin/users/{marker}"),
        ];
        for path in paths {
            let _ = app
                .http
                .request(method.clone(), format!("{}{path}", app.address))
                .send()
                .await
                .unwrap();
        }
        let _ = app
            .http
            .get(format!("{}/{marker}/x", app.address))
            .send()
            .await
            .unwrap();
    }
    let scrape = scrape(&app).await;
    let mut values = BTreeSet::new();
    for sample in &scrape.samples {
        for (name, value) in sample.labels.iter() {
            assert!(
                !value.contains("marker"),
                "{name}={value} in {}",
                sample.metric
            );
            if sample.metric == "farm_auth_http_requests_total" {
                values.insert((name.clone(), value.clone()));
            }
        }
    }
    let methods: BTreeSet<_> = values
        .iter()
        .filter(|(name, _)| name == "method")
        .map(|(_, value)| value.as_str())
        .collect();
    assert!(methods.contains("OTHER"), "{methods:?}");
    assert!(
        methods.iter().all(|m| [
            "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "OTHER"
        ]
        .contains(m)),
        "{methods:?}"
    );
    let unmatched = [("route", "unmatched"), ("method", "GET"), ("status", "4xx")];
    assert!(sample(&scrape, "farm_auth_http_requests_total", &unmatched).unwrap() >= 200.0);
}

#[tokio::test]
async fn sign_ins_are_counted_by_way_in_and_outcome_and_hashing_by_class() {
    let app = metrics_app().await;
    app.person("metrics-mira", Role::Consumer).await;
    let before = scrape(&app).await;
    let count = |scrape: &prometheus_parse::Scrape, outcome: &str| {
        let labels = [("method", "password"), ("outcome", outcome)];
        sample(scrape, "farm_auth_sign_ins_total", &labels).unwrap_or(0.0)
    };
    let agent = UserAgent::new(&app);
    let refused = agent
        .log_in(
            agent.navigate("/login").await,
            "metrics-mira",
            "not the password",
        )
        .await;
    let (path, _, page) = refused.page();
    assert!(path.starts_with("/login"), "{path}: {page}");
    agent
        .log_in(agent.navigate("/login").await, "metrics-mira", PASSWORD)
        .await;

    let after = scrape(&app).await;
    assert!(count(&after, "refused") >= count(&before, "refused") + 1.0);
    assert!(count(&after, "signed_in") >= count(&before, "signed_in") + 1.0);
    let waited = observations(
        &after,
        "farm_auth_password_hash_wait_seconds",
        ("class", "sign_in"),
    );
    assert!(waited >= 2.0, "{waited}");
    let depth = [("class", "sign_in")];
    assert!(sample(&after, "farm_auth_password_hash_queue_depth", &depth).is_some());
}

/// The store's calls are timed by call (the server's own process, as the timing reads the
/// store's spans through the logging set up at start): a token request with an unknown
/// client looks the client up, and that call is counted under its name, a fixed label.
#[tokio::test]
async fn store_calls_are_timed_by_call() {
    let dir = tempfile::tempdir().unwrap();
    let database = TestDatabase::new().await;
    let metrics = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .to_string();
    let env = [("FARM_AUTH_METRICS_LISTEN", metrics.as_str())];
    let (mut server, listen) = serve_binary(&database, dir.path(), &env).await;
    let http = reqwest::Client::new();
    let address = format!("http://{metrics}");
    let lookups = |scrape: &prometheus_parse::Scrape| {
        let timed = scrape.samples.iter().any(|s| {
            s.metric == "farm_auth_db_call_duration_seconds"
                && s.labels.get("call") == Some("find_client")
        });
        match timed {
            true => observations(
                scrape,
                "farm_auth_db_call_duration_seconds",
                ("call", "find_client"),
            ),
            false => 0.0,
        }
    };
    let before = lookups(&scrape_at(&http, &address).await);
    let refused = http
        .post(format!("http://{listen}/oauth2/token"))
        .basic_auth("no-such-client", Some("secret"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    let after = scrape_at(&http, &address).await;
    assert_eq!(lookups(&after), before + 1.0);
    let calls: BTreeSet<&str> = after
        .samples
        .iter()
        .filter(|s| s.metric == "farm_auth_db_call_duration_seconds")
        .filter_map(|s| s.labels.get("call"))
        .collect();
    assert!(calls.contains("find_client"), "{calls:?}");
    let named = |call: &&str| call.chars().all(|c| c.is_ascii_lowercase() || c == '_');
    assert!(calls.iter().all(named), "{calls:?}");
    server.kill().unwrap();
    server.wait().unwrap();
}
