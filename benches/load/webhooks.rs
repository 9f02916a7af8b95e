//! Webhooks under load (issue 15). A receiver on loopback takes the server's webhooks; each
//! worker owns a person, locks or unlocks them in the database (as the command line or
//! another replica would: one UPDATE, whose trigger writes the event), and waits until the
//! webhook of that change arrives. The row's rate is deliveries per server CPU-second (the
//! server does nothing else meanwhile: fan-out, signing, sending), its latency the lag from
//! the change to the delivery, poll included (a change made elsewhere is seen within 500 ms;
//! one made at this server wakes the dispatcher at once). Then the browser flow again, with
//! an endpoint subscribed to every event type: sign-in must stay within 5% of the flow
//! without it.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, Result, ensure};
use farm_auth::store::Store;
use tokio::sync::Notify;

use crate::server::Server;

/// How long a worker waits for its webhook before counting an error.
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(10);

/// What the receiver has seen: deliveries per person, and a bell rung at each.
#[derive(Default)]
pub(crate) struct Arrivals {
    per_person: Mutex<HashMap<String, u64>>,
    rung: Notify,
}

/// The row's work: the people the workers change, the database they change them in, and
/// what arrived.
pub(crate) struct WebhookLoad {
    /// Where the receiver listens.
    pub(crate) url: String,
    pub(crate) people: Vec<String>,
    store: Store,
    arrivals: Arc<Arrivals>,
}

impl WebhookLoad {
    /// One change and its delivery; `locked` is the person's state, flipped.
    pub(crate) async fn run(&self, person: &str, locked: &mut bool) -> Result<(), String> {
        let seen = self.delivered_to(person);
        let notified = self.arrivals.rung.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        *locked = !*locked;
        let lock = locked.then_some((0, "bench"));
        self.store
            .set_user_lock(person, lock, 0)
            .await
            .map_err(|e| format!("the change failed: {e}"))?;
        let deadline = tokio::time::Instant::now() + DELIVERY_TIMEOUT;
        loop {
            if self.delivered_to(person) > seen {
                return Ok(());
            }
            tokio::select! {
                _ = &mut notified => {}
                _ = tokio::time::sleep_until(deadline) => {
                    return Err("no webhook within 10 s".into());
                }
            }
            notified.set(self.arrivals.rung.notified());
            notified.as_mut().enable();
        }
    }

    fn delivered_to(&self, person: &str) -> u64 {
        let map = self.arrivals.per_person.lock().unwrap();
        map.get(person).copied().unwrap_or(0)
    }
}

/// Starts the receiver, subscribes it (the CLI's `webhook create`) and makes `workers`
/// people; `None` when the server cannot (a build before webhooks).
pub(crate) async fn set_up(server: &Server, workers: usize) -> Result<Option<WebhookLoad>> {
    let arrivals = Arc::new(Arrivals::default());
    let address = receive(arrivals.clone()).await?;
    let url = format!("http://{address}/hooks");
    let args = ["webhook", "create", "--url", &url, "--json"];
    let events = ["--event", "person.locked", "--event", "person.unlocked"];
    let output = server.run_with_input(&[&args[..], &events[..]].concat(), "")?;
    if !output.status.success() {
        eprintln!("no webhook row: this build has no `farm-auth webhook create`");
        return Ok(None);
    }
    let mut people = Vec::with_capacity(workers);
    for n in 0..workers {
        let username = format!("hooked{n}");
        server.create_user_with(&username, &format!("{username}@bench.example"))?;
        people.push(username);
    }
    let database = server.database();
    let store = Store::connect(&database.url)
        .await
        .context("cannot open the bench database")?;
    let mut ids = Vec::with_capacity(people.len());
    for username in &people {
        let user = store
            .find_user_by_username(username)
            .await?
            .context("a bench person is missing")?;
        ids.push(user.id);
    }
    ensure!(!ids.is_empty(), "no people to change");
    Ok(Some(WebhookLoad {
        url,
        people: ids,
        store,
        arrivals,
    }))
}

/// Subscribes the receiver at `url` to every event type (the sign-in row with webhooks).
pub(crate) fn subscribe_everything(server: &Server, url: &str) -> Result<bool> {
    let mut args = vec!["webhook", "create", "--url", url, "--json"];
    for event in farm_auth::events::EVENT_TYPES {
        args.extend(["--event", event]);
    }
    Ok(server.run_with_input(&args, "")?.status.success())
}

/// A receiver on loopback: answers 204 and counts each webhook by its person.
async fn receive(arrivals: Arc<Arrivals>) -> Result<SocketAddr> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let router = axum::Router::new().fallback(move |body: axum::body::Bytes| {
        let arrivals = arrivals.clone();
        async move {
            let event: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
            if let Some(person) = event["data"]["person_id"].as_str() {
                let mut map = arrivals.per_person.lock().unwrap();
                *map.entry(person.to_string()).or_insert(0) += 1;
                drop(map);
                arrivals.rung.notify_waiters();
            }
            axum::http::StatusCode::NO_CONTENT
        }
    });
    tokio::spawn(async move { axum::serve(listener, router).await });
    Ok(address)
}
