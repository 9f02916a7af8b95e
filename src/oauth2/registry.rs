//! The client registry as the request path sees it: clients read from the database and kept
//! in memory for a bounded time (`FARM_AUTH_CLIENT_CACHE_SECS`, default 10 s).
//!
//! Why a cache: a client lookup is the only database access on the token endpoint, and
//! through sqlx's SQLite worker threads it costs about a third of an RSA signature, so the
//! endpoint would spend its time on the database instead of on signing. The price is bounded
//! staleness: a client deleted or changed by another process (the CLI, another replica) is
//! seen by this one within the TTL. Unknown client ids are never cached, so random ids
//! cannot fill memory (they are checked for shape before they reach the database).

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use super::browser_origins::BrowserOrigins;
use super::clients::Client;
use crate::clock::{Clock, UnixTime};
use crate::store::{Store, StoreError};

/// More clients than the platform will register; past this the cache starts over.
const MAX_ENTRIES: usize = 10_000;

pub struct ClientRegistry {
    store: Store,
    clock: Clock,
    ttl_secs: i64,
    entries: RwLock<HashMap<String, (Arc<Client>, UnixTime)>>,
    /// The web origins of public clients, for CORS; kept as long as the entries.
    pub browser_origins: BrowserOrigins,
}

impl ClientRegistry {
    /// `ttl_secs = 0` disables the cache: every lookup reads the database.
    pub fn new(store: Store, clock: Clock, ttl_secs: u64) -> ClientRegistry {
        ClientRegistry {
            browser_origins: BrowserOrigins::new(store.clone(), clock.clone(), ttl_secs),
            store,
            clock,
            ttl_secs: ttl_secs as i64,
            entries: RwLock::default(),
        }
    }

    /// The registered client with this id, if any and if it may act now. A suspended client,
    /// or one whose farm is not active, is answered as unknown everywhere the protocol looks
    /// clients up (authorization, client authentication, the checks on its access tokens),
    /// so it gets no tokens and its tokens stop working exactly as a deleted client's do;
    /// administrators still find it through the store.
    pub async fn find(&self, client_id: &str) -> Result<Option<Arc<Client>>, StoreError> {
        Ok(self.find_any(client_id).await?.filter(|c| c.is_usable()))
    }

    /// The registered client with this id, suspended or not: for what a person sees of the
    /// apps they allowed, which they may still want to disconnect.
    pub async fn find_any(&self, client_id: &str) -> Result<Option<Arc<Client>>, StoreError> {
        let now = self.clock.now();
        if let Some((client, loaded_at)) = self.read_entries().get(client_id)
            && now < loaded_at + self.ttl_secs
        {
            return Ok(Some(client.clone()));
        }
        let Some(record) = self.store.find_client(client_id).await? else {
            self.write_entries().remove(client_id);
            return Ok(None);
        };
        let client = Arc::new(Client::try_from(record)?);
        if self.ttl_secs > 0 {
            let mut entries = self.write_entries();
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
            entries.insert(client_id.to_string(), (client.clone(), now));
        }
        Ok(Some(client))
    }

    /// Drops what this process remembers of `client_id`, after changing or deleting it.
    pub fn forget(&self, client_id: &str) {
        self.write_entries().remove(client_id);
        self.browser_origins.invalidate();
    }

    fn write_entries(
        &self,
    ) -> std::sync::RwLockWriteGuard<'_, HashMap<String, (Arc<Client>, UnixTime)>> {
        self.entries
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn read_entries(
        &self,
    ) -> std::sync::RwLockReadGuard<'_, HashMap<String, (Arc<Client>, UnixTime)>> {
        // A panic while holding the lock leaves plain data behind; it is still consistent.
        self.entries
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
