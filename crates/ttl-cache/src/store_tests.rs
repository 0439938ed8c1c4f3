//! The store's own behaviour, without napi: the same rules the conformance suite checks
//! from JavaScript, here at the level of bytes.

use crate::record::ValueTag;
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
    )
    .unwrap();
}

fn read(s: &mut Store, key: &str, now: f64) -> Option<String> {
    s.get(key.as_bytes(), now, |f| {
        String::from_utf8(f.bytes.to_vec()).unwrap()
    })
}

fn keys(s: &Store, now: f64) -> Vec<String> {
    let mut out = Vec::new();
    s.for_each(now, |entry| {
        out.push(String::from_utf8(entry.key.to_vec()).unwrap())
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
        )
        .unwrap();
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
        s.memory_bytes() < 128 * 1024,
        "memory stays at the first chunk, not the history"
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

#[test]
fn a_value_of_another_size_moves_the_entry_and_keeps_its_place() {
    let mut s = store(Policy {
        track_removals: true,
        ..Policy::default()
    });
    put(&mut s, "a", "1", 0.0, 0.0);
    put(&mut s, "b", "2", 0.0, 0.0);
    put(&mut s, "c", "3", 0.0, 0.0);
    let long = "x".repeat(5000);
    put(&mut s, "b", &long, 0.0, 0.0);
    assert_eq!(keys(&s, 0.0), ["b", "c", "a"]);
    assert_eq!(read(&mut s, "b", 0.0), Some(long));
    put(&mut s, "b", "short again", 0.0, 0.0);
    assert_eq!(read(&mut s, "a", 0.0).as_deref(), Some("1"));
    assert_eq!(keys(&s, 0.0), ["a", "b", "c"]);
    assert_eq!(
        s.take_removed().len(),
        2,
        "each overwrite reports the old value"
    );
    assert!(s.delete(b"c") && s.delete(b"b") && s.delete(b"a"));
    assert_eq!(s.len(), 0);
}

#[test]
fn the_ttl_index_purges_only_what_is_stale_and_names_the_next_expiry() {
    let mut s = store(Policy {
        update_age_on_get: true,
        ..Policy::default()
    });
    for i in 0..10_000 {
        put(&mut s, &format!("k{i}"), "v", f64::from(100 + i % 100), 0.0);
    }
    put(&mut s, "forever", "v", 0.0, 0.0);
    assert_eq!(s.earliest_expiry(), 100.0);
    // Read every k0 (TTL 100) again at 50: their expiry moves to 150.
    for i in (0..10_000).step_by(100) {
        assert!(read(&mut s, &format!("k{i}"), 50.0).is_some());
    }
    assert_eq!(s.earliest_expiry(), 101.0);
    // TTLs 101..=149 are stale at 149: 49 groups of 100.
    assert_eq!(s.purge_stale(149.0), 4900);
    assert_eq!(s.earliest_expiry(), 150.0);
    // The read group and the TTL-150 group.
    assert_eq!(s.purge_stale(150.0), 200);
    assert_eq!(s.purge_stale(1e9), 10_000 - 4900 - 200);
    assert_eq!(keys(&s, 1e9), ["forever"]);
    assert_eq!(s.earliest_expiry(), f64::INFINITY);
}

#[test]
fn purge_agrees_with_the_exact_staleness_test_at_fractional_times() {
    let mut s = store(Policy::default());
    let start = 4_161_722.627_650_255;
    let ttls = [0.1, 0.3, 1.7, 60_000.000_000_1, 2f64.powi(40)];
    for (i, ttl) in ttls.iter().enumerate() {
        put(&mut s, &format!("k{i}"), "v", *ttl, start);
    }
    for ttl in ttls {
        let now = start + ttl;
        let fresh = keys(&s, now).len();
        s.purge_stale(now);
        assert_eq!(
            s.len(),
            fresh,
            "purge leaves exactly the fresh ones at {now}"
        );
    }
}

#[test]
fn measured_sizes_count_the_bytes_held_and_refuse_oversized_entries() {
    let mut s = store(Policy {
        measure_sizes: true,
        max_size: 1000.0,
        max_entry_size: 400.0,
        ..Policy::default()
    });
    put(&mut s, "a", &"x".repeat(100), 0.0, 0.0);
    // 9 header bytes, two length bytes, the key with its type byte, the value: rounded to
    // 4, plus the table's share.
    let expected =
        ((9 + 2 + 1 + 100usize).div_ceil(4) * 4 + crate::store::INDEX_BYTES_PER_ENTRY) as f64;
    assert_eq!(s.calculated_size(), expected);
    let refused = s
        .set(b"a", ValueTag::String, &[b'y'; 500], 0.0, 0.0, 0.0)
        .unwrap();
    assert!(!refused, "an entry above max_entry_size is refused");
    assert_eq!(s.len(), 0, "and the old value under its key is gone");
    for i in 0..50 {
        put(&mut s, &format!("k{i}"), &"x".repeat(100), 0.0, 0.0);
        assert!(s.calculated_size() <= 1000.0);
    }
    assert_eq!(s.len(), (1000.0 / expected) as usize);
}

#[test]
fn stale_entries_are_kept_for_peek_while_reads_miss_then_purged() {
    let mut s = store(Policy {
        stale_kept_ms: 50.0,
        ..Policy::default()
    });
    put(&mut s, "k", "v", 100.0, 0.0);
    let peek = |s: &Store, now: f64, within: f64| s.peek(b"k", now, within).is_some();
    // Stale at 100: a read misses but leaves it, and a peek within 50 ms of staleness finds it.
    assert_eq!(read(&mut s, "k", 120.0), None);
    assert_eq!(s.len(), 1);
    assert!(!peek(&s, 120.0, 0.0));
    assert!(peek(&s, 120.0, 50.0));
    assert!(peek(&s, 120.0, 20.5) && !peek(&s, 120.0, 20.0));
    assert_eq!(s.earliest_expiry(), 150.0);
    assert_eq!(s.purge_stale(149.0), 0);
    // Past the 50 ms it is gone: a read removes it, as does a purge.
    assert!(!peek(&s, 150.0, 50.0) && peek(&s, 150.0, f64::INFINITY));
    assert_eq!(read(&mut s, "k", 150.0), None);
    assert_eq!(s.len(), 0);
    put(&mut s, "k", "v", 100.0, 0.0);
    assert_eq!(s.purge_stale(150.0), 1);
    assert_eq!(s.counters().expirations, 2.0);
}
