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

/// Each sync re-reads this much before the newest stamp it has seen: a revocation stamped
/// earlier but committed later (a slow transaction) is still picked up. Stamps come from the
/// database's clock, so the replicas' own clocks do not matter.
const OVERLAP_SECS: i64 = 60;

pub struct RevocationList {
    store: Store,
    clock: Clock,
    /// jti → the token's expiry.
    revoked: RwLock<HashMap<String, UnixTime>>,
    /// The newest `revoked_at` (database time) seen; the next sync reads from `OVERLAP_SECS`
    /// before it.
    newest_seen: AtomicI64,
}

impl RevocationList {
    /// Loads every unexpired revocation.
    pub async fn load(store: Store, clock: Clock) -> Result<RevocationList, StoreError> {
        let list = RevocationList {
            store,
            clock,
            revoked: RwLock::default(),
            newest_seen: AtomicI64::new(i64::MIN + OVERLAP_SECS),
        };
        list.sync().await?;
        Ok(list)
    }

    pub fn is_revoked(&self, jti: &str) -> bool {
        self.read().contains_key(jti)
    }

    /// Records a revocation in the database, then here.
    pub async fn revoke(&self, jti: &str, expires_at: UnixTime) -> Result<(), StoreError> {
        self.store.insert_revoked_token(jti, expires_at).await?;
        self.write().insert(jti.to_string(), expires_at);
        Ok(())
    }

    /// Reads revocations made elsewhere since the last sync and forgets expired ones.
    /// Returns how many entries the list holds.
    pub async fn sync(&self) -> Result<usize, StoreError> {
        let now = self.clock.now();
        let since = self.newest_seen.load(Ordering::SeqCst) - OVERLAP_SECS;
        let rows = self.store.list_revocations_since(since, now).await?;
        let newest = rows.iter().map(|(_, _, revoked_at)| *revoked_at).max();
        let mut revoked = self.write();
        revoked.extend(
            rows.into_iter()
                .map(|(jti, expires_at, _)| (jti, expires_at)),
        );
        revoked.retain(|_, expires_at| *expires_at > now);
        if let Some(newest) = newest {
            self.newest_seen.fetch_max(newest, Ordering::SeqCst);
        }
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
