//! The revoked access tokens, as the request path sees them: every unexpired revocation, held
//! in memory and brought up to date from the database every `FARM_AUTH_REVOCATION_SYNC_SECS`
//! (default 1 s).
//!
//! Why in memory: introspection of a JWT is otherwise pure CPU (one RSA verification), and a
//! database read per request through sqlx costs more than the verification itself. The
//! database stays the record: a revocation is written there first, takes effect in this
//! process at once, and in every other replica at its next sync. A restart loads the list.
//!
//! Bounded (docs/DECISIONS.md §83): each entry is 64 bits of the SHA-256 of the `jti` and
//! when its token expires (16 bytes, about 19 with the table, against ~116 for the text),
//! held at most [`CAPACITY`]; expired entries are dropped once a minute, not at every sync;
//! a sync reads only what was stamped since the last one, in pages. When the list is full it
//! never forgets a revocation: a token whose expiry falls in the range of the revocations it
//! could not hold is looked up in the database, the record, until they have all expired.
//! A flood of revocations slows the checks of the tokens in that range by one indexed read;
//! it locks nobody out (an earlier version refused them all: decision 106).

use std::collections::HashMap;
use std::sync::RwLock;
use std::sync::atomic::{AtomicI64, Ordering};

use crate::clock::{Clock, UnixTime};
use crate::store::{Store, StoreError};

/// Each sync re-reads this much before the newest stamp it has seen: a revocation stamped
/// earlier but committed later (a slow transaction) is still picked up. Stamps come from the
/// database's clock, so the replicas' own clocks do not matter.
const OVERLAP_SECS: i64 = 60;
/// The most revocations held: 17 MiB of table when full (it stays within 2^20 slots).
/// Access tokens live minutes, so this is 900,000 revocations within one token lifetime.
pub const CAPACITY: usize = 900_000;
/// Rows read from the database at a time.
const PAGE: i64 = 10_000;

/// What the list knows of one token.
enum Verdict {
    Revoked,
    /// Not revoked: the list holds every revocation of tokens expiring then.
    Clear,
    /// The list is full for tokens expiring then: the database knows.
    NotHeld,
}

pub struct RevocationList {
    store: Store,
    clock: Clock,
    revoked: RwLock<Revoked>,
    /// The newest `revoked_at` (database time) seen; the next sync reads from `OVERLAP_SECS`
    /// before it.
    newest_seen: AtomicI64,
}

/// The 64-bit fingerprint a `jti` is held by. Two jtis sharing one only make the list
/// refuse a token that was not revoked (fail closed), about once in 2^64 lookups per entry.
fn fingerprint(jti: &str) -> u64 {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, jti.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest.as_ref()[..8]);
    u64::from_le_bytes(first)
}

/// The revocations held, bounded by `capacity`.
struct Revoked {
    capacity: usize,
    /// Fingerprint → when its token expires (32-bit Unix seconds, enough until 2106): 16
    /// bytes an entry, and a hash table stays within 2^20 slots (17 MiB) up to 917,504.
    held: HashMap<u64, u32>,
    /// The minute expired entries were last dropped: once a minute is enough (a scan of the
    /// table), since an expired token is refused by its own `exp` anyway.
    swept_minute: i64,
    /// The expiries of revocations that did not fit: tokens expiring in this range are
    /// refused until it has passed.
    overflow: Option<(UnixTime, UnixTime)>,
}

/// `at` in 32 bits, saturating (a later expiry is held as the latest there is).
fn seconds32(at: UnixTime) -> u32 {
    u32::try_from(at.max(0)).unwrap_or(u32::MAX)
}

impl Revoked {
    fn new(capacity: usize) -> Revoked {
        Revoked {
            capacity,
            held: HashMap::new(),
            swept_minute: i64::MIN,
            overflow: None,
        }
    }

    fn insert(&mut self, print: u64, expires_at: UnixTime, now: UnixTime) {
        if expires_at <= now {
            return;
        }
        let until = seconds32(expires_at);
        if let Some(held) = self.held.get_mut(&print) {
            // Two jtis sharing a fingerprint: kept until the later expiry.
            *held = (*held).max(until);
            return;
        }
        if self.held.len() >= self.capacity {
            self.expire(now, true);
        }
        if self.held.len() >= self.capacity {
            self.overflowed(expires_at);
            return;
        }
        self.held.insert(print, until);
    }

    fn overflowed(&mut self, expires_at: UnixTime) {
        let range = match self.overflow {
            None => {
                tracing::warn!(
                    capacity = self.capacity,
                    "the revocation list is full: tokens expiring when the revocations it \
                     could not hold do are looked up in the database until then"
                );
                (expires_at, expires_at)
            }
            Some((low, high)) => (low.min(expires_at), high.max(expires_at)),
        };
        self.overflow = Some(range);
    }

    /// Drops what expired by `now`, at most once a minute unless `now_anyway`.
    fn expire(&mut self, now: UnixTime, now_anyway: bool) {
        let minute = now.div_euclid(60);
        if now_anyway || minute != self.swept_minute {
            self.swept_minute = minute;
            let now = seconds32(now);
            self.held.retain(|_, until| *until > now);
        }
        if self.overflow.is_some_and(|(_, high)| high <= now) {
            tracing::info!("the revocation list holds every revocation again");
            self.overflow = None;
        }
    }

