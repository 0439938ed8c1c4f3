//! The off-heap LRU + TTL store: plain Rust, no napi, unit-tested with `cargo test`.
//!
//! Entries live in a slab (`Vec<Slot>`) linked into a recency list by index, and a
//! `hashbrown::HashTable` maps a key's hash to its slot. The key bytes are kept once, in the
//! slot, in the same allocation as the value: one heap block per entry.
//!
//! Semantics mirror the reference engine in `packages/ttl-cache/src/engine/js.ts`; the
//! conformance suite runs both against the same tests.

use crate::slot::{Slot, ValueTag, NIL};
use hashbrown::{DefaultHashBuilder, HashTable};
use std::hash::BuildHasher;

/// Why an entry left the store, as reported to `dispose`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reason {
    Evict,
    Expire,
    Delete,
    Set,
    Clear,
}

/// Behaviour fixed when the cache is built.
#[derive(Clone, Copy, Debug, Default)]
pub struct Policy {
    /// Entry bound; 0 means none.
    pub max: usize,
    /// Bound on the sum of entry sizes; 0 means none.
    pub max_size: f64,
    pub allow_stale: bool,
    pub update_age_on_get: bool,
    pub update_age_on_has: bool,
    pub no_delete_on_stale_get: bool,
    /// Keep removed entries for the caller to hand to `dispose`.
    pub track_removals: bool,
}

/// Counters that `stats()` reports; the wrapper adds loads and hit rate.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Counters {
    pub hits: f64,
    pub misses: f64,
    pub stale_hits: f64,
    pub sets: f64,
    pub deletes: f64,
    pub evictions: f64,
    pub expirations: f64,
}

/// A value read out of the store, borrowed from it.
pub struct Found<'a> {
    pub tag: ValueTag,
    pub bytes: &'a [u8],
}

/// An entry that left the store, kept for `dispose` when `track_removals` is on.
pub struct Removed {
    pub key: Box<[u8]>,
    pub tag: ValueTag,
    pub value: Box<[u8]>,
    pub reason: Reason,
}

pub struct Store {
    policy: Policy,
    table: HashTable<u32>,
    hasher: DefaultHashBuilder,
    slots: Vec<Slot>,
    free: Vec<u32>,
    /// Most recently used.
    head: u32,
    /// Least recently used: the next to evict.
    tail: u32,
    len: usize,
    calculated_size: f64,
    payload_bytes: usize,
    counters: Counters,
    removed: Vec<Removed>,
}

