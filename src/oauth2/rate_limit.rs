//! The token endpoint's per-client rate limit, summed over every replica through the
//! database without a write per request. Each replica counts a client's requests in the
//! current one-minute window locally and adds its count to the shared `rate_windows` row at
//! most once a second; a request is refused once the shared total plus what this replica
//! has not reported yet reaches the limit. Across replicas the limit can be overshot by at
//! most one second of traffic per replica.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, Ordering};

use crate::store::{Store, StoreError};

pub const WINDOW_SECS: i64 = 60;
/// Windows kept in memory before old ones are dropped.
const MAX_TRACKED: usize = 10_000;

#[derive(Default)]
struct Window {
    start: i64,
    /// The total over all replicas, as of this replica's last report.
    shared: i64,
    /// Counted here since the last report.
    unreported: i64,
    reported_at: i64,
}

pub struct RateLimiter {
    /// Requests per client and window; 0 means no limit.
    limit: i64,
    windows: Mutex<HashMap<String, Window>>,
    /// The window in which old windows were last dropped.
    pruned: AtomicI64,
}

impl RateLimiter {
    pub fn new(per_minute: u64) -> RateLimiter {
        RateLimiter {
            limit: i64::try_from(per_minute).unwrap_or(i64::MAX),
            windows: Mutex::default(),
            pruned: AtomicI64::new(0),
        }
    }

    /// Counts one request under `key`; `Ok(false)` when it is over the limit. When too many
    /// keys are tracked already (a flood from many addresses), a new key counts under
    /// `fallback` instead, so memory stays bounded.
    pub async fn admit(
        &self,
        store: &Store,
        key: &str,
        fallback: &str,
        now: i64,
    ) -> Result<bool, StoreError> {
        if self.limit == 0 {
            return Ok(true);
        }
        let start = now - now.rem_euclid(WINDOW_SECS);
        let (key, report) = {
            let mut windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
            // Old windows go when the map is full, once per window at most (not a scan on
            // every request of a flood).
            if windows.len() > MAX_TRACKED
                && !windows.contains_key(key)
                && self.pruned.swap(start, Ordering::Relaxed) != start
            {
                windows.retain(|_, w| w.start == start);
            }
            let key = match windows.len() > MAX_TRACKED && !windows.contains_key(key) {
                true => fallback,
                false => key,
            };
            let window = windows.entry(key.to_string()).or_insert_with(|| Window {
                start,
                // A new key reports from its second request on: one request from each of
                // many addresses writes nothing.
                reported_at: now,
                ..Window::default()
            });
            if window.start != start {
                *window = Window {
                    start,
                    ..Window::default()
                };
            }
            if window.shared + window.unreported >= self.limit {
                return Ok(false);
            }
            window.unreported += 1;
            let report = match now > window.reported_at {
                true => {
                    window.reported_at = now;
                    Some(std::mem::take(&mut window.unreported))
                }
                false => None,
            };
            (key.to_string(), report)
        };
        if let Some(count) = report {
            let total = store
                .add_to_rate_window(&format!("token:{key}"), start, count)
                .await?;
            let mut windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(window) = windows.get_mut(&key).filter(|w| w.start == start) {
                window.shared = window.shared.max(total);
            }
        }
        Ok(true)
    }
}
