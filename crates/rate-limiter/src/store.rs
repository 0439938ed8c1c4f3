//! A store of many keys' limiter state, shared by every worker thread that opens it by
//! name. Keys are spread over shards, each behind its own lock, so threads consuming
//! different keys rarely wait on each other. Each algorithm a limiter uses gets its own
//! tables (found by its parameters, so limiters in different threads with the same
//! options share them).

use crate::algorithm::{Algorithm, Decision, State};
use crate::leases::Leases;
use hashbrown::{DefaultHashBuilder, HashMap};
use std::hash::BuildHasher;
use std::sync::{Mutex, MutexGuard};

const SHARDS: usize = 16;

/// One key: the algorithm's three numbers and when a block ends. 32 bytes.
#[derive(Clone, Copy)]
struct Entry {
    state: State,
    blocked_until: f64,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Kind {
    Rate(Algorithm),
    Concurrency { limit: f64, lease_ms: f64 },
}

enum Table {
    Rate(HashMap<Box<str>, Entry>),
    Concurrency(HashMap<Box<str>, Leases>),
}

struct Shard {
    /// One table per registered algorithm, by its id, made when the shard first needs it.
    tables: Vec<Option<Table>>,
}

pub struct Store {
    kinds: Mutex<Vec<Kind>>,
    shards: Vec<Mutex<Shard>>,
    /// Picks a key's shard (the shard's map hashes again with its own state).
    spread: DefaultHashBuilder,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // The guarded data is plain numbers left consistent by every update: a panic elsewhere
    // does not make it wrong.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn blocked(until: f64, now: f64, limit_reset: f64) -> Decision {
    Decision {
        allowed: false,
        remaining: 0.0,
        reset_ms: (until - now).max(limit_reset),
        retry_after_ms: until - now,
    }
}

impl Default for Store {
    fn default() -> Self {
        Store {
            kinds: Mutex::new(Vec::new()),
            shards: (0..SHARDS)
                .map(|_| Mutex::new(Shard { tables: Vec::new() }))
                .collect(),
            spread: DefaultHashBuilder::default(),
        }
    }
}

impl Store {
    /// The id of `kind`'s tables, registering it on first use.
    pub fn register(&self, kind: Kind) -> usize {
        let mut kinds = lock(&self.kinds);
        if let Some(id) = kinds.iter().position(|k| *k == kind) {
            return id;
        }
        kinds.push(kind);
        kinds.len() - 1
    }

    fn kind(&self, id: usize) -> Option<Kind> {
        lock(&self.kinds).get(id).copied()
    }

    fn shard(&self, key: &str) -> MutexGuard<'_, Shard> {
        lock(&self.shards[(self.spread.hash_one(key) as usize) % SHARDS])
    }

    fn table(shard: &mut Shard, id: usize, kind: Kind) -> &mut Table {
        if shard.tables.len() <= id {
            shard.tables.resize_with(id + 1, || None);
        }
        shard.tables[id].get_or_insert_with(|| match kind {
            Kind::Rate(_) => Table::Rate(HashMap::new()),
            Kind::Concurrency { .. } => Table::Concurrency(HashMap::new()),
        })
    }

