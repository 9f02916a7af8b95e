//! The revoked access tokens, as the request path sees them: every unexpired revocation, held
//! in memory and brought up to date from the database every `FARM_AUTH_REVOCATION_SYNC_SECS`
//! (default 1 s).
//!
//! Why in memory: introspection of a JWT is otherwise pure CPU (one RSA verification), and a
//! database read per request through sqlx costs more than the verification itself. The
//! database stays the record: a revocation is written there first, takes effect in this
//! process at once, and in every other replica at its next sync. A restart loads the list.
//! The list holds only tokens that have not expired yet, so it stays small.

use std::collections::HashMap;
use std::sync::RwLock;
use std::sync::atomic::{AtomicI64, Ordering};

use crate::clock::{Clock, UnixTime};
use crate::store::{Store, StoreError};

/// Each sync re-reads this much before the previous one: revocations stamped by a replica
/// whose clock runs behind ours, or committed late, are still picked up.
const OVERLAP_SECS: i64 = 120;

pub struct RevocationList {
    store: Store,
    clock: Clock,
    /// jti → the token's expiry.
    revoked: RwLock<HashMap<String, UnixTime>>,
    /// When the last sync began; the next one reads from `OVERLAP_SECS` before it.
    synced_from: AtomicI64,
}

impl RevocationList {
    /// Loads every unexpired revocation.
    pub async fn load(store: Store, clock: Clock) -> Result<RevocationList, StoreError> {
        let list = RevocationList {
            store,
            clock,
            revoked: RwLock::default(),
            synced_from: AtomicI64::new(i64::MIN + OVERLAP_SECS),
        };
        list.sync().await?;
        Ok(list)
    }

    pub fn is_revoked(&self, jti: &str) -> bool {
        self.read().contains_key(jti)
    }

    /// Records a revocation in the database, then here.
    pub async fn revoke(&self, jti: &str, expires_at: UnixTime) -> Result<(), StoreError> {
        self.store
            .insert_revoked_token(jti, expires_at, self.clock.now())
            .await?;
        self.write().insert(jti.to_string(), expires_at);
        Ok(())
    }

    /// Reads revocations made elsewhere since the last sync and forgets expired ones.
    /// Returns how many entries the list holds.
    pub async fn sync(&self) -> Result<usize, StoreError> {
        let started = self.clock.now();
        let since = self.synced_from.load(Ordering::SeqCst) - OVERLAP_SECS;
        let rows = self.store.list_revocations_since(since, started).await?;
        let mut revoked = self.write();
        revoked.extend(rows);
        revoked.retain(|_, expires_at| *expires_at > started);
        self.synced_from.store(started, Ordering::SeqCst);
        Ok(revoked.len())
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, HashMap<String, UnixTime>> {
        // A panic while holding the lock leaves plain data behind; it is still consistent.
        self.revoked
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, HashMap<String, UnixTime>> {
        self.revoked
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