impl Store {
    pub fn new(policy: Policy) -> Self {
        Store {
            policy,
            table: HashTable::new(),
            hasher: DefaultHashBuilder::default(),
            slots: Vec::new(),
            free: Vec::new(),
            head: NIL,
            tail: NIL,
            len: 0,
            calculated_size: 0.0,
            payload_bytes: 0,
            counters: Counters::default(),
            removed: Vec::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn calculated_size(&self) -> f64 {
        self.calculated_size
    }

    pub fn counters(&self) -> Counters {
        self.counters
    }

    /// Bytes this store holds for its entries: key and value bytes plus the fixed cost of
    /// each slot and hash-table bucket. This is the figure `maxSize` bounds when the
    /// native engine measures sizes itself.
    pub fn memory_bytes(&self) -> usize {
        self.payload_bytes
            + self.slots.capacity() * std::mem::size_of::<Slot>()
            + self.table.capacity() * (std::mem::size_of::<u32>() + 1)
    }

    pub fn take_removed(&mut self) -> Vec<Removed> {
        std::mem::take(&mut self.removed)
    }

    fn hash(&self, key: &[u8]) -> u64 {
        self.hasher.hash_one(key)
    }

    fn find(&self, key: &[u8]) -> Option<u32> {
        let slots = &self.slots;
        self.table
            .find(self.hash(key), |&i| slots[i as usize].key() == key)
            .copied()
    }

    /// Reads `key` through `read`, which sees the value bytes before any removal that the
    /// read causes (a stale value served once under `allowStale` leaves with that read).
    pub fn get<R>(&mut self, key: &[u8], now: f64, read: impl FnOnce(Found<'_>) -> R) -> Option<R> {
        let Some(i) = self.find(key) else {
            self.counters.misses += 1.0;
            return None;
        };
        if self.slots[i as usize].is_stale(now) {
            let delete = !self.policy.no_delete_on_stale_get;
            let result = if self.policy.allow_stale {
                self.counters.stale_hits += 1.0;
                Some(read(self.slots[i as usize].found()))
            } else {
                self.counters.misses += 1.0;
                None
            };
            if delete {
                self.remove(i, Reason::Expire);
            }
            return result;
        }
        self.counters.hits += 1.0;
        if self.policy.update_age_on_get {
            self.slots[i as usize].start = now;
        }
        self.move_to_head(i);
        Some(read(self.slots[i as usize].found()))
    }

    /// Reads without touching recency or age; a stale value only with `include_stale`.
    pub fn peek(&self, key: &[u8], now: f64, include_stale: bool) -> Option<Found<'_>> {
        let i = self.find(key)?;
        let slot = &self.slots[i as usize];
        if slot.is_stale(now) && !include_stale {
            return None;
        }
        Some(slot.found())
    }

    pub fn has(&mut self, key: &[u8], now: f64) -> bool {
        let Some(i) = self.find(key) else {
            return false;
        };
        if self.slots[i as usize].is_stale(now) {
            return false;
        }
        if self.policy.update_age_on_has {
            self.slots[i as usize].start = now;
        }
        true
    }

    /// Milliseconds until `key` expires: `f64::INFINITY` for no TTL, 0 for stale or absent.
    pub fn remaining_ttl(&self, key: &[u8], now: f64) -> f64 {
        match self.find(key) {
            None => 0.0,
            Some(i) => self.slots[i as usize].remaining(now),
        }
    }

    /// Stores an entry; `size` is already checked against `maxEntrySize` by the caller.
    pub fn set(&mut self, key: &[u8], tag: ValueTag, value: &[u8], size: f64, ttl: f64, now: f64) {
        self.counters.sets += 1.0;
        if let Some(i) = self.find(key) {
            let slot = &mut self.slots[i as usize];
            // Storing the same value again is not a removal: `dispose` must not see it.
            if self.policy.track_removals && !(slot.tag == tag && slot.value() == value) {
                self.removed.push(Removed {
                    key: key.into(),
                    tag: slot.tag,
                    value: slot.value().into(),
                    reason: Reason::Set,
                });
            }
            self.payload_bytes = self.payload_bytes + value.len() - slot.value().len();
            self.calculated_size += size - slot.size;
            slot.set_value(tag, value);
            slot.size = size;
            slot.start = now;
            slot.ttl = ttl;
            self.move_to_head(i);
        } else {
            let slot = Slot::new(key, tag, value, size, ttl, now);
            let i = match self.free.pop() {
                Some(i) => {
                    self.slots[i as usize] = slot;
                    i
                }
                None => {
                    self.slots.push(slot);
                    (self.slots.len() - 1) as u32
                }
            };
            let hash = self.hash(key);
            let slots = &self.slots;
            let hasher = &self.hasher;
            self.table
                .insert_unique(hash, i, |&j| hasher.hash_one(slots[j as usize].key()));
            self.payload_bytes += key.len() + value.len();
            self.calculated_size += size;
            self.len += 1;
            self.push_head(i);
        }
        self.evict_over_bounds();
    }

    pub fn delete(&mut self, key: &[u8]) -> bool {
        match self.find(key) {
            None => false,
            Some(i) => {
                self.counters.deletes += 1.0;
                self.remove(i, Reason::Delete);
                true
            }
        }
    }

    pub fn clear(&mut self) {
        if self.policy.track_removals {
            let mut i = self.head;
            while i != NIL {
                let slot = &mut self.slots[i as usize];
                let next = slot.next;
                let (key, tag, value) = slot.take();
                self.removed.push(Removed {
                    key,
                    tag,
                    value,
                    reason: Reason::Clear,
                });
                i = next;
            }
        }
        self.table.clear();
        self.slots.clear();
        self.free.clear();
        self.head = NIL;
        self.tail = NIL;
        self.len = 0;
        self.calculated_size = 0.0;
        self.payload_bytes = 0;
    }

    /// Removes every stale entry; returns how many left.
    pub fn purge_stale(&mut self, now: f64) -> usize {
        let mut purged = 0;
        let mut i = self.tail;
        while i != NIL {
            let prev = self.slots[i as usize].prev;
            if self.slots[i as usize].is_stale(now) {
                self.remove(i, Reason::Expire);
                purged += 1;
            }
            i = prev;
        }
        purged
    }

    /// When the next entry with a TTL goes stale (infinity if none has a TTL).
    pub fn earliest_expiry(&self) -> f64 {
        let mut earliest = f64::INFINITY;
        let mut i = self.head;
        while i != NIL {
            let slot = &self.slots[i as usize];
            if slot.ttl > 0.0 {
                earliest = earliest.min(slot.start + slot.ttl);
            }
            i = slot.next;
        }
        earliest
    }

    /// Evicts least recently used entries until both counts are within the given bounds.
    pub fn shrink_to(&mut self, max_entries: usize, max_size: f64) -> usize {
        let mut evicted = 0;
        while self.tail != NIL && (self.len > max_entries || self.calculated_size > max_size) {
            self.evict_tail();
            evicted += 1;
        }
        evicted
    }

    /// Visits live entries, most recently used first; stale ones only with `allowStale`.
    pub fn for_each(&self, now: f64, mut visit: impl FnMut(&Slot)) {
        let mut i = self.head;
        while i != NIL {
            let slot = &self.slots[i as usize];
            if self.policy.allow_stale || !slot.is_stale(now) {
                visit(slot);
            }
            i = slot.next;
        }
    }

    fn evict_over_bounds(&mut self) {
        let max = self.policy.max;
        let max_size = self.policy.max_size;
        while self.tail != NIL
            && ((max > 0 && self.len > max) || (max_size > 0.0 && self.calculated_size > max_size))
        {
            self.evict_tail();
        }
    }

    fn evict_tail(&mut self) {
        self.counters.evictions += 1.0;
        self.remove(self.tail, Reason::Evict);
    }

    fn remove(&mut self, i: u32, reason: Reason) {
        if reason == Reason::Expire {
            self.counters.expirations += 1.0;
        }
        let hash = self.hash(self.slots[i as usize].key());
        if let Ok(entry) = self.table.find_entry(hash, |&j| j == i) {
            entry.remove();
        }
        self.unlink(i);
        let slot = &mut self.slots[i as usize];
        self.payload_bytes -= slot.payload_len();
        self.calculated_size -= slot.size;
        self.len -= 1;
        if self.policy.track_removals {
            let (key, tag, value) = slot.take();
            self.removed.push(Removed {
                key,
                tag,
                value,
                reason,
            });
        } else {
            slot.release();
        }
        self.free.push(i);
        if self.len == 0 {
            // Nothing is live: give the slab back instead of keeping its high-water mark.
            self.slots.clear();
            self.free.clear();
        }
    }

    fn unlink(&mut self, i: u32) {
        let (prev, next) = {
            let s = &self.slots[i as usize];
            (s.prev, s.next)
        };
        if prev == NIL {
            self.head = next;
        } else {
            self.slots[prev as usize].next = next;
        }
        if next == NIL {
            self.tail = prev;
        } else {
            self.slots[next as usize].prev = prev;
        }
    }

    fn push_head(&mut self, i: u32) {
        let old = self.head;
        {
            let s = &mut self.slots[i as usize];
            s.prev = NIL;
            s.next = old;
        }
        if old == NIL {
            self.tail = i;
        } else {
            self.slots[old as usize].prev = i;
        }
        self.head = i;
    }

    fn move_to_head(&mut self, i: u32) {
        if self.head != i {
            self.unlink(i);
            self.push_head(i);
        }
    }
}
