//! The concurrency limit's state for one key: when each held unit's lease ends, oldest
//! first (leases are taken in time order, so they end in that order too).

use crate::algorithm::Decision;
use std::collections::VecDeque;

#[derive(Default)]
pub struct Leases {
    ends: VecDeque<f64>,
    pub blocked_until: f64,
}

impl Leases {
    fn expire(&mut self, now: f64) {
        while self.ends.front().is_some_and(|&end| end <= now) {
            self.ends.pop_front();
        }
    }

    /// Takes `cost` leases if they fit (with `take`), and says what it decided.
    pub fn acquire(
        &mut self,
        limit: f64,
        lease_ms: f64,
        now: f64,
        cost: f64,
        take: bool,
    ) -> Decision {
        self.expire(now);
        let held = self.ends.len() as f64;
        let allowed = held + cost <= limit;
        let after = if allowed { held + cost } else { held };
        let last_end = if allowed {
            now + lease_ms
        } else {
            self.ends.back().copied().unwrap_or(now)
        };
        let retry_after_ms = if allowed {
            0.0
        } else {
            // At the latest the oldest leases end by themselves; a holder's release comes sooner.
            let needed = (held + cost - limit) as usize;
            (self.ends[needed - 1] - now).max(1.0)
        };
        if allowed && take {
            for _ in 0..cost as usize {
                self.ends.push_back(now + lease_ms);
            }
        }
        Decision {
            allowed,
            remaining: (limit - after).max(0.0),
            reset_ms: if after > 0.0 { last_end - now } else { 0.0 },
            retry_after_ms,
        }
    }

    /// Ends `cost` leases, the oldest first.
    /// Ends `cost` live leases, the oldest first. Expired ones go first: ending an already
    /// expired lease would leave a live one held, and the key would under-admit.
    pub fn release(&mut self, cost: f64, now: f64) {
        self.expire(now);
        for _ in 0..cost as usize {
            self.ends.pop_front();
        }
    }

    /// Nothing held and not blocked: the key can be dropped.
    pub fn idle(&mut self, now: f64) -> bool {
        self.expire(now);
        self.ends.is_empty() && self.blocked_until <= now
    }
}
