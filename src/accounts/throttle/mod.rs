//! Brute-force defence: failures earn an exponential back-off per key (a username, a
//! username from one address, an address, a user's second factor), kept in the database so
//! that every replica enforces the same locks.
//!
//! The locks are short by design (at most 15 minutes for an account): long enough to make
//! guessing hopeless, short enough that an attacker cannot keep a person out for long. Keys
//! name what was typed, not what exists, so a lock says nothing about whether an account
//! does.

use crate::secrets::hash_secret;
use crate::state::AppState;
use crate::store::StoreError;
use crate::store::throttles::AttemptStart;

use super::audit::Origin;

mod policies;
pub use policies::*;

/// How failures of one kind are punished.
#[derive(Clone, Copy, Debug)]
pub struct Policy {
    prefix: &'static str,
    /// The failure that earns the first lock.
    free: i64,
    /// The first lock, in seconds; each further failure doubles it.
    base: i64,
    /// The longest lock, in seconds.
    max: i64,
    /// Failures older than this many seconds are forgotten.
    forget: i64,
}

/// A limit on requests rather than failures (DECISIONS §86): at most `max` in each fixed
/// window of `window` seconds per key, summed over every replica in the `rate_windows`
/// table. For work that costs us whether or not it succeeds: signing up, asking for a reset
/// link, mailing someone.
#[derive(Clone, Copy, Debug)]
pub struct Limit {
    prefix: &'static str,
    max: i64,
    window: i64,
}

impl Limit {
    /// The key for `subject` (hashed, so that typed text of any length and content fits).
    pub fn key(&self, subject: &str) -> String {
        format!("{}:{}", self.prefix, &hash_secret(subject)[..32])
    }
}

/// Counts one request against each limit in turn. The first limit already full refuses it
/// (`Err`, ending with its window) and the later ones are not counted, so a flood held back
/// by its own address does not use up everyone's budget. A limit of 0 is no limit.
pub async fn count(
    state: &AppState,
    limits: &[(Limit, String)],
) -> Result<Result<(), Locked>, StoreError> {
    let now = state.clock.now();
    for (limit, key) in limits {
        if limit.max == 0 {
            continue;
        }
        let start = now - now.rem_euclid(limit.window);
        let total = state.store.add_to_rate_window(key, start, 1).await?;
        if total > limit.max {
            return Ok(Err(Locked {
                until: start + limit.window,
            }));
        }
    }
    Ok(Ok(()))
}

/// The key of one limit applied to one subject.
pub fn limit(limit: Limit, subject: &str) -> (Limit, String) {
    (limit, limit.key(subject))
}

impl Policy {
    /// The key for `subject` (hashed, so that typed text of any length and content fits).
    pub fn key(&self, subject: &str) -> String {
        format!("{}:{}", self.prefix, &hash_secret(subject)[..32])
    }

    /// The lock earned by the `failures`-th failure, in seconds (0: none).
    fn lock_for(&self, failures: i64) -> i64 {
        let over = failures - self.free;
        if over < 0 {
            return 0;
        }
        let doublings = over.min(20) as u32;
        self.base.saturating_mul(1 << doublings).min(self.max)
    }
}

/// The keys a password login counts against.
/// From the person's own known browser (`device`, its cookie token), that browser's key
/// stands in for the account-wide one ([`super::devices`]): failures elsewhere must not
/// keep them out.
pub fn login_keys(username: &str, origin: &Origin, device: Option<&str>) -> Vec<(Policy, String)> {
    let name = username.trim().to_lowercase();
    let address = address_of(origin);
    let account = match device {
        Some(token) => (LOGIN_DEVICE, LOGIN_DEVICE.key(&format!("{name}\n{token}"))),
        None => (LOGIN_ACCOUNT, LOGIN_ACCOUNT.key(&name)),
    };
    vec![
        (
            LOGIN_FROM_ADDRESS,
            LOGIN_FROM_ADDRESS.key(&format!("{name}\n{address}")),
        ),
        account,
        (LOGIN_ADDRESS, LOGIN_ADDRESS.key(&address)),
    ]
}

/// What counts as one address: an IPv4 address, or an IPv6 /64 (one household or
/// machine is given a whole /64, and could otherwise change address at every attempt).
/// The keys a code typed for `address` counts against: that address from this network,
/// that address from anywhere (or from the person's own known browser, `device`), and this
/// network for any address or username ([`LOGIN_ADDRESS`], shared with passwords).
pub fn email_code_keys(
    address: &str,
    origin: &Origin,
    device: Option<&str>,
) -> Vec<(Policy, String)> {
    let network = address_of(origin);
    let anywhere = match device {
        Some(token) => (
            EMAIL_CODE_DEVICE,
            EMAIL_CODE_DEVICE.key(&format!("{address}\n{token}")),
        ),
        None => (EMAIL_CODE, EMAIL_CODE.key(address)),
    };
    vec![
        (
            EMAIL_CODE_FROM_ADDRESS,
            EMAIL_CODE_FROM_ADDRESS.key(&format!("{address}\n{network}")),
        ),
        anywhere,
        (LOGIN_ADDRESS, LOGIN_ADDRESS.key(&network)),
    ]
}

