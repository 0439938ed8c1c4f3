use crate::circuit::{Circuit, CircuitConfig, CLOSED, HALF_OPEN, NORMAL, OPEN, REJECTED};
use crate::registry;
use crate::rule::RuleSpec;
use std::sync::Arc;
use std::thread;

fn config(rule: RuleSpec, probes: u32) -> CircuitConfig {
    CircuitConfig {
        rule,
        reset_timeout_ms: 1_000.0,
        half_open_probes: probes,
        strict_half_open: true,
        volume_threshold: 0,
        rolling_count_timeout_ms: 10_000.0,
        rolling_count_buckets: 10,
    }
}

fn consecutive(threshold: u32) -> RuleSpec {
    RuleSpec::Consecutive { threshold }
}

fn time_window(minimum_calls: u64) -> RuleSpec {
    RuleSpec::TimeWindow {
        failure_rate: 0.5,
        minimum_calls,
        slow_call_ms: f64::INFINITY,
        slow_call_rate: 1.0,
        window_ms: 10_000.0,
        buckets: 10,
    }
}

#[test]
fn consecutive_failures_open_and_a_success_restarts_the_count() {
    let mut c = Circuit::new(config(consecutive(3), 1));
    c.record(NORMAL, true, 1.0, 0.0, true);
    c.record(NORMAL, true, 1.0, 0.0, true);
    c.record(NORMAL, false, 1.0, 0.0, true);
    c.record(NORMAL, true, 1.0, 0.0, true);
    c.record(NORMAL, true, 1.0, 0.0, true);
    assert_eq!(c.state(), CLOSED);
    assert_eq!(c.record(NORMAL, true, 1.0, 0.0, true), OPEN);
    assert_eq!(c.admit(999.0), REJECTED);
}

#[test]
fn a_warming_caller_does_not_open() {
    let mut c = Circuit::new(config(consecutive(1), 1));
    assert_eq!(c.record(NORMAL, true, 1.0, 0.0, false), CLOSED);
    assert_eq!(c.record(NORMAL, true, 1.0, 0.0, true), OPEN);
}

#[test]
fn volume_threshold_holds_back_any_rule() {
    let mut cfg = config(consecutive(1), 1);
    cfg.volume_threshold = 3;
    let mut c = Circuit::new(cfg);
    for expected in [CLOSED, CLOSED, OPEN] {
        let admission = c.admit(0.0);
        assert_eq!(c.record(admission, true, 1.0, 0.0, true), expected);
    }
}

#[test]
fn half_open_lets_exactly_the_configured_probes_through() {
    let mut c = Circuit::new(config(consecutive(1), 2));
    c.record(NORMAL, true, 1.0, 0.0, true);
    let first = c.admit(1_000.0);
    assert_eq!(c.state(), HALF_OPEN);
    let second = c.admit(1_000.0);
    assert!(first > 0 && second == first);
    assert_eq!(c.admit(1_000.0), REJECTED);
    assert_eq!(c.record(first, false, 1.0, 1_001.0, true), HALF_OPEN);
    assert_eq!(c.record(second, false, 1.0, 1_001.0, true), CLOSED);
}

#[test]
fn a_probe_of_an_earlier_round_decides_nothing() {
    let mut c = Circuit::new(config(consecutive(1), 1));
    c.record(NORMAL, true, 1.0, 0.0, true);
    let old = c.admit(1_000.0);
    c.record(old, true, 1.0, 1_000.0, true); // fails: open again
    let current = c.admit(2_000.0);
    assert!(current > old);
    assert_eq!(c.record(old, false, 1.0, 2_000.0, true), HALF_OPEN);
    assert_eq!(c.record(current, false, 1.0, 2_000.0, true), CLOSED);
}

#[test]
fn a_hung_probe_hands_its_place_on_after_reset_timeout() {
    let mut c = Circuit::new(config(consecutive(1), 1));
    c.record(NORMAL, true, 1.0, 0.0, true);
    let hung = c.admit(1_000.0);
    assert!(hung > 0);
    assert_eq!(c.admit(1_500.0), REJECTED);
    assert_eq!(c.admit(2_000.0), hung);
}

#[test]
fn a_returned_probe_can_be_claimed_again() {
    let mut c = Circuit::new(config(consecutive(1), 1));
    c.record(NORMAL, true, 1.0, 0.0, true);
    let probe = c.admit(1_000.0);
    c.return_probe(probe);
    assert_eq!(c.admit(1_000.0), probe);
}

