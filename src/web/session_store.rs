//! tower-sessions' [`SessionStore`] over the `browser_sessions` table, so that a browser
//! session survives restarts and is shared by replicas on one database. Records are JSON,
//! keyed by the SHA-256 of the cookie's id (a copy of the database signs nobody in);
//! expired rows are ignored on load and swept by the server's background task.
//!
//! A session with no one signed in (a visitor's: the CSRF token of the login form, pending
//! authorization requests, a page to return to) is anonymous and kept cheap
//! (docs/DECISIONS.md §80): it lives [`ANONYMOUS_TTL_SECS`] from its last change instead
//! of the idle lifetime, and each client address keeps at most
//! [`ANONYMOUS_PER_ADDRESS`] of them, the least recently changed evicted first. The address
//! reaches the store through [`with_client_key`], set around the session layer.

use async_trait::async_trait;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};

use std::future::Future;

use crate::clock::Clock;
use crate::secrets::hash_secret;
use crate::store::{Store, StoreError};

/// How long an anonymous session lives after its last change: time to read the login page
/// and type a password (Keycloak's authentication sessions default to 30 minutes, Ory's
/// login flows to an hour), not the week a signed-in browser is remembered.
pub const ANONYMOUS_TTL_SECS: i64 = 30 * 60;
/// Anonymous sessions kept per client address (IPv4 address, IPv6 /64); beyond it the least
/// recently changed go. Room for a busy office or campus behind one address, while a flood
/// from one address only evicts its own earlier rows.
pub const ANONYMOUS_PER_ADDRESS: i64 = 64;
/// The key in the record that says someone is signed in (see `web::session`).
const SIGNED_IN_KEY: &str = "login";

tokio::task_local! {
    /// The client address of the request being served, for the store to count anonymous
    /// sessions by (tower-sessions hands a store only the record).
    static CLIENT_KEY: Option<String>;
}

/// Runs `work` (the rest of a request, the session layer included) with `address` (as
/// [`crate::accounts::throttle::address_of`] gives it: an IPv6 address counts by its /64)
/// as the client whose anonymous sessions it creates.
pub async fn with_client_key<F: Future>(address: Option<String>, work: F) -> F::Output {
    CLIENT_KEY.scope(address, work).await
}

fn current_client_key() -> Option<String> {
    CLIENT_KEY.try_with(Clone::clone).ok().flatten()
}

/// Whether nobody is signed in with this record.
fn is_anonymous(record: &Record) -> bool {
    !record.data.contains_key(SIGNED_IN_KEY)
}

#[derive(Clone, Debug)]
pub struct DbSessionStore {
    store: Store,
    clock: Clock,
}

impl DbSessionStore {
    pub fn new(store: Store, clock: Clock) -> Self {
        DbSessionStore { store, clock }
    }

    /// tower-sessions computes expiry from the wall clock; rows are kept in the server's
    /// clock (the injected one in tests), so that expiry follows the same time as the rest.
    fn stored_expiry(&self, expiry: time::OffsetDateTime) -> i64 {
        let remaining = expiry.unix_timestamp() - time::OffsetDateTime::now_utc().unix_timestamp();
        self.clock.now() + remaining
    }

    /// Where and until when a record is kept: an anonymous one under its client's address,
    /// for [`ANONYMOUS_TTL_SECS`] at most.
    fn placement(&self, record: &Record) -> (i64, Option<String>) {
        let expires = self.stored_expiry(record.expiry_date);
        match is_anonymous(record) {
            true => (
                expires.min(self.clock.now() + ANONYMOUS_TTL_SECS),
                current_client_key(),
            ),
            false => (expires, None),
        }
    }

    /// Evicts the anonymous sessions of `client` beyond the cap, least recently changed
    /// first (the record just written is the newest, so it stays).
    async fn evict_beyond_cap(&self, client: Option<&str>) -> session_store::Result<()> {
        if let Some(client) = client {
            self.store
                .evict_anonymous_sessions(client, ANONYMOUS_PER_ADDRESS)
                .await
                .map_err(backend)?;
        }
        Ok(())
    }

    fn record_expiry(&self, stored: i64) -> session_store::Result<time::OffsetDateTime> {
        let remaining = stored - self.clock.now();
        let wall = time::OffsetDateTime::now_utc().unix_timestamp() + remaining;
        time::OffsetDateTime::from_unix_timestamp(wall)
            .map_err(|e| session_store::Error::Decode(e.to_string()))
    }
}

/// The row key of a session id: its hash, like every other bearer secret at rest.
fn key(id: &Id) -> String {
    hash_secret(&id.to_string())
}

fn backend(error: StoreError) -> session_store::Error {
    session_store::Error::Backend(error.to_string())
}

fn encode(record: &Record) -> session_store::Result<Vec<u8>> {
    serde_json::to_vec(&record.data).map_err(|e| session_store::Error::Encode(e.to_string()))
}

#[async_trait]
impl SessionStore for DbSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        let data = encode(record)?;
        // A 128-bit random id colliding is next to impossible; if it happens, draw again.
        let (expires, client) = self.placement(record);
        loop {
            match self
                .store
                .insert_browser_session(&key(&record.id), &data, expires, client.as_deref())
                .await
            {
                Err(StoreError::Conflict) => record.id = Id::default(),
                Err(error) => return Err(backend(error)),
                Ok(()) => return self.evict_beyond_cap(client.as_deref()).await,
            }
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let data = encode(record)?;
        let (expires, client) = self.placement(record);
        self.store
            .upsert_browser_session(&key(&record.id), &data, expires, client.as_deref())
            .await
            .map_err(backend)?;
        self.evict_beyond_cap(client.as_deref()).await
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let Some((data, expires_at)) = self
            .store
            .find_browser_session(&key(id), self.clock.now())
            .await
            .map_err(backend)?
        else {
            return Ok(None);
        };
        // A record that no longer parses (an older format) is a session that has ended.
        let Ok(data) = serde_json::from_slice(&data) else {
            return Ok(None);
        };
        let expiry_date = self.record_expiry(expires_at)?;
        Ok(Some(Record {
            id: *id,
            data,
            expiry_date,
        }))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        self.store
            .delete_browser_session(&key(id))
            .await
            .map_err(backend)
    }
}
