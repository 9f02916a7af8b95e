//! Access tokens whose signature this process has already checked, by the SHA-256 of the
//! token, until they expire.
//!
//! Why: a resource server asks about the same token on every request it serves, and the RSA
//! verification is most of the cost of each answer. A remembered token skips only the
//! signature and parsing; revocation and the client's existence are checked on every call
//! all the same. The map is bounded: when full it starts over, which costs one verification
//! per token in use.
//!
//! Every entry belongs to the key set that verified it ([`KeySet::generation`]): a newer
//! set empties the map and an older one can neither read nor add to it, so a key withdrawn
//! by hand stops its tokens the moment the new set is in force, even for a verification
//! that was under way while the set changed.
//!
//! [`KeySet::generation`]: crate::keys::KeySet::generation

use std::collections::HashMap;
use std::sync::Mutex;

use aws_lc_rs::digest;

use super::access_token::AccessTokenClaims;
use crate::clock::UnixTime;

/// Enough for every token in use at a busy platform; a few MiB at most.
const CAPACITY: usize = 10_000;

#[derive(Default)]
pub struct VerifiedTokens {
    inner: Mutex<Remembered>,
}

#[derive(Default)]
struct Remembered {
    /// The key set generation every entry was verified with.
    generation: u64,
    map: HashMap<[u8; 32], AccessTokenClaims>,
}

fn key(token: &str) -> [u8; 32] {
    let mut key = [0u8; 32];
    key.copy_from_slice(digest::digest(&digest::SHA256, token.as_bytes()).as_ref());
    key
}

impl VerifiedTokens {
    /// The claims of `token` if the key set `generation` verified it before and it has not
    /// expired at `now`.
    pub fn get(&self, token: &str, now: UnixTime, generation: u64) -> Option<AccessTokenClaims> {
        let inner = self.inner.lock().ok()?;
        if inner.generation != generation {
            return None;
        }
        inner.map.get(&key(token)).filter(|c| c.exp > now).cloned()
    }

    /// Remembers that the key set `generation` verified `token`. Nothing is kept for a set
    /// older than the one the map holds; a newer one starts the map over.
    pub fn remember(
        &self,
        token: &str,
        claims: &AccessTokenClaims,
        now: UnixTime,
        generation: u64,
    ) {
        let Ok(mut inner) = self.inner.lock() else {
            return;
        };
        if generation < inner.generation {
            return;
        }
        if generation > inner.generation {
            inner.generation = generation;
            inner.map.clear();
        }
        let map = &mut inner.map;
        if map.len() >= CAPACITY {
            map.retain(|_, c| c.exp > now);
            if map.len() >= CAPACITY {
                map.clear();
            }
        }
        map.insert(key(token), claims.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(exp: i64) -> AccessTokenClaims {
        AccessTokenClaims {
            iss: "i".into(),
            sub: "s".into(),
            aud: "a".into(),
            client_id: "c".into(),
            scope: None,
            roles: None,
            farm_id: None,
            farms: None,
            auth_time: None,
            amr: None,
            acr: None,
            iat: 0,
            exp,
            jti: "j".into(),
        }
    }

    #[test]
    fn a_remembered_token_is_found_until_it_expires() {
        let cache = VerifiedTokens::default();
        cache.remember("t1", &claims(100), 0, 1);
        assert_eq!(cache.get("t1", 99, 1).map(|c| c.exp), Some(100));
        assert!(cache.get("t1", 100, 1).is_none());
        assert!(cache.get("t2", 0, 1).is_none());
    }

    #[test]
    fn a_token_is_remembered_only_for_the_key_set_that_verified_it() {
        let cache = VerifiedTokens::default();
        cache.remember("t1", &claims(100), 0, 2);
        assert!(
            cache.get("t1", 0, 3).is_none(),
            "a newer set verifies again"
        );
        assert!(
            cache.get("t1", 0, 1).is_none(),
            "an older set never reads it"
        );
        // A verification under the older set that ends after the swap adds nothing.
        cache.remember("t2", &claims(100), 0, 1);
        assert!(cache.get("t2", 0, 2).is_none());
        // The newer set's first entry forgets everything the older one verified.
        cache.remember("t3", &claims(100), 0, 3);
        assert!(cache.get("t1", 0, 2).is_none());
        assert!(cache.get("t3", 0, 3).is_some());
        assert_eq!(cache.inner.lock().unwrap().map.len(), 1);
    }

    #[test]
    fn a_full_cache_drops_expired_entries_first() {
        let cache = VerifiedTokens::default();
        for n in 0..CAPACITY {
            cache.remember(&format!("old{n}"), &claims(10), 0, 1);
        }
        cache.remember("new", &claims(100), 50, 1);
        assert!(cache.get("new", 50, 1).is_some());
        assert_eq!(cache.inner.lock().unwrap().map.len(), 1);
    }
}