pub fn address_of(origin: &Origin) -> String {
    network_of(origin, 64)
}

/// What counts as one site for caps on what a caller may keep stored (pending device
/// requests): an IPv4 address, or an IPv6 /56, the prefix ISPs delegate to one customer
/// (RIPE-690), who can otherwise spread a flood over 256 /64s. Not for throttles that lock
/// people out: mobile networks give each subscriber a /64 next to strangers' (§103).
pub fn site_of(origin: &Origin) -> String {
    network_of(origin, 56)
}

/// An IPv4 address as it is, an IPv6 address as its `/prefix` network.
fn network_of(origin: &Origin, prefix: u32) -> String {
    match origin.ip.map(|ip| ip.to_canonical()) {
        Some(std::net::IpAddr::V6(ip)) => {
            let network = u128::from(ip) & !((1u128 << (128 - prefix)) - 1);
            format!("{}/{prefix}", std::net::Ipv6Addr::from(network))
        }
        Some(ip) => ip.to_string(),
        None => String::new(),
    }
}

/// The keys a user code typed on the device page counts against.
pub fn device_code_keys(user_id: &str, origin: &Origin) -> Vec<(Policy, String)> {
    let address = address_of(origin);
    vec![
        (DEVICE_CODE_PERSON, DEVICE_CODE_PERSON.key(user_id)),
        (DEVICE_CODE_ADDRESS, DEVICE_CODE_ADDRESS.key(&address)),
    ]
}

/// The key of one policy applied to one subject.
pub fn key(policy: Policy, subject: &str) -> Vec<(Policy, String)> {
    vec![(policy, policy.key(subject))]
}

/// Refused for a while: the time the lock ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Locked {
    pub until: i64,
}

impl Locked {
    /// Whole seconds left, at least 1 (for `Retry-After`).
    pub fn retry_after(&self, now: i64) -> i64 {
        (self.until - now).max(1)
    }

    /// "Try again in …", for people.
    pub fn try_again(&self, now: i64) -> String {
        let seconds = self.retry_after(now);
        match seconds {
            ..=59 => crate::i18n::t1("try-again-seconds", "n", &seconds.max(1)),
            60..=119 => crate::i18n::t1("try-again-minutes", "n", &1),
            _ => crate::i18n::t1("try-again-minutes", "n", &((seconds + 59) / 60)),
        }
    }
}

/// An attempt under way: counted, and provisionally locked against the attempts that come
/// while it is checked. Settle it with [`Attempt::failed`] or [`Attempt::succeeded`];
/// dropped unsettled, it stays counted as a failure.
#[must_use]
pub struct Attempt {
    keys: Vec<(Policy, AttemptStart)>,
}

/// Starts an attempt counted against every key, or refuses it while one is locked. The
/// count comes first and is atomic, so attempts sent all at once cannot all slip in before
/// the first failure is recorded.
pub async fn begin(
    state: &AppState,
    keys: &[(Policy, String)],
) -> Result<Result<Attempt, Locked>, StoreError> {
    let now = state.clock.now();
    let rows: Vec<(String, i64)> = keys
        .iter()
        .map(|(policy, key)| (key.clone(), policy.forget))
        .collect();
    let started = state
        .store
        .begin_throttled_attempt(&rows, now, |i, failures| keys[i].0.lock_for(failures))
        .await?;
    Ok(match started {
        Ok(starts) => Ok(Attempt {
            keys: keys.iter().map(|(policy, _)| *policy).zip(starts).collect(),
        }),
        Err(until) => Err(Locked { until }),
    })
}

impl Attempt {
    /// The attempt failed: it stays counted. Returns the lock it earned, if any.
    pub fn failed(self) -> Option<Locked> {
        let lock = self.lock_if_failed();
        if lock.is_some() {
            crate::metrics::METRICS.lockouts.inc();
        }
        lock
    }

    /// The lock this attempt earns if it fails, if any.
    pub fn lock_if_failed(&self) -> Option<Locked> {
        self.keys
            .iter()
            .filter(|(_, start)| start.locked_until > start.locked_before)
            .map(|(_, start)| start.locked_until)
            .max()
            .map(|until| Locked { until })
    }

