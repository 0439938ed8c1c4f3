//! When a circuit's recorded calls call for opening it: the shareable breaker kinds of the
//! TypeScript package (`spec` of each breaker), with the same arithmetic.

use crate::window::{Counts, Window};

#[derive(Clone, Debug, PartialEq)]
pub enum RuleSpec {
    /// Opens after `threshold` failures in a row.
    Consecutive { threshold: u32 },
    /// Opossum's rule: failures above `percentage` percent of the window's calls, once it
    /// holds `volume` calls.
    RollingPercentage {
        percentage: f64,
        volume: u64,
        window_ms: f64,
        buckets: u32,
    },
    /// Failure rate or slow-call rate at or above its threshold, once the window holds
    /// `minimum_calls` calls.
    TimeWindow {
        failure_rate: f64,
        minimum_calls: u64,
        slow_call_ms: f64,
        slow_call_rate: f64,
        window_ms: f64,
        buckets: u32,
    },
}

/// A rule with the calls it has seen.
pub struct Rule {
    spec: RuleSpec,
    window: Option<Window>,
    consecutive: u32,
}

impl Rule {
    pub fn new(spec: RuleSpec) -> Self {
        let window = match spec {
            RuleSpec::Consecutive { .. } => None,
            RuleSpec::RollingPercentage {
                window_ms, buckets, ..
            }
            | RuleSpec::TimeWindow {
                window_ms, buckets, ..
            } => Some(Window::new(window_ms, buckets)),
        };
        Rule {
            spec,
            window,
            consecutive: 0,
        }
    }

    /// A call was fired. Opossum's rule counts fires (rejected ones too) as its calls, and a
    /// call that is still running counts already, so it is counted here, not in `record`.
    pub fn fired(&mut self, now: f64, calls: u32) {
        if let (RuleSpec::RollingPercentage { .. }, Some(window)) = (&self.spec, &mut self.window) {
            window.push(now, calls, false, false);
        }
    }

    /// Failures of opossum's rule recorded by breakers alone (see `failure_budget`): no
    /// decision, since the budget said none of them could open the circuit.
    pub fn failed_elsewhere(&mut self, now: f64, failures: u32) {
        if let (RuleSpec::RollingPercentage { .. }, Some(window)) = (&self.spec, &mut self.window) {
            window.add(now, 0, failures, 0);
        }
    }

    /// How many more failures at `now` cannot open the circuit, whatever else happens
    /// before the window's bucket ends: opossum's rule only (0 for the others, whose every
    /// outcome is decided under the lock). More fires only lower the failure rate, so the
    /// count of fires so far is the worst case.
    pub fn failure_budget(&self, now: f64) -> u32 {
        let RuleSpec::RollingPercentage { percentage, .. } = self.spec else {
            return 0;
        };
        let Counts {
            calls, failures, ..
        } = self
            .window
            .as_ref()
            .map_or(Counts::default(), |w| w.counts(now));
        if calls == 0 {
            return 0;
        }
        if percentage >= 100.0 {
            return u32::MAX;
        }
        // The largest k with (failures + k) / calls * 100 <= percentage, checked with the
        // same arithmetic as `exceeded`, so rounding cannot let a tripping failure through.
        let mut allowed = ((percentage / 100.0) * calls as f64).floor() as i64 - failures as i64;
        while allowed > 0
            && ((failures as i64 + allowed) as f64 / calls as f64) * 100.0 > percentage
        {
            allowed -= 1;
        }
        allowed.clamp(0, u32::MAX as i64) as u32
    }

    /// When a call fired at `now` would stop landing in the bucket `now` is in.
    pub fn bucket_ends_at(&self, now: f64) -> f64 {
        self.window
            .as_ref()
            .map_or(f64::INFINITY, |w| w.bucket_ends_at(now))
    }

    /// Records one finished call; true when the calls now call for opening the circuit.
    pub fn record(&mut self, now: f64, failed: bool, duration_ms: f64) -> bool {
        if failed {
            self.consecutive = self.consecutive.saturating_add(1);
        } else {
            self.consecutive = 0;
        }
        let slow = match self.spec {
            RuleSpec::TimeWindow { slow_call_ms, .. } => duration_ms >= slow_call_ms,
            _ => false,
        };
        let calls = u32::from(!matches!(self.spec, RuleSpec::RollingPercentage { .. }));
        if let Some(window) = &mut self.window {
            window.push(now, calls, failed, slow);
        }
        match self.spec {
            RuleSpec::Consecutive { threshold } => failed && self.consecutive >= threshold,
            // Opossum looks at its window only when a call fails.
            RuleSpec::RollingPercentage { .. } => failed && self.exceeded(now),
            // A slow success can tip the slow-call rate.
            RuleSpec::TimeWindow { .. } => self.exceeded(now),
        }
    }

    fn exceeded(&self, now: f64) -> bool {
        let Counts {
            calls,
            failures,
            slow,
        } = self
            .window
            .as_ref()
            .map_or(Counts::default(), |w| w.counts(now));
        match self.spec {
            RuleSpec::Consecutive { .. } => false,
            RuleSpec::RollingPercentage {
                percentage, volume, ..
            } => {
                calls >= volume
                    && calls > 0
                    && (failures as f64 / calls as f64) * 100.0 > percentage
            }
            RuleSpec::TimeWindow {
                failure_rate,
                minimum_calls,
                slow_call_rate,
                ..
            } => {
                calls >= minimum_calls
                    && calls > 0
                    && (failures as f64 >= failure_rate * calls as f64
                        || slow as f64 >= slow_call_rate * calls as f64)
            }
        }
    }

    #[cfg(test)]
    pub fn counts(&self, now: f64) -> Counts {
        self.window
            .as_ref()
            .map_or(Counts::default(), |w| w.counts(now))
    }

    /// Forgets what the circuit closed over. Opossum keeps its rolling window across a
    /// close, so the rolling-percentage rule keeps its window too.
    pub fn reset_on_close(&mut self) {
        self.consecutive = 0;
        if !matches!(self.spec, RuleSpec::RollingPercentage { .. }) {
            if let Some(window) = &mut self.window {
                window.clear();
            }
        }
    }
}
