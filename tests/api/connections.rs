//! Every connection is bounded: a request head must arrive within the header timeout, idle
//! connections close, the number of connections is capped, in all and per address, a
//! response the client does not take is given up, HTTP/2 streams are limited;
//! shutdown stops saying ready, closes idle connections, lets requests in flight finish
//! and is not held up by a slow client.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::{Options, TestApp};

async fn connect(app: &TestApp) -> TcpStream {
    TcpStream::connect(app.address.trim_start_matches("http://"))
        .await
        .expect("connect")
}

/// Reads until the server closes the connection (or `limit` passes) and says how long that
/// took and what came.
async fn read_until_closed(stream: &mut TcpStream, limit: Duration) -> (Option<Duration>, String) {
    let started = Instant::now();
    let mut received = Vec::new();
    let mut buffer = [0u8; 4096];
    let closed = tokio::time::timeout(limit, async {
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => return,
                Ok(n) => received.extend_from_slice(&buffer[..n]),
            }
        }
    })
    .await
    .is_ok();
    (
        closed.then(|| started.elapsed()),
        String::from_utf8_lossy(&received).into_owned(),
    )
}

/// Reads one whole response to a `/healthz` or `/readyz` request (its body ends in "\n").
async fn read_response(stream: &mut TcpStream) -> String {
    let mut received = Vec::new();
    let mut buffer = [0u8; 4096];
    let _ = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => return,
                Ok(n) => received.extend_from_slice(&buffer[..n]),
            }
            let text = String::from_utf8_lossy(&received);
            if let Some((_, body)) = text.split_once("\r\n\r\n")
                && body.ends_with('\n')
            {
                return;
            }
        }
    })
    .await;
    String::from_utf8_lossy(&received).into_owned()
}

fn with_header_timeout(seconds: u64) -> Options {
    Options {
        http_header_timeout_secs: Some(seconds),
        ..Default::default()
    }
}

#[tokio::test]
async fn a_half_sent_request_is_closed_by_the_server_within_the_header_timeout() {
    let app = TestApp::spawn_with(with_header_timeout(1)).await;
    let mut stream = connect(&app).await;
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        .await
        .unwrap();
    let (closed_after, _) = read_until_closed(&mut stream, Duration::from_secs(8)).await;
    let closed_after = closed_after.expect("the server closed the half-sent request");
    assert!(closed_after < Duration::from_secs(3), "{closed_after:?}");
}

