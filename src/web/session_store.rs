//! tower-sessions' [`SessionStore`] over the `browser_sessions` table, so that a browser
//! session survives restarts and is shared by replicas on one database. Records are JSON,
//! keyed by the SHA-256 of the cookie's id (a copy of the database signs nobody in);
//! expired rows are ignored on load and swept by the server's background task.

use async_trait::async_trait;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};

use crate::clock::Clock;
use crate::secrets::hash_secret;
use crate::store::{Store, StoreError};

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
        loop {
            let expires = self.stored_expiry(record.expiry_date);
            match self
                .store
                .insert_browser_session(&key(&record.id), &data, expires)
                .await
            {
                Err(StoreError::Conflict) => record.id = Id::default(),
                other => return other.map_err(backend),
            }
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let data = encode(record)?;
        self.store
            .upsert_browser_session(
                &key(&record.id),
                &data,
                self.stored_expiry(record.expiry_date),
            )
            .await
            .map_err(backend)
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