    fn verdict(&self, print: u64, expires_at: UnixTime) -> Verdict {
        if self.held.contains_key(&print) {
            return Verdict::Revoked;
        }
        match self.overflow {
            Some((low, high)) if (low..=high).contains(&expires_at) => Verdict::NotHeld,
            _ => Verdict::Clear,
        }
    }
}

impl RevocationList {
    /// Loads every unexpired revocation, holding at most [`CAPACITY`].
    pub async fn load(store: Store, clock: Clock) -> Result<RevocationList, StoreError> {
        RevocationList::load_with_capacity(store, clock, CAPACITY).await
    }

    /// Loads every unexpired revocation, holding at most `capacity`.
    pub async fn load_with_capacity(
        store: Store,
        clock: Clock,
        capacity: usize,
    ) -> Result<RevocationList, StoreError> {
        let list = RevocationList {
            store,
            clock,
            revoked: RwLock::new(Revoked::new(capacity)),
            newest_seen: AtomicI64::new(i64::MIN + OVERLAP_SECS),
        };
        list.sync().await?;
        Ok(list)
    }

    /// Whether the token with this `jti`, expiring at `expires_at`, was revoked: from memory,
    /// or from the database when the list is full and cannot vouch for tokens expiring then.
    pub async fn is_revoked(&self, jti: &str, expires_at: UnixTime) -> Result<bool, StoreError> {
        let verdict = self.read().verdict(fingerprint(jti), expires_at);
        match verdict {
            Verdict::Revoked => Ok(true),
            Verdict::Clear => Ok(false),
            Verdict::NotHeld => self.store.is_token_revoked(jti).await,
        }
    }

    /// Records a revocation in the database, then here.
    pub async fn revoke(&self, jti: &str, expires_at: UnixTime) -> Result<(), StoreError> {
        self.store.insert_revoked_token(jti, expires_at).await?;
        let now = self.clock.now();
        self.write().insert(fingerprint(jti), expires_at, now);
        Ok(())
    }

    /// Reads revocations made elsewhere since the last sync, a page at a time, and forgets
    /// expired ones. Returns how many entries the list holds.
    pub async fn sync(&self) -> Result<usize, StoreError> {
        let now = self.clock.now();
        let mut after = (
            self.newest_seen.load(Ordering::SeqCst) - OVERLAP_SECS,
            String::new(),
        );
        loop {
            let rows = self
                .store
                .list_revocations_after(after.0, &after.1, now, PAGE)
                .await?;
            let Some((jti, _, revoked_at)) = rows.last() else {
                break;
            };
            let next = (*revoked_at, jti.clone());
            let full_page = rows.len() as i64 == PAGE;
            {
                let mut revoked = self.write();
                for (jti, expires_at, _) in &rows {
                    revoked.insert(fingerprint(jti), *expires_at, now);
                }
            }
            self.newest_seen.fetch_max(next.0, Ordering::SeqCst);
            after = next;
            if !full_page {
                break;
            }
        }
        let mut revoked = self.write();
        revoked.expire(now, false);
        Ok(revoked.held.len())
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Revoked> {
        // A panic while holding the lock leaves plain data behind; it is still consistent.
        self.revoked
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Revoked> {
        self.revoked
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::{Revoked, Verdict};

    /// Whether the list does not vouch for the token itself (revoked, or the database asked).
    fn refuses(list: &Revoked, print: u64, expires_at: i64) -> bool {
        !matches!(list.verdict(print, expires_at), Verdict::Clear)
    }

    #[test]
    fn an_entry_leaves_when_its_token_expires_and_not_before() {
        let mut list = Revoked::new(10);
        list.insert(1, 1_000, 0);
        list.expire(999, true);
        assert!(refuses(&list, 1, 1_000));
        list.expire(1_000, true);
        assert!(!refuses(&list, 1, 1_000));
    }

    #[test]
    fn one_fingerprint_under_two_expiries_is_held_until_the_later() {
        let mut list = Revoked::new(10);
        list.insert(7, 1_000, 0);
        list.insert(7, 5_000, 0);
        list.insert(7, 1_000, 0);
        list.expire(2_000, true);
        assert!(refuses(&list, 7, 5_000));
        list.expire(5_100, true);
        assert!(list.held.is_empty());
    }

    #[test]
    fn a_full_list_leaves_the_expiries_it_could_not_hold_to_the_database_until_they_pass() {
        let mut list = Revoked::new(2);
        list.insert(1, 1_000, 0);
        list.insert(2, 1_000, 0);
        list.insert(3, 2_000, 0);
        list.insert(4, 2_500, 0);
        assert!(refuses(&list, 3, 2_000), "never forgotten");
        assert!(refuses(&list, 99, 2_200), "cannot vouch for this expiry");
        assert!(
            !refuses(&list, 99, 3_000),
            "nor refuses what it can vouch for"
        );
        assert!(!refuses(&list, 99, 1_500));
        list.expire(2_499, true);
        assert!(refuses(&list, 4, 2_500), "a second before it expires");
        list.expire(2_500, true);
        assert!(list.overflow.is_none());
        assert!(list.held.is_empty());
    }

    #[test]
    fn room_made_by_expiry_is_used_before_overflowing() {
        let mut list = Revoked::new(1);
        list.insert(1, 100, 0);
        list.insert(2, 1_000, 200);
        assert!(list.overflow.is_none());
        assert!(refuses(&list, 2, 1_000));
    }
}