    /// Applies a consume (or, without `spend`, a peek) of `cost` to `key`.
    pub fn consume(
        &self,
        id: usize,
        key: &str,
        cost: f64,
        now: f64,
        block_ms: f64,
        spend: bool,
    ) -> Option<Decision> {
        let kind = self.kind(id)?;
        let mut shard = self.shard(key);
        Some(match (Store::table(&mut shard, id, kind), kind) {
            (Table::Rate(map), Kind::Rate(algorithm)) => {
                if !spend && !map.contains_key(key) {
                    let mut fresh = algorithm.init(now);
                    return Some(algorithm.consume(&mut fresh, now, cost, false));
                }
                let entry = map.entry(key.into()).or_insert_with(|| Entry {
                    state: algorithm.init(now),
                    blocked_until: 0.0,
                });
                if entry.blocked_until > now {
                    return Some(blocked(entry.blocked_until, now, 0.0));
                }
                let decision = algorithm.consume(&mut entry.state, now, cost, spend);
                if spend && !decision.allowed && block_ms > 0.0 {
                    entry.blocked_until = now + block_ms;
                    return Some(blocked(entry.blocked_until, now, decision.reset_ms));
                }
                decision
            }
            (Table::Concurrency(map), Kind::Concurrency { limit, lease_ms }) => {
                if !spend && !map.contains_key(key) {
                    return Some(Leases::default().acquire(limit, lease_ms, now, cost, false));
                }
                let leases = map.entry(key.into()).or_default();
                if leases.blocked_until > now {
                    return Some(blocked(leases.blocked_until, now, 0.0));
                }
                leases.acquire(limit, lease_ms, now, cost, spend)
            }
            _ => return None,
        })
    }

    pub fn refund(&self, id: usize, key: &str, cost: f64, now: f64) {
        let Some(kind) = self.kind(id) else { return };
        let mut shard = self.shard(key);
        match (Store::table(&mut shard, id, kind), kind) {
            (Table::Rate(map), Kind::Rate(algorithm)) => {
                if let Some(entry) = map.get_mut(key) {
                    algorithm.refund(&mut entry.state, now, cost);
                }
            }
            (Table::Concurrency(map), Kind::Concurrency { .. }) => {
                if let Some(leases) = map.get_mut(key) {
                    leases.release(cost, now);
                    if leases.idle(now) {
                        map.remove(key);
                    }
                }
            }
            _ => {}
        }
    }

    pub fn block(&self, id: usize, key: &str, until: f64, now: f64) {
        let Some(kind) = self.kind(id) else { return };
        let mut shard = self.shard(key);
        match (Store::table(&mut shard, id, kind), kind) {
            (Table::Rate(map), Kind::Rate(algorithm)) => {
                let entry = map.entry(key.into()).or_insert_with(|| Entry {
                    state: algorithm.init(now),
                    blocked_until: 0.0,
                });
                entry.blocked_until = until;
            }
            (Table::Concurrency(map), Kind::Concurrency { .. }) => {
                map.entry(key.into()).or_default().blocked_until = until;
            }
            _ => {}
        }
    }

    /// Forgets `key` in the table of algorithm `id`: limiters with other parameters keep
    /// their state for it.
    pub fn reset(&self, id: usize, key: &str) {
        let mut shard = self.shard(key);
        match shard.tables.get_mut(id) {
            Some(Some(Table::Rate(map))) => {
                map.remove(key);
            }
            Some(Some(Table::Concurrency(map))) => {
                map.remove(key);
            }
            _ => {}
        }
    }

    /// Drops every key whose state is back to a new key's and that is not blocked.
    pub fn sweep(&self, now: f64) {
        let kinds = lock(&self.kinds).clone();
        for shard in &self.shards {
            let mut shard = lock(shard);
            for (id, table) in shard.tables.iter_mut().enumerate() {
                match (table, kinds.get(id)) {
                    (None, _) => {}
                    (Some(Table::Rate(map)), Some(Kind::Rate(algorithm))) => {
                        map.retain(|_, e| {
                            e.blocked_until > now || algorithm.idle_at(&e.state) > now
                        });
                    }
                    (Some(Table::Concurrency(map)), _) => map.retain(|_, leases| !leases.idle(now)),
                    _ => {}
                }
            }
        }
    }

    /// Keys held, over every table.
    pub fn size(&self) -> usize {
        self.shards
            .iter()
            .map(|shard| {
                lock(shard)
                    .tables
                    .iter()
                    .flatten()
                    .map(|t| match t {
                        Table::Rate(map) => map.len(),
                        Table::Concurrency(map) => map.len(),
                    })
                    .sum::<usize>()
            })
            .sum()
    }
}
