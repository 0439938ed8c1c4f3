//! One circuit's state machine: closed, open, half-open, with numbered half-open rounds
//! so that only this round's probes decide it. The TypeScript class runs the same machine
//! for a circuit of its own; this one is shared by every thread that names it.

use crate::rule::{Rule, RuleSpec};
use crate::window::Window;

pub const CLOSED: u32 = 0;
pub const OPEN: u32 = 1;
pub const HALF_OPEN: u32 = 2;

/// `admit` answers with one of these, or with a probe's round (1 and up).
pub const REJECTED: i64 = -1;
pub const NORMAL: i64 = 0;

#[derive(Clone, Debug, PartialEq)]
pub struct CircuitConfig {
    pub rule: RuleSpec,
    pub reset_timeout_ms: f64,
    /// Successful probes that close a half-open circuit.
    pub half_open_probes: u32,
    /// Only this round's probes decide a half-open circuit (false: any call does, as opossum).
    pub strict_half_open: bool,
    /// Opossum's `volumeThreshold`: the circuit opens only once this many calls were fired
    /// in the last `rolling_count_timeout_ms`, whatever the rule.
    pub volume_threshold: u64,
    pub rolling_count_timeout_ms: f64,
    pub rolling_count_buckets: u32,
}

pub struct Circuit {
    config: CircuitConfig,
    rule: Rule,
    /// Fired calls over the rolling window, kept only when a volumeThreshold asks for them.
    fires: Option<Window>,
    state: u32,
    opened_at: f64,
    round: i64,
    probes_left: u32,
    probe_successes: u32,
    last_probe_at: f64,
    /// Counts transitions, so a thread can tell that the circuit moved while it looked away.
    transitions: u64,
    /// The latest time any call brought: where fires admitted without a lock are counted.
    last_now: f64,
}

impl Circuit {
    pub fn new(config: CircuitConfig) -> Self {
        let fires = (config.volume_threshold > 0).then(|| {
            Window::new(
                config.rolling_count_timeout_ms,
                config.rolling_count_buckets,
            )
        });
        Circuit {
            rule: Rule::new(config.rule.clone()),
            fires,
            config,
            state: CLOSED,
            opened_at: 0.0,
            round: 0,
            probes_left: 0,
            probe_successes: 0,
            last_probe_at: 0.0,
            transitions: 0,
            last_now: f64::NEG_INFINITY,
        }
    }

    pub fn config(&self) -> &CircuitConfig {
        &self.config
    }

    pub fn state(&self) -> u32 {
        self.state
    }

    #[cfg(test)]
    pub fn transitions(&self) -> u64 {
        self.transitions
    }

    pub fn probes_left(&self) -> u32 {
        self.probes_left
    }

    pub fn opened_at(&self) -> f64 {
        self.opened_at
    }

    #[cfg(test)]
    pub fn rule(&self) -> &Rule {
        &self.rule
    }

    /// A call that the breaker answered without asking for admission (disabled, or served
    /// from its cache) was fired all the same, and opossum's rule counts it.
    pub fn fired(&mut self, now: f64) {
        self.saw(now);
        self.count_fires(now, 1);
    }

    fn count_fires(&mut self, now: f64, calls: u32) {
        self.rule.fired(now, calls);
        if let Some(fires) = &mut self.fires {
            fires.push(now, calls, false, false);
        }
    }

    fn saw(&mut self, now: f64) {
        if now > self.last_now {
            self.last_now = now;
        }
    }

    /// Counts the fires breakers admitted alone (see `fast_admission`) and the failures
    /// they recorded alone (see `failure_budget`). Both happened before `fast_until`, so
    /// they belong in the buckets of the latest time seen.
    pub fn counted_elsewhere(&mut self, fires: u32, failures: u32) {
        if fires > 0 {
            self.count_fires(self.last_now, fires);
        }
        if failures > 0 {
            self.rule.failed_elsewhere(self.last_now, failures);
        }
    }

    /// How many failures breakers may record alone, all together, before one must ask:
    /// none of them can open the circuit. Only while admitting alone skips reporting
    /// successes (opossum's rule, closed).
    pub fn failure_budget(&self) -> u32 {
        // Before any time is seen there is no window to judge by.
        if self.fast_admission() != 1 || !self.last_now.is_finite() {
            return 0;
        }
        self.rule.failure_budget(self.last_now)
    }

    /// How a breaker may answer a call without asking (until `fast_until`): 0, it must ask
    /// (half-open: probes are claimed here); 1, admit, the success needs no report; 2,
    /// admit and report the success; 3, reject (open). Either way `admit` would only have
    /// counted a fire, which the breaker leaves for `counted_elsewhere`.
    pub fn fast_admission(&self) -> u32 {
        match (self.state, self.success_matters(NORMAL)) {
            (CLOSED, false) => 1,
            (CLOSED, true) => 2,
            (OPEN, _) => 3,
            _ => 0,
        }
    }

