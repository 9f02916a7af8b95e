//! [`KeyRing`]: the key set of this process, re-read from the database when it changes.

use std::sync::Arc;

use arc_swap::ArcSwap;

use super::KeyError;
use super::rotation::generate_off_runtime;
use super::set::KeySet;
use crate::clock::Clock;
use crate::store::Store;

/// The key set of this process, swapped atomically when the database says it changed.
pub struct KeyRing {
    current: ArcSwap<KeySet>,
    store: Store,
    clock: Clock,
    /// How long a retired key stays published, in seconds.
    retention: i64,
}

impl KeyRing {
    /// Loads the published keys (none, in a new database: the server's start-up makes the
    /// first with [`KeyRing::ensure_signing_key`]). `retention_secs`: how long a retired key
    /// stays published.
    pub async fn load(
        store: Store,
        clock: Clock,
        retention_secs: i64,
    ) -> Result<KeyRing, KeyError> {
        let set = load_set(&store, &clock, retention_secs).await?;
        Ok(KeyRing {
            current: ArcSwap::from_pointee(set),
            store,
            clock,
            retention: retention_secs,
        })
    }

    /// The key set in force now; cheap (an atomic load).
    pub fn current(&self) -> arc_swap::Guard<Arc<KeySet>> {
        self.current.load()
    }

    /// Re-reads the key set if the database's differs from ours. Returns whether it changed.
    pub async fn refresh(&self) -> Result<bool, KeyError> {
        let now = self.clock.now();
        let version = self.store.signing_keys_version(now, self.retention).await?;
        if version == self.current.load().version {
            return Ok(false);
        }
        let set = load_set(&self.store, &self.clock, self.retention).await?;
        if set.active_kid().is_none() {
            // The active key was withdrawn by hand (or lost with a restore): tokens cannot
            // be signed until there is one, so make a new first key as at start-up.
            tracing::warn!("no active signing key in the database; making a new one");
            self.make_first_key().await?;
            return Ok(true);
        }
        tracing::info!(active_kid = set.active_kid(), "signing keys reloaded");
        self.current.store(Arc::new(set));
        Ok(true)
    }

    /// Makes the first signing key if the database has no active one, at the server's
    /// start-up. Replicas starting together race for it; exactly one key wins.
    pub async fn ensure_signing_key(&self) -> Result<(), KeyError> {
        if self.current().active_kid().is_some() {
            return Ok(());
        }
        self.make_first_key().await
    }

    /// Inserts a new key as the first active one, unless another process did, and loads the
    /// set.
    async fn make_first_key(&self) -> Result<(), KeyError> {
        let (kid, der) = generate_off_runtime().await?;
        let now = self.clock.now();
        if self.store.insert_first_signing_key(&kid, &der, now).await? {
            tracing::info!(kid, "generated the first signing key");
        }
        // Whoever won the race, the database now holds exactly one active key.
        let set = load_set(&self.store, &self.clock, self.retention).await?;
        if set.active_kid().is_none() {
            return Err(KeyError::NoActiveKey);
        }
        self.current.store(Arc::new(set));
        Ok(())
    }
}

async fn load_set(store: &Store, clock: &Clock, retention: i64) -> Result<KeySet, KeyError> {
    let records = store
        .list_published_signing_keys(clock.now(), retention)
        .await?;
    KeySet::from_records(&records, clock)
}
