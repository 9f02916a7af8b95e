//! The outbox survives the server: a change committed while no server runs (the command
//! line), or while the server is killed with SIGKILL between the commit and the delivery,
//! is delivered by the next server to start. Real processes, a real database.

use std::process::Child;
use std::time::Duration;

use super::*;
use crate::support::{
    Behaviour, Receiver, TestDatabase, cli_consumer, cli_env, cli_webhook, run_farm_auth,
    serve_binary, verify_webhook,
};

/// The real binary on `database`, allowed to call the receiver on loopback.
async fn server(database: &TestDatabase, dir: &std::path::Path) -> (Child, String) {
    let allow = [("FARM_AUTH_OUTBOUND_ALLOW_NETWORKS", "127.0.0.0/8")];
    serve_binary(database, dir, &allow).await
}

fn kill_hard(mut child: Child) {
    // SAFETY: kill(2) on the child we started; no memory is involved.
    unsafe { libc::kill(child.id() as i32, libc::SIGKILL) };
    child.wait().unwrap();
}

#[tokio::test]
async fn an_event_committed_before_a_kill_9_is_delivered_after_the_restart() {
    let dir = tempfile::tempdir().unwrap();
    let database = TestDatabase::new().await;
    let receiver = Receiver::start().await;
    let hooks = receiver.url("/hooks");
    let secret = cli_webhook(
        dir.path(),
        &database,
        &hooks,
        &["person.created", "person.locked"],
    );

    // A server is running, the receiver is down: the event waits for a retry.
    receiver.behave(Behaviour::Status(503));
    let (first, _) = server(&database, dir.path()).await;
    cli_consumer(dir.path(), &database, "ada");
    wait_for_requests(&receiver, 1).await;
    // The failed attempt is recorded (a retry in 5 s); then the process dies.
    tokio::time::sleep(Duration::from_millis(500)).await;
    kill_hard(first);

    // Committed while no server runs at all.
    let lock = ["user", "lock", "ada", "--reason", "while down"];
    let locked = run_farm_auth(dir.path(), &cli_env(&database), &lock, None);
    assert!(
        locked.status.success(),
        "{}",
        String::from_utf8_lossy(&locked.stderr)
    );

    // The next server delivers both, in order, once the retry is due (5 s).
    receiver.behave(Behaviour::Accept);
    let (second, _) = server(&database, dir.path()).await;
    let mut delivered = Vec::new();
    for _ in 0..200 {
        delivered = receiver
            .received()
            .iter()
            .filter(|r| r.answered == 200)
            .map(|r| {
                verify_webhook(&secret, r)["type"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect();
        if delivered.len() >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    kill_hard(second);
    assert_eq!(delivered, ["person.created", "person.locked"]);
    let first = &receiver.received()[0];
    let retried = receiver
        .received()
        .into_iter()
        .find(|r| r.answered == 200)
        .unwrap();
    assert_eq!(first.header("webhook-id"), retried.header("webhook-id"));
}