    /// The attempt succeeded: its keys forget their failures. The address-wide key only
    /// takes this attempt back: one good password does not excuse a spray from the same
    /// address.
    pub async fn succeeded(self, state: &AppState) -> Result<(), StoreError> {
        let settled = self.success();
        state
            .store
            .settle_throttled_attempt(&settled.clear(), &settled.undo())
            .await
    }

    /// What [`Attempt::succeeded`] writes, for a caller that writes it in one transaction
    /// with the rest of its step ([`crate::store::sign_ins`]).
    pub fn success(self) -> Settlement {
        let (undo, clear) = self
            .keys
            .into_iter()
            .map(|(policy, start)| (policy.prefix == LOGIN_ADDRESS.prefix, start))
            .partition(|(address_wide, _)| *address_wide);
        let starts = |keys: Vec<(bool, AttemptStart)>| keys.into_iter().map(|(_, s)| s).collect();
        Settlement {
            clear: starts(clear),
            undo: starts(undo),
        }
    }
}

/// A successful attempt's keys: those to forget, and those that only take it back.
pub struct Settlement {
    clear: Vec<AttemptStart>,
    undo: Vec<AttemptStart>,
}

impl Settlement {
    pub fn clear(&self) -> Vec<&AttemptStart> {
        self.clear.iter().collect()
    }

    pub fn undo(&self) -> Vec<&AttemptStart> {
        self.undo.iter().collect()
    }
}

impl Attempt {
    /// The attempt was right, but proves nothing about the failures before it: it is taken
    /// back and they stay. For guesses at codes anyone can make valid ones of (a device user
    /// code), where forgiving on success would let a guesser reset the count with its own.
    pub async fn passed(self, state: &AppState) -> Result<(), StoreError> {
        self.abandoned(state).await
    }

    /// The attempt could not be checked (the server was busy): it is taken back.
    pub async fn abandoned(self, state: &AppState) -> Result<(), StoreError> {
        let undo: Vec<&AttemptStart> = self.keys.iter().map(|(_, start)| start).collect();
        state.store.settle_throttled_attempt(&[], &undo).await
    }
}

/// Forgets the failures of `keys` (a password reset is a fresh start for the account).
pub async fn clear(state: &AppState, keys: &[(Policy, String)]) -> Result<(), StoreError> {
    for (_, key) in keys {
        state.store.clear_throttle(key).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_start_after_the_free_failures_and_double_up_to_the_cap() {
        let p = LOGIN_FROM_ADDRESS;
        assert_eq!(p.lock_for(4), 0);
        assert_eq!(p.lock_for(5), 30);
        assert_eq!(p.lock_for(6), 60);
        assert_eq!(p.lock_for(7), 120);
        assert_eq!(p.lock_for(10), 900);
        assert_eq!(p.lock_for(i64::MAX), 900);
    }

    #[test]
    fn an_ipv6_network_is_one_address_and_mapped_ipv4_is_ipv4() {
        let origin = |ip: &str| Origin {
            ip: Some(ip.parse().unwrap()),
            user_agent: None,
        };
        assert_eq!(
            address_of(&origin("2001:db8:1:2:aaaa::1")),
            "2001:db8:1:2::/64"
        );
        assert_eq!(
            address_of(&origin("2001:db8:1:2:bbbb::9")),
            address_of(&origin("2001:db8:1:2:aaaa::1"))
        );
        assert_eq!(address_of(&origin("::ffff:192.0.2.7")), "192.0.2.7");
        assert_eq!(address_of(&origin("192.0.2.7")), "192.0.2.7");
    }

    #[test]
    fn a_site_is_an_ipv6_56_and_an_ipv4_address() {
        let origin = |ip: &str| Origin {
            ip: Some(ip.parse().unwrap()),
            user_agent: None,
        };
        assert_eq!(site_of(&origin("2001:db8:1:2ff::1")), "2001:db8:1:200::/56");
        assert_eq!(
            site_of(&origin("2001:db8:1:201::9")),
            site_of(&origin("2001:db8:1:2ff::1"))
        );
        assert_ne!(
            site_of(&origin("2001:db8:1:300::1")),
            site_of(&origin("2001:db8:1:2ff::1"))
        );
        assert_eq!(site_of(&origin("::ffff:192.0.2.7")), "192.0.2.7");
    }

    #[test]
    fn keys_hide_what_was_typed_and_differ_by_policy() {
        let a = LOGIN_ACCOUNT.key("alice");
        assert!(!a.contains("alice"));
        assert_ne!(a, LOGIN_FROM_ADDRESS.key("alice"));
        assert_eq!(a, LOGIN_ACCOUNT.key("alice"));
    }
}
