//! The token endpoint's per-client rate limit, summed over every replica through the
//! database without a write per request. Each replica counts a client's requests in the
//! current one-minute window locally and adds its count to the shared `rate_windows` row at
//! most once a second; a request is refused once the shared total plus what this replica
//! has not reported yet reaches the limit. Across replicas the limit can be overshot by at
//! most one second of traffic per replica.

use std::collections::HashMap;
use std::sync::Mutex;

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
}

impl RateLimiter {
    pub fn new(per_minute: u64) -> RateLimiter {
        RateLimiter {
            limit: i64::try_from(per_minute).unwrap_or(i64::MAX),
            windows: Mutex::default(),
        }
    }

    /// Counts one request of `client_id`; `Ok(false)` when it is over the limit.
    pub async fn admit(
        &self,
        store: &Store,
        client_id: &str,
        now: i64,
    ) -> Result<bool, StoreError> {
        if self.limit == 0 {
            return Ok(true);
        }
        let start = now - now.rem_euclid(WINDOW_SECS);
        let report = {
            let mut windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
            if windows.len() > MAX_TRACKED {
                windows.retain(|_, w| w.start == start);
            }
            let window = windows.entry(client_id.to_string()).or_default();
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
            match now > window.reported_at {
                true => {
                    window.reported_at = now;
                    Some(std::mem::take(&mut window.unreported))
                }
                false => None,
            }
        };
        if let Some(count) = report {
            let total = store
                .add_to_rate_window(&format!("token:{client_id}"), start, count)
                .await?;
            let mut windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(window) = windows.get_mut(client_id).filter(|w| w.start == start) {
                window.shared = window.shared.max(total);
            }
        }
        Ok(true)
    }
}