    /// Until when `fast_admission` holds: a fire counted at the latest time seen must still
    /// land in its bucket, and an open circuit must not yet be due to go half-open.
    pub fn fast_until(&self) -> f64 {
        let rule = self.rule.bucket_ends_at(self.last_now);
        let fires = self
            .fires
            .as_ref()
            .map_or(f64::INFINITY, |w| w.bucket_ends_at(self.last_now));
        let half_open_at = if self.state == OPEN {
            self.opened_at + self.config.reset_timeout_ms
        } else {
            f64::INFINITY
        };
        rule.min(fires).min(half_open_at)
    }

    /// Whether a call may run now: `NORMAL`, a probe's round, or `REJECTED`.
    pub fn admit(&mut self, now: f64) -> i64 {
        self.fired(now);
        if self.state == CLOSED {
            return NORMAL;
        }
        self.refresh(now);
        if self.state != HALF_OPEN {
            return REJECTED;
        }
        if self.probes_left > 0 {
            self.probes_left -= 1;
            self.last_probe_at = now;
            return self.round;
        }
        // A probe that has not settled within resetTimeout hands its place on, so a hung
        // probe cannot hold the circuit half-open for ever.
        if self.config.strict_half_open
            && self.probe_successes < self.config.half_open_probes
            && now - self.last_probe_at >= self.config.reset_timeout_ms
        {
            self.last_probe_at = now;
            return self.round;
        }
        REJECTED
    }

    /// Whether the success of a call admitted as `admission` changes anything. Opossum's
    /// rule counts a call when it is fired and looks only at failures, so a normal call's
    /// success in a closed circuit needs no report: the breaker skips one boundary crossing.
    /// Without strict half-open, any call that ends while half-open decides it, so every
    /// success matters.
    pub fn success_matters(&self, admission: i64) -> bool {
        !(matches!(self.config.rule, RuleSpec::RollingPercentage { .. })
            && self.config.strict_half_open
            && admission == NORMAL
            && self.state == CLOSED)
    }

    /// A probe admitted by `admit` could not run (the caller's semaphore was full): its
    /// place goes back to the round it came from.
    pub fn return_probe(&mut self, admission: i64) {
        if admission > NORMAL && admission == self.round && self.state == HALF_OPEN {
            self.probes_left += 1;
        }
    }

    /// Moves an open circuit whose resetTimeout has passed to half-open.
    pub fn refresh(&mut self, now: f64) -> u32 {
        self.saw(now);
        if self.state == OPEN && now - self.opened_at >= self.config.reset_timeout_ms {
            self.state = HALF_OPEN;
            self.round += 1;
            self.probes_left = self.config.half_open_probes;
            self.probe_successes = 0;
            self.last_probe_at = now;
            self.transitions += 1;
        }
        self.state
    }

    /// Records a finished call admitted as `admission`; `may_open` is false while the
    /// caller's breaker warms up. Returns the state after it.
    pub fn record(
        &mut self,
        admission: i64,
        failed: bool,
        duration_ms: f64,
        now: f64,
        may_open: bool,
    ) -> u32 {
        self.saw(now);
        if self.decides_half_open(admission) {
            if failed {
                self.open(now);
            } else {
                self.probe_successes += 1;
                if self.probe_successes >= self.config.half_open_probes
                    || !self.config.strict_half_open
                {
                    self.close();
                }
            }
            return self.state;
        }
        let trips = self.rule.record(now, failed, duration_ms);
        if trips && may_open && self.state == CLOSED && self.volume_reached(now) {
            self.open(now);
        }
        self.state
    }

    fn volume_reached(&self, now: f64) -> bool {
        self.fires
            .as_ref()
            .is_none_or(|fires| fires.counts(now).calls >= self.config.volume_threshold)
    }

    fn decides_half_open(&self, admission: i64) -> bool {
        self.state == HALF_OPEN && (!self.config.strict_half_open || admission == self.round)
    }

    pub fn open(&mut self, now: f64) {
        self.saw(now);
        if self.state == OPEN {
            return;
        }
        self.state = OPEN;
        self.probes_left = 0;
        self.opened_at = now;
        self.transitions += 1;
    }

    pub fn close(&mut self) {
        if self.state == CLOSED {
            return;
        }
        self.state = CLOSED;
        self.probes_left = 0;
        self.rule.reset_on_close();
        self.transitions += 1;
    }
}
