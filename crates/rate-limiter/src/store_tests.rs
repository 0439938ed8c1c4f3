use crate::algorithm::Algorithm;
use crate::registry;
use crate::store::{Kind, Store};
use std::sync::Arc;
use std::thread;

fn bucket(rate_per_ms: f64, burst: f64) -> Kind {
    Kind::Rate(Algorithm::TokenBucket {
        per_ms: rate_per_ms,
        burst,
    })
}

#[test]
fn the_same_parameters_give_the_same_tables() {
    let store = Store::default();
    let a = store.register(bucket(0.01, 5.0));
    let b = store.register(bucket(0.01, 5.0));
    let c = store.register(bucket(0.02, 5.0));
    assert_eq!(a, b);
    assert_ne!(a, c);
}

#[test]
fn threads_consuming_one_key_admit_exactly_the_limit_together() {
    let store = registry::open("threads-test");
    let id = store.register(Kind::Rate(Algorithm::FixedWindow {
        limit: 1000.0,
        window: 60_000.0,
    }));
    let admitted: usize = (0..8)
        .map(|_| {
            let store = Arc::clone(&store);
            thread::spawn(move || {
                (0..500)
                    .filter(|_| {
                        store
                            .consume(id, "hot", 1.0, 1_000.0, 0.0, true)
                            .unwrap()
                            .allowed
                    })
                    .count()
            })
        })
        .collect::<Vec<_>>()
        .into_iter()
        .map(|t| t.join().unwrap())
        .sum();
    assert_eq!(admitted, 1000);
}

#[test]
fn a_store_is_one_per_name_while_held() {
    let first = registry::open("named");
    let again = registry::open("named");
    assert!(Arc::ptr_eq(&first, &again));
}

#[test]
fn blocked_keys_are_denied_until_the_block_ends() {
    let store = Store::default();
    let id = store.register(bucket(1.0, 10.0));
    store.block(id, "k", 500.0, 0.0);
    let denied = store.consume(id, "k", 1.0, 100.0, 0.0, true).unwrap();
    assert!(!denied.allowed);
    assert_eq!(denied.retry_after_ms, 400.0);
    assert!(
        store
            .consume(id, "k", 1.0, 500.0, 0.0, true)
            .unwrap()
            .allowed
    );
}

#[test]
fn concurrency_leases_end_by_refund_or_by_time() {
    let store = Store::default();
    let id = store.register(Kind::Concurrency {
        limit: 2.0,
        lease_ms: 1_000.0,
    });
    assert!(
        store
            .consume(id, "db", 2.0, 0.0, 0.0, true)
            .unwrap()
            .allowed
    );
    assert!(
        !store
            .consume(id, "db", 1.0, 10.0, 0.0, true)
            .unwrap()
            .allowed
    );
    store.refund(id, "db", 1.0, 10.0);
    assert!(
        store
            .consume(id, "db", 1.0, 10.0, 0.0, true)
            .unwrap()
            .allowed
    );
    assert!(
        store
            .consume(id, "db", 2.0, 1_010.0, 0.0, true)
            .unwrap()
            .allowed
    );
}

#[test]
fn sweep_drops_keys_back_to_a_fresh_state() {
    let store = Store::default();
    let id = store.register(bucket(0.1, 10.0));
    for i in 0..100 {
        store.consume(id, &format!("user-{i}"), 1.0, 0.0, 0.0, true);
    }
    store.sweep(5.0);
    assert_eq!(store.size(), 100);
    store.sweep(10.0);
    assert_eq!(store.size(), 0);
}

#[test]
fn peek_changes_nothing() {
    let store = Store::default();
    let id = store.register(Kind::Rate(Algorithm::FixedWindow {
        limit: 1.0,
        window: 1_000.0,
    }));
    assert!(
        store
            .consume(id, "k", 1.0, 0.0, 0.0, false)
            .unwrap()
            .allowed
    );
    assert_eq!(store.size(), 0);
    assert!(store.consume(id, "k", 1.0, 0.0, 0.0, true).unwrap().allowed);
    assert!(
        !store
            .consume(id, "k", 1.0, 0.0, 0.0, false)
            .unwrap()
            .allowed
    );
}
