//! A PostgreSQL that goes away: the server reaches it through a proxy the test cuts (every
//! open connection closed, new ones closed at once), and brings back.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

use super::{
    assert_temporarily_unavailable, on_postgres, one_at_a_time, outage_lines, readyz, token,
};
use crate::support::{Options, TestApp, TestDatabase, eventually};

/// A TCP proxy in front of the test's PostgreSQL server.
struct Proxy {
    port: u16,
    up: Arc<AtomicBool>,
    cut: watch::Sender<u64>,
}

impl Proxy {
    async fn start(target: String) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let up = Arc::new(AtomicBool::new(true));
        let (cut, cuts) = watch::channel(0u64);
        let is_up = up.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                if !is_up.load(Ordering::Acquire) {
                    continue; // dropped: the connection closes at once
                }
                let target = target.clone();
                let mut cuts = cuts.clone();
                cuts.mark_unchanged();
                tokio::spawn(async move {
                    let Ok(server) = TcpStream::connect(target).await else {
                        return;
                    };
                    let (mut client, mut server) = (client, server);
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                        _ = cuts.changed() => {}
                    }
                });
            }
        });
        Proxy { port, up, cut }
    }

    fn cut(&self) {
        self.up.store(false, Ordering::Release);
        self.cut.send_modify(|n| *n += 1);
    }

    fn restore(&self) {
        self.up.store(true, Ordering::Release);
    }
}

#[tokio::test]
async fn a_postgresql_that_goes_away_is_answered_503_and_its_return_is_noticed() {
    if !on_postgres() {
        return; // SQLite has no server to lose; see `locked` and `disk_full`.
    }
    let _serial = one_at_a_time().await;
    let database = TestDatabase::new().await;
    let mut url = url::Url::parse(&database.url).unwrap();
    let target = format!("{}:{}", url.host_str().unwrap(), url.port().unwrap_or(5432));
    let proxy = Proxy::start(target).await;
    url.set_host(Some("127.0.0.1")).unwrap();
    url.set_port(Some(proxy.port)).unwrap();
    let app = TestApp::spawn_with(Options {
        database: Some(database),
        database_url: Some(url.to_string()),
        database_timeout_secs: Some(2),
        ..Default::default()
    })
    .await;
    let bot = app.machine_client("openid").await;
    let tokens: Vec<String> = {
        let mut tokens = Vec::new();
        for _ in 0..6 {
            tokens.push(token(&app, &bot).await);
        }
        tokens
    };
    let (began_before, ended_before) = outage_lines();

    proxy.cut();
    for token in &tokens[..5] {
        let started = Instant::now();
        let response = app.revoke(&bot, token).await;
        assert!(
            started.elapsed() < Duration::from_secs(4),
            "{:?}",
            started.elapsed()
        );
        assert_temporarily_unavailable(response).await;
    }
    let (status, took) = readyz(&app).await;
    assert_eq!(status, 503);
    assert!(took < Duration::from_millis(1500), "{took:?}");
    assert_eq!(outage_lines(), (began_before + 1, ended_before));

    proxy.restore();
    assert!(
        eventually(15, || async { outage_lines().1 == ended_before + 1 }).await,
        "the end of the outage is logged"
    );
    // One probe's answer stands for a second (the probe is public, and a write).
    assert!(
        eventually(3, || async { readyz(&app).await.0 == 200 }).await,
        "ready again"
    );
    assert_eq!(app.revoke(&bot, &tokens[5]).await.status(), 200);
}
