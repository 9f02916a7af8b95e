//! Access tokens whose signature this process has already checked, by the SHA-256 of the
//! token, until they expire.
//!
//! Why: a resource server asks about the same token on every request it serves, and the RSA
//! verification is most of the cost of each answer. A remembered token skips only the
//! signature and parsing; revocation and the client's existence are checked on every call
//! all the same. The map is bounded: when full it starts over, which costs one verification
//! per token in use.

use std::collections::HashMap;
use std::sync::Mutex;

use aws_lc_rs::digest;

use super::access_token::AccessTokenClaims;
use crate::clock::UnixTime;

/// Enough for every token in use at a busy platform; a few MiB at most.
const CAPACITY: usize = 10_000;

#[derive(Default)]
pub struct VerifiedTokens {
    map: Mutex<HashMap<[u8; 32], AccessTokenClaims>>,
}

fn key(token: &str) -> [u8; 32] {
    let mut key = [0u8; 32];
    key.copy_from_slice(digest::digest(&digest::SHA256, token.as_bytes()).as_ref());
    key
}

impl VerifiedTokens {
    /// The claims of `token` if it was verified before and has not expired at `now`.
    pub fn get(&self, token: &str, now: UnixTime) -> Option<AccessTokenClaims> {
        let map = self.map.lock().ok()?;
        map.get(&key(token)).filter(|c| c.exp > now).cloned()
    }

    /// Forgets everything: the published keys changed.
    pub fn clear(&self) {
        if let Ok(mut map) = self.map.lock() {
            map.clear();
        }
    }

    pub fn remember(&self, token: &str, claims: &AccessTokenClaims, now: UnixTime) {
        let Ok(mut map) = self.map.lock() else {
            return;
        };
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
            iat: 0,
            exp,
            jti: "j".into(),
        }
    }

    #[test]
    fn a_remembered_token_is_found_until_it_expires() {
        let cache = VerifiedTokens::default();
        cache.remember("t1", &claims(100), 0);
        assert_eq!(cache.get("t1", 99).map(|c| c.exp), Some(100));
        assert!(cache.get("t1", 100).is_none());
        assert!(cache.get("t2", 0).is_none());
    }

    #[test]
    fn a_full_cache_drops_expired_entries_first() {
        let cache = VerifiedTokens::default();
        for n in 0..CAPACITY {
            cache.remember(&format!("old{n}"), &claims(10), 0);
        }
        cache.remember("new", &claims(100), 50);
        assert!(cache.get("new", 50).is_some());
        assert_eq!(cache.map.lock().unwrap().len(), 1);
    }
}
