//! The store's own behaviour, without napi: the same rules the conformance suite checks
//! from JavaScript, here at the level of bytes.

use crate::slot::ValueTag;
use crate::store::{Policy, Reason, Store};

fn store(policy: Policy) -> Store {
    Store::new(policy)
}

fn put(s: &mut Store, key: &str, value: &str, ttl: f64, now: f64) {
    s.set(
        key.as_bytes(),
        ValueTag::String,
        value.as_bytes(),
        1.0,
        ttl,
        now,
    );
}

fn read(s: &mut Store, key: &str, now: f64) -> Option<String> {
    s.get(key.as_bytes(), now, |f| {
        String::from_utf8(f.bytes.to_vec()).unwrap()
    })
}

fn keys(s: &Store, now: f64) -> Vec<String> {
    let mut out = Vec::new();
    s.for_each(now, |slot| {
        out.push(String::from_utf8(slot.key().to_vec()).unwrap())
    });
    out
}

#[test]
fn evicts_the_least_recently_used_entry_past_max() {
    let mut s = store(Policy {
        max: 2,
        ..Policy::default()
    });
    put(&mut s, "a", "1", 0.0, 0.0);
    put(&mut s, "b", "2", 0.0, 0.0);
    assert_eq!(read(&mut s, "a", 0.0).as_deref(), Some("1"));
    put(&mut s, "c", "3", 0.0, 0.0);
    assert_eq!(keys(&s, 0.0), ["c", "a"]);
    assert_eq!(s.counters().evictions, 1.0);
}

#[test]
fn max_size_bounds_the_sum_of_sizes() {
    let mut s = store(Policy {
        max_size: 10.0,
        ..Policy::default()
    });
    for (i, size) in [4.0, 4.0, 4.0, 9.0].iter().enumerate() {
        s.set(
            format!("k{i}").as_bytes(),
            ValueTag::Buffer,
            b"x",
            *size,
            0.0,
            0.0,
        );
        assert!(s.calculated_size() <= 10.0);
    }
    assert_eq!(s.len(), 1);
    assert_eq!(s.calculated_size(), 9.0);
}

#[test]
fn an_entry_expires_when_its_ttl_has_passed() {
    let mut s = store(Policy::default());
    put(&mut s, "a", "1", 100.0, 0.0);
    assert_eq!(read(&mut s, "a", 99.0).as_deref(), Some("1"));
    assert_eq!(s.remaining_ttl(b"a", 40.0), 60.0);
    assert_eq!(read(&mut s, "a", 100.0), None);
    assert_eq!(s.len(), 0, "a stale read deletes the entry");
    assert_eq!(s.counters().expirations, 1.0);
}

#[test]
fn allow_stale_serves_a_stale_value_once_then_forgets_it() {
    let mut s = store(Policy {
        allow_stale: true,
        track_removals: true,
        ..Policy::default()
    });
    put(&mut s, "a", "1", 10.0, 0.0);
    assert_eq!(read(&mut s, "a", 50.0).as_deref(), Some("1"));
    assert_eq!(read(&mut s, "a", 50.0), None);
    let removed = s.take_removed();
    assert_eq!(removed.len(), 1);
    assert_eq!(removed[0].reason, Reason::Expire);
    assert_eq!(&*removed[0].value, b"1");
}

#[test]
fn update_age_on_get_restarts_the_ttl() {
    let mut s = store(Policy {
        update_age_on_get: true,
        ..Policy::default()
    });
    put(&mut s, "a", "1", 100.0, 0.0);
    assert!(read(&mut s, "a", 90.0).is_some());
    assert!(read(&mut s, "a", 180.0).is_some());
    assert!(read(&mut s, "a", 280.0).is_none());
}

#[test]
fn overwriting_reports_the_old_value_unless_it_is_the_same() {
    let mut s = store(Policy {
        track_removals: true,
        ..Policy::default()
    });
    put(&mut s, "a", "1", 0.0, 0.0);
    put(&mut s, "a", "1", 0.0, 0.0);
    assert!(s.take_removed().is_empty());
    put(&mut s, "a", "2", 0.0, 0.0);
    let removed = s.take_removed();
    assert_eq!(
        (&*removed[0].value, removed[0].reason),
        (&b"1"[..], Reason::Set)
    );
    assert_eq!(read(&mut s, "a", 0.0).as_deref(), Some("2"));
}

#[test]
fn purge_and_shrink_remove_the_right_entries() {
    let mut s = store(Policy::default());
    put(&mut s, "short", "1", 10.0, 0.0);
    put(&mut s, "long", "2", 1000.0, 0.0);
    put(&mut s, "forever", "3", 0.0, 0.0);
    assert_eq!(s.purge_stale(20.0), 1);
    assert_eq!(keys(&s, 20.0), ["forever", "long"]);
    assert_eq!(s.shrink_to(1, f64::INFINITY), 1);
    assert_eq!(keys(&s, 20.0), ["forever"]);
}

#[test]
fn slots_are_reused_and_memory_returns_when_empty() {
    let mut s = store(Policy {
        max: 3,
        ..Policy::default()
    });
    for i in 0..1000 {
        put(&mut s, &format!("k{i}"), "v", 0.0, 0.0);
    }
    assert_eq!(s.len(), 3);
    assert!(
        s.memory_bytes() < 4096,
        "slab stays at the bound, not the history"
    );
    s.clear();
    assert_eq!((s.len(), s.calculated_size()), (0, 0.0));
}

#[test]
fn remaining_ttl_never_exceeds_the_ttl_with_a_fractional_clock() {
    // A performance.now() reading at which start + ttl - start rounds above ttl.
    let start = 4_161_722.627_650_255;
    let mut s = store(Policy::default());
    put(&mut s, "a", "1", 60_000.0, start);
    assert_eq!(s.remaining_ttl(b"a", start), 60_000.0);
}
