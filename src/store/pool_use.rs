//! What the metrics read of the store when scraped: the pool's connections and whether an
//! outage is in progress.

use std::sync::atomic::Ordering;

use super::Store;

/// How many connections the pool holds.
#[derive(Clone, Copy, Debug)]
pub struct PoolUse {
    pub open: i64,
    pub idle: i64,
    pub max: i64,
}

impl Store {
    /// The pool's connections now.
    pub fn pool_use(&self) -> PoolUse {
        PoolUse {
            open: i64::from(self.pool.size()),
            idle: i64::try_from(self.pool.num_idle()).unwrap_or(i64::MAX),
            max: i64::from(self.pool.options().get_max_connections()),
        }
    }

    /// Whether an outage is in progress (writes failing, answered 503).
    pub fn in_outage(&self) -> bool {
        self.outage.load(Ordering::Acquire)
    }
}