#[tokio::test]
async fn a_connection_that_never_sends_a_byte_is_closed_too() {
    let app = TestApp::spawn_with(with_header_timeout(1)).await;
    let mut stream = connect(&app).await;
    let (closed_after, _) = read_until_closed(&mut stream, Duration::from_secs(8)).await;
    let closed_after = closed_after.expect("the server closed the silent connection");
    assert!(closed_after < Duration::from_secs(3), "{closed_after:?}");
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_after_the_header_timeout() {
    let app = TestApp::spawn_with(with_header_timeout(1)).await;
    let mut stream = connect(&app).await;
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let response = read_response(&mut stream).await;
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    let (closed_after, _) = read_until_closed(&mut stream, Duration::from_secs(8)).await;
    let closed_after = closed_after.expect("the idle connection was closed");
    assert!(closed_after < Duration::from_secs(3), "{closed_after:?}");
}

#[tokio::test]
async fn beyond_the_connection_cap_a_new_connection_waits_until_one_closes() {
    let app = TestApp::spawn_with(Options {
        http_max_connections: Some(2),
        ..Default::default()
    })
    .await;
    let holders = [connect(&app).await, connect(&app).await];
    // Let the server take both before the third arrives.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut third = connect(&app).await;
    third
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut byte = [0u8; 1];
    let early = tokio::time::timeout(Duration::from_millis(700), third.read(&mut byte)).await;
    assert!(
        early.is_err(),
        "the third connection was served beyond the cap"
    );
    drop(holders);
    let (_, response) = read_until_closed(&mut third, Duration::from_secs(5)).await;
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
}

// ---- Connections per address (docs/DECISIONS.md §100)

fn per_address_share(share: u64) -> Options {
    Options {
        http_max_connections_per_address: Some(share),
        count_loopback_connections: true,
        ..Default::default()
    }
}

/// Opens `n` connections and has a request answered on each; returns them, still open.
async fn served_connections(app: &TestApp, n: usize) -> Vec<TcpStream> {
    let mut streams = Vec::new();
    for _ in 0..n {
        let mut stream = connect(app).await;
        stream
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        let response = read_response(&mut stream).await;
        assert!(response.starts_with("HTTP/1.1 200"), "{response:?}");
        streams.push(stream);
    }
    streams
}

#[tokio::test]
async fn beyond_its_share_a_connection_from_one_address_is_closed_at_once_unread() {
    let app = TestApp::spawn_with(per_address_share(2)).await;
    let holders = served_connections(&app, 2).await;
    let mut third = connect(&app).await;
    // The server may have closed it before the request is even written.
    let _ = third
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await;
    let (closed_after, response) = read_until_closed(&mut third, Duration::from_secs(5)).await;
    let closed_after = closed_after.expect("the connection over the share was closed");
    assert!(closed_after < Duration::from_secs(1), "{closed_after:?}");
    assert_eq!(response, "", "nothing was answered");

    // A closed connection gives its place back.
    drop(holders);
    tokio::time::sleep(Duration::from_millis(300)).await;
    served_connections(&app, 2).await;
}

#[tokio::test]
async fn loopback_and_trusted_proxies_are_not_held_to_the_share() {
    // Loopback (a local benchmark, a sidecar) by default.
    let app = TestApp::spawn_with(Options {
        http_max_connections_per_address: Some(2),
        ..Default::default()
    })
    .await;
    served_connections(&app, 5).await;
    // A reverse proxy, from which every connection comes.
    let app = TestApp::spawn_with(Options {
        trusted_proxies: Some("127.0.0.1".into()),
        ..per_address_share(2)
    })
    .await;
    served_connections(&app, 5).await;
}

// ---- Responses that make no progress (docs/DECISIONS.md §101)

#[tokio::test]
async fn a_response_the_client_does_not_take_is_given_up_after_the_response_timeout() {
    let app = TestApp::spawn_with(Options {
        http_response_timeout_secs: Some(1),
        ..Default::default()
    })
    .await;
    // RFC 9113 §6.9.2: a window of zero lets the server send headers and no DATA at all.
    // The client still answers pings, so keep-alive alone would never close it.
    let (mut sender, connection) = h2::client::Builder::new()
        .initial_window_size(0)
        .handshake::<_, bytes::Bytes>(connect(&app).await)
        .await
        .expect("HTTP/2 handshake");
    let connection = tokio::spawn(connection);
    let request = axum::http::Request::get(app.url("/healthz"))
        .body(())
        .unwrap();
    let (response, _request_body) = sender.send_request(request, true).unwrap();
    let response = response.await.expect("the response head");
    assert_eq!(response.status(), 200);
    let started = Instant::now();
    // The request timeout (30 s) bounds the handler; the response timeout what follows.
    let closed = tokio::time::timeout(Duration::from_secs(40), connection).await;
    assert!(closed.is_ok(), "the stalled connection was kept open");
    let after = started.elapsed();
    assert!(
        after >= Duration::from_secs(29),
        "closed too soon: {after:?}"
    );
}

#[tokio::test]
async fn handlers_still_see_the_client_address() {
    // The sign-in throttle and the audit trail read `ConnectInfo`; without it every login
    // post would fail.
    let app = TestApp::spawn().await;
    let response = app
        .http
        .post(app.url("/login"))
        .form(&[("username", "nobody"), ("password", "wrong")])
        .send()
        .await
        .unwrap();
    assert_ne!(
        response.status(),
        reqwest::StatusCode::INTERNAL_SERVER_ERROR
    );
    let health = app.http.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
}

#[tokio::test]
async fn http2_is_spoken_with_prior_knowledge_and_limits_streams_per_connection() {
    let app = TestApp::spawn().await;
    let mut stream = connect(&app).await;
    // RFC 9113 §3.4: the preface, then an empty SETTINGS frame.
    stream
        .write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00")
        .await
        .unwrap();
    let mut head = [0u8; 9];
    tokio::time::timeout(Duration::from_secs(5), stream.read_exact(&mut head))
        .await
        .expect("an answer in time")
        .expect("the server's SETTINGS frame");
    assert_eq!(head[3], 0x4, "the server's first frame is SETTINGS");
    let length = usize::from(head[0]) << 16 | usize::from(head[1]) << 8 | usize::from(head[2]);
    let mut payload = vec![0u8; length];
    stream.read_exact(&mut payload).await.unwrap();
    // §6.5.2: SETTINGS_MAX_CONCURRENT_STREAMS (0x3) is advertised, at the default 100.
    let max_streams = payload.chunks(6).find_map(|setting| {
        (u16::from_be_bytes([setting[0], setting[1]]) == 0x3)
            .then(|| u32::from_be_bytes([setting[2], setting[3], setting[4], setting[5]]))
    });
    assert_eq!(max_streams, Some(100));
}

// ---- Shutdown

#[tokio::test]
async fn shutdown_finishes_requests_in_flight_and_closes_idle_connections() {
    let mut app = TestApp::spawn().await;
    // Requests in flight: heads sent, bodies still coming.
    let mut in_flight = Vec::new();
    for _ in 0..4 {
        let mut stream = connect(&app).await;
        stream
            .write_all(
                b"POST /oauth2/token HTTP/1.1\r\nHost: x\r\n\
                  Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 29\r\n\r\n\
                  grant_type=",
            )
            .await
            .unwrap();
        in_flight.push(stream);
    }
    // Idle keep-alive connections, each with a request answered.
    let mut idle = Vec::new();
    for _ in 0..4 {
        let mut stream = connect(&app).await;
        stream
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        assert!(read_response(&mut stream).await.starts_with("HTTP/1.1 200"));
        idle.push(stream);
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let server = app.begin_shutdown();

    for stream in &mut idle {
        let (closed_after, rest) = read_until_closed(stream, Duration::from_secs(3)).await;
        assert!(closed_after.is_some(), "an idle connection was kept open");
        assert_eq!(rest, "", "nothing more is said on an idle connection");
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    for stream in &mut in_flight {
        stream.write_all(b"client_credentials").await.unwrap();
        let (closed_after, response) = read_until_closed(stream, Duration::from_secs(5)).await;
        assert!(
            response.starts_with("HTTP/1.1 401") || response.starts_with("HTTP/1.1 400"),
            "a request in flight was cut: {response:?}"
        );
        assert!(response.contains("\"error\""), "{response}");
        assert!(closed_after.is_some(), "closed after its response");
    }
    tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .expect("the server stops once its requests are answered")
        .unwrap()
        .unwrap();
}

#[tokio::test]
async fn a_slow_client_does_not_hold_shutdown_up() {
    // The default header timeout (10 s): shutdown must not wait for it.
    let mut app = TestApp::spawn().await;
    let mut slow = connect(&app).await;
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        .await
        .unwrap();
    let silent = connect(&app).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = Instant::now();
    tokio::time::timeout(Duration::from_secs(5), app.begin_shutdown())
        .await
        .expect("shutdown is not held by a half-sent request")
        .unwrap()
        .unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    drop(silent);
}

#[tokio::test]
async fn readyz_fails_from_the_moment_shutdown_begins() {
    let mut app = TestApp::spawn().await;
    let ready = app.http.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    // A probe whose head is half sent when shutdown begins is answered, and not "ready".
    let mut probe = connect(&app).await;
    probe
        .write_all(b"GET /readyz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let server = app.begin_shutdown();
    tokio::time::sleep(Duration::from_millis(100)).await;
    probe.write_all(b"\r\n").await.unwrap();
    let response = read_response(&mut probe).await;
    assert!(response.starts_with("HTTP/1.1 503"), "{response}");
    assert!(response.ends_with("shutting down\n"), "{response}");
    let _ = tokio::time::timeout(Duration::from_secs(5), server).await;
}
