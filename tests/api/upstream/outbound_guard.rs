//! Outbound calls go only where they may (decision 162): a provider whose address is
//! loopback, private or link-local is never contacted unless an administrator allows its
//! network (`FARM_AUTH_OUTBOUND_ALLOW_NETWORKS`); names are judged by the addresses they
//! resolve to, and IPv4 carried in IPv6 by the IPv4 address.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::net::TcpListener;

use super::*;

/// A listener on loopback that counts the connections made to it, closing each at once.
async fn counting_listener() -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            seen.fetch_add(1, Ordering::SeqCst);
            drop(socket);
        }
    });
    (port, count)
}

/// A downstream (strict, or allowing loopback as tests do) that offers a provider at
/// `issuer`.
async fn offering(issuer: String, strict: bool) -> TestApp {
    let down = TestApp::spawn_with(Options {
        outbound_strict: strict,
        ..Options::default()
    })
    .await;
    offer(&down, "inner", "Inner Farm", issuer).await;
    down
}

/// Starts a sign-in with the provider; the page must say it could not be reached.
async fn sign_in_is_refused(down: &TestApp) {
    let landing = UserAgent::new(down).navigate("/login/upstream/inner").await;
    let (_, status, page) = landing.page();
    assert_eq!(status.as_u16(), 503, "{page}");
    assert!(page.contains("We could not reach Inner Farm"), "{page}");
}

#[tokio::test]
async fn a_loopback_provider_is_never_contacted() {
    // http is accepted for loopback issuers only (decision 131): the mapped address is https.
    for base in [
        "http://127.0.0.1",
        "https://[::ffff:127.0.0.1]",
        "http://localhost",
    ] {
        let (port, connections) = counting_listener().await;
        let down = offering(format!("{base}:{port}"), true).await;
        let logged = crate::support::captured_logs().len();
        sign_in_is_refused(&down).await;
        assert_eq!(
            connections.load(Ordering::SeqCst),
            0,
            "{base} was contacted"
        );
        let logs = crate::support::captured_logs();
        assert!(
            logs[logged..].contains("is not an address farm-auth calls"),
            "the refusal names its cause"
        );
    }
}

#[tokio::test]
async fn an_allowed_network_is_contacted() {
    let (port, connections) = counting_listener().await;
    let down = offering(format!("http://localhost:{port}"), false).await;
    // The listener closes every connection: the sign-in fails, after connecting.
    sign_in_is_refused(&down).await;
    assert!(connections.load(Ordering::SeqCst) >= 1);
}