#[test]
fn time_window_forgets_failures_from_before_an_idle_spell() {
    let mut c = Circuit::new(config(time_window(4), 1));
    for _ in 0..3 {
        c.record(NORMAL, true, 1.0, 0.0, true);
    }
    // Long after, three more failures alone do not reach minimumCalls.
    for _ in 0..3 {
        c.record(NORMAL, true, 1.0, 60_000.0, true);
    }
    assert_eq!(c.state(), CLOSED);
    assert_eq!(c.record(NORMAL, true, 1.0, 60_000.0, true), OPEN);
}

#[test]
fn rolling_percentage_needs_more_than_the_percentage() {
    let rule = RuleSpec::RollingPercentage {
        percentage: 50.0,
        volume: 0,
        window_ms: 10_000.0,
        buckets: 10,
    };
    let mut c = Circuit::new(config(rule, 1));
    let mut call = |failed: bool| {
        let admission = c.admit(0.0);
        c.record(admission, failed, 1.0, 0.0, true)
    };
    call(false);
    assert_eq!(call(true), CLOSED); // 50% is not above 50%
    assert_eq!(call(true), OPEN);
}

#[test]
fn only_opossums_rule_may_skip_reporting_a_closed_circuits_successes() {
    let opossum = RuleSpec::RollingPercentage {
        percentage: 50.0,
        volume: 0,
        window_ms: 10_000.0,
        buckets: 10,
    };
    let mut c = Circuit::new(config(opossum, 1));
    let normal = c.admit(0.0);
    assert!(!c.success_matters(normal));
    c.open(0.0);
    let probe = c.admit(1_000.0);
    assert!(c.success_matters(probe));
    let consecutive = Circuit::new(config(consecutive(3), 1));
    assert!(consecutive.success_matters(NORMAL));
}

#[test]
fn rolling_percentage_counts_a_call_when_it_is_fired() {
    // As opossum: a call still running counts in the percentage's denominator.
    let rule = RuleSpec::RollingPercentage {
        percentage: 60.0,
        volume: 0,
        window_ms: 10_000.0,
        buckets: 10,
    };
    let mut c = Circuit::new(config(rule, 1));
    let running = c.admit(0.0);
    let failing = c.admit(0.0);
    assert_eq!(c.record(failing, true, 1.0, 0.0, true), CLOSED);
    assert_eq!(c.rule().counts(0.0).calls, 2);
    assert_eq!(c.record(running, false, 1.0, 0.0, true), CLOSED);
}

#[test]
fn slow_successes_can_open_a_time_window() {
    let rule = RuleSpec::TimeWindow {
        failure_rate: 1.0,
        minimum_calls: 2,
        slow_call_ms: 100.0,
        slow_call_rate: 0.5,
        window_ms: 10_000.0,
        buckets: 10,
    };
    let mut c = Circuit::new(config(rule, 1));
    assert_eq!(c.record(NORMAL, false, 150.0, 0.0, true), CLOSED);
    assert_eq!(c.record(NORMAL, false, 5.0, 0.0, true), OPEN);
}

#[test]
fn one_name_is_one_circuit_across_threads() {
    let cfg = config(consecutive(1_000), 1);
    let holders: Vec<_> = (0..4)
        .map(|_| registry::join("shared-by-threads", cfg.clone()).unwrap())
        .collect();
    let threads: Vec<_> = holders
        .iter()
        .map(|circuit| {
            let circuit = Arc::clone(circuit);
            thread::spawn(move || {
                for _ in 0..250 {
                    registry::lock(&circuit).record(NORMAL, true, 1.0, 0.0, true);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    // 4 threads × 250 failures = the threshold, reached exactly once.
    assert_eq!(registry::lock(&holders[0]).state(), OPEN);
    assert_eq!(registry::lock(&holders[3]).transitions(), 1);
}

#[test]
fn another_config_under_a_live_name_is_refused() {
    let _held = registry::join("taken", config(consecutive(3), 1)).unwrap();
    let error = registry::join("taken", config(consecutive(4), 1))
        .err()
        .unwrap();
    assert!(error.contains("\"taken\""), "{error}");
}

#[test]
fn a_name_nobody_holds_starts_afresh() {
    let first = registry::join("reused", config(consecutive(1), 1)).unwrap();
    registry::lock(&first).record(NORMAL, true, 1.0, 0.0, true);
    drop(first);
    let again = registry::join("reused", config(consecutive(2), 1)).unwrap();
    assert_eq!(registry::lock(&again).state(), CLOSED);
}
