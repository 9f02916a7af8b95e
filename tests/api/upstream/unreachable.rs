//! A provider that is down or never answers gives a clear page in bounded time, never a 500.

use std::time::{Duration, Instant};

use tokio::net::TcpListener;

use super::*;

/// A downstream that offers a provider at `issuer` (which does not answer).
async fn offering(issuer: String) -> TestApp {
    let down = TestApp::spawn().await;
    offer(&down, "gone", "Gone Farm", issuer).await;
    down
}

fn assert_could_not_reach(landing: Landing) {
    let (_, status, page) = landing.page();
    assert_eq!(status.as_u16(), 503, "{page}");
    assert!(page.contains("We could not reach Gone Farm"), "{page}");
}

#[tokio::test]
async fn a_provider_that_is_down_gives_a_clear_page() {
    let closed = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let issuer = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let down = offering(issuer).await;
    let agent = UserAgent::new(&down);
    assert_could_not_reach(agent.navigate("/login/upstream/gone").await);
}

#[tokio::test]
async fn a_provider_that_never_answers_gives_a_clear_page_in_bounded_time() {
    let silent = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let issuer = format!("http://{}", silent.local_addr().unwrap());
    // Accepts connections and holds them, answering nothing.
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = silent.accept().await {
            held.push(socket);
        }
    });
    let down = offering(issuer).await;
    let agent = UserAgent::new(&down);
    let started = Instant::now();
    assert_could_not_reach(agent.navigate("/login/upstream/gone").await);
    assert!(started.elapsed() < Duration::from_secs(15));
    // For half a minute the failure is the answer: strangers cannot make the server wait
    // on a provider that is down, request after request.
    let again = Instant::now();
    assert_could_not_reach(UserAgent::new(&down).navigate("/login/upstream/gone").await);
    assert!(
        again.elapsed() < Duration::from_secs(2),
        "{:?}",
        again.elapsed()
    );
    down.clock.advance(31);
    let later = Instant::now();
    assert_could_not_reach(UserAgent::new(&down).navigate("/login/upstream/gone").await);
    assert!(
        later.elapsed() >= Duration::from_secs(2),
        "asked the provider again"
    );
}
