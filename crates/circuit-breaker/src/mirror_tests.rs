use crate::circuit::{CircuitConfig, CLOSED, NORMAL, OPEN};
use crate::registry;
use crate::rule::RuleSpec;

fn rolling(volume_threshold: u64) -> CircuitConfig {
    CircuitConfig {
        rule: RuleSpec::RollingPercentage {
            percentage: 50.0,
            volume: 0,
            window_ms: 10_000.0,
            buckets: 10,
        },
        reset_timeout_ms: 1_000.0,
        half_open_probes: 1,
        strict_half_open: true,
        volume_threshold,
        rolling_count_timeout_ms: 10_000.0,
        rolling_count_buckets: 10,
    }
}

#[test]
fn a_mirror_admits_nothing_until_the_circuit_has_seen_a_time() {
    let circuit = registry::join("mirror-fresh", rolling(0)).unwrap();
    let mirror = registry::mirror(&circuit);
    let (state, admission, until) = mirror.read();
    assert_eq!((state, admission), (CLOSED as i32, 1));
    // No time seen yet: no bucket to count fires in, so every breaker must ask.
    assert!(until < 0.0, "{until}");
}

#[test]
fn fires_admitted_through_mirrors_are_counted_in_the_bucket_of_their_time() {
    let circuit = registry::join("mirror-fires", rolling(0)).unwrap();
    let (a, b) = (registry::mirror(&circuit), registry::mirror(&circuit));
    registry::lock(&circuit).admit(2_500.0);
    // Buckets of 1 s: the one holding 2.5 s ends at 3 s.
    assert_eq!(a.read().2, 3_000.0);
    assert_eq!(b.read().2, 3_000.0);
    for _ in 0..3 {
        a.admit_here();
    }
    b.admit_here();
    // Entering counts them (1 asked + 4 on their own), all in the 2-3 s bucket.
    let entered = registry::lock(&circuit);
    assert_eq!(entered.rule().counts(2_999.0).calls, 5);
    // Ten seconds on, that bucket has left the window.
    assert_eq!(entered.rule().counts(12_500.0).calls, 0);
}

#[test]
fn opening_tells_every_mirror_to_ask() {
    let circuit = registry::join("mirror-open", rolling(0)).unwrap();
    let mirrors: Vec<_> = (0..3).map(|_| registry::mirror(&circuit)).collect();
    let admission = registry::lock(&circuit).admit(0.0);
    assert_eq!(
        registry::lock(&circuit).record(admission, true, 1.0, 0.0, true),
        OPEN
    );
    for mirror in &mirrors {
        let (state, admission, until) = mirror.read();
        assert_eq!((state, admission), (OPEN as i32, 3));
        // Rejecting on their own until the bucket ends (1 s) or resetTimeout (1 s) passes.
        assert_eq!(until, 1_000.0);
    }
}

#[test]
fn an_open_circuit_lets_breakers_reject_only_until_it_is_due_half_open() {
    let circuit = registry::join("mirror-reset", rolling(0)).unwrap();
    let mirror = registry::mirror(&circuit);
    registry::lock(&circuit).open(5_200.0);
    // The bucket ends at 6 s; resetTimeout (1 s) ends at 6.2 s: the earlier holds.
    assert_eq!(mirror.read().2, 6_000.0);
    registry::lock(&circuit).admit(6_100.0);
    assert_eq!(mirror.read().2, 6_200.0);
    mirror.admit_here();
    // Past 6.2 s the breaker asks: the circuit goes half-open and counts the rejected fire.
    let mut entered = registry::lock(&circuit);
    assert_eq!(entered.refresh(6_200.0), crate::circuit::HALF_OPEN);
    assert_eq!(entered.rule().counts(6_200.0).calls, 2);
}

#[test]
fn fires_admitted_on_their_own_count_towards_the_volume_threshold() {
    let circuit = registry::join("mirror-volume", rolling(5)).unwrap();
    let mirror = registry::mirror(&circuit);
    registry::lock(&circuit).admit(100.0);
    for _ in 0..3 {
        mirror.admit_here();
    }
    // 4 fires so far; the fifth call fails: the volume (5) is reached, 1 of 5 failed, under 50%.
    let failing = registry::lock(&circuit).admit(100.0);
    assert_eq!(failing, NORMAL);
    assert_eq!(
        registry::lock(&circuit).record(failing, true, 1.0, 100.0, true),
        CLOSED
    );
    assert_eq!(registry::lock(&circuit).rule().counts(100.0).calls, 5);
}

#[test]
fn a_dropped_mirror_is_forgotten() {
    let circuit = registry::join("mirror-dropped", rolling(0)).unwrap();
    let kept = registry::mirror(&circuit);
    drop(registry::mirror(&circuit));
    registry::lock(&circuit).admit(0.0);
    assert_eq!(registry::mirror_count(&circuit), 1);
    assert_eq!(kept.read().1, 1);
}

#[test]
fn the_fire_counter_may_wrap() {
    let circuit = registry::join("mirror-wrap", rolling(0)).unwrap();
    let mirror = registry::mirror(&circuit);
    mirror.set_fires_for_test(i32::MAX - 1);
    // The circuit has counted up to here.
    drop(registry::lock(&circuit));
    for _ in 0..4 {
        mirror.admit_here();
    }
    assert_eq!(mirror.take(), (4, 0));
}

#[test]
fn failures_recorded_alone_stay_within_the_budget_and_the_tripping_one_asks() {
    let circuit = registry::join("mirror-budget", rolling(0)).unwrap();
    let (a, b) = (registry::mirror(&circuit), registry::mirror(&circuit));
    // 40 fires at 100 ms, opossum's 50%: up to 20 failures cannot open the circuit.
    for _ in 0..40 {
        registry::lock(&circuit).admit(100.0);
    }
    assert_eq!(registry::lock(&circuit).failure_budget(), 20);
    // Two mirrors: 10 each, recorded alone; the eleventh must ask.
    for mirror in [&a, &b] {
        assert!((0..10).all(|_| mirror.fail_here()));
        assert!(!mirror.fail_here());
    }
    // Entering counts the 20: at exactly 50% nothing is left to spend, and the circuit is
    // still closed; the next failure, decided under the lock, opens it.
    let mut entered = registry::lock(&circuit);
    assert_eq!(entered.rule().counts(100.0).failures, 20);
    assert_eq!(entered.failure_budget(), 0);
    assert_eq!(entered.state(), CLOSED);
    assert_eq!(entered.record(NORMAL, true, 1.0, 100.0, true), OPEN);
    drop(entered);
    assert!(!a.fail_here());
}

#[test]
fn more_fires_widen_the_budget_and_other_rules_have_none() {
    let circuit = registry::join("mirror-widen", rolling(0)).unwrap();
    let mirror = registry::mirror(&circuit);
    registry::lock(&circuit).admit(0.0);
    for _ in 0..9 {
        mirror.admit_here();
    }
    // 10 fires once counted: 5 failures may go alone.
    assert_eq!(registry::lock(&circuit).failure_budget(), 5);
    let mut consecutive = rolling(0);
    consecutive.rule = RuleSpec::Consecutive { threshold: 100 };
    let other = registry::join("mirror-consecutive", consecutive).unwrap();
    registry::lock(&other).admit(0.0);
    assert_eq!(registry::lock(&other).failure_budget(), 0);
}
