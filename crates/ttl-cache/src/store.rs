//! The off-heap LRU + TTL store: plain Rust, no napi, unit-tested with `cargo test`.
//!
//! Each entry is one record in the arena (`record.rs`, `arena.rs`): its recency links,
//! clock readings, key and value together, named by a 32-bit location. A
//! `hashbrown::HashTable<u32>` maps a key's hash to that location, the recency list runs
//! through the records, and the TTL index (`ttl_index.rs`) says which entry goes stale
//! next, so a sweep costs what it removes, not the size of the cache.
//!
//! Semantics mirror the reference engine in `packages/ttl-cache/src/engine/js.ts`; the
//! conformance suite runs both against the same tests.

use crate::arena::{self, Arena, ArenaFull, NIL};
use crate::record::{self, Fields, Record, Timing, ValueTag};
use crate::ttl_index::{Due, TtlIndex};
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
    /// How long a stale entry stays after its TTL, for `peek` to find (a cache serving stale
    /// values when a load fails); reads treat it as gone. 0 removes entries as they go stale.
    pub stale_kept_ms: f64,
    /// Keep removed entries for the caller to hand to `dispose`.
    pub track_removals: bool,
    /// Each entry's size is its bytes here (see `measured_size`), not what the caller says.
    pub measure_sizes: bool,
    /// With `measure_sizes`: refuse entries whose measured size is above this; 0 for none.
    pub max_entry_size: f64,
}

/// What an entry costs in the hash table, counted in its measured size: 5 bytes a bucket
/// (location and control byte) at the table's typical load of 5/8.
pub const INDEX_BYTES_PER_ENTRY: usize = 8;

/// The size `measure_sizes` gives an entry whose record takes `encoded_len` bytes: the
/// block the arena gives it, and its share of the hash table.
pub fn measured_size(encoded_len: usize) -> f64 {
    (arena::block_bytes(arena::units_for(encoded_len)) + INDEX_BYTES_PER_ENTRY) as f64
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
#[derive(Clone, Copy)]
pub struct Found<'a> {
    pub tag: ValueTag,
    pub bytes: &'a [u8],
}

/// A live entry, as `for_each` shows it.
pub struct Entry<'a> {
    pub key: &'a [u8],
    pub found: Found<'a>,
    pub size: f64,
    pub timing: Option<Timing>,
}

impl Entry<'_> {
    /// The entry's TTL in ms; 0 for none.
    pub fn ttl(&self) -> f64 {
        self.timing.map_or(0.0, |t| t.ttl)
    }

    pub fn remaining(&self, now: f64) -> f64 {
        self.timing.map_or(f64::INFINITY, |t| t.remaining(now))
    }
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
    arena: Arena,
    ttl_index: TtlIndex,
    /// Most recently used.
    head: u32,
    /// Least recently used: the next to evict.
    tail: u32,
    len: usize,
    calculated_size: f64,
    counters: Counters,
    removed: Vec<Removed>,
}

impl Store {
    /// Starts or stops keeping removed entries for `take_removed`; stopping drops the rest.
    pub fn track_removals(&mut self, on: bool) {
        self.policy.track_removals = on;
        if !on {
            self.take_removed();
        }
    }

    pub fn new(policy: Policy) -> Self {
        Store {
            policy,
            table: HashTable::new(),
            hasher: DefaultHashBuilder::default(),
            arena: Arena::new(),
            ttl_index: TtlIndex::default(),
            head: NIL,
            tail: NIL,
            len: 0,
            calculated_size: 0.0,
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

    /// Bytes this store holds: its arena chunks (records and free blocks) and its hash
    /// table (5 bytes a bucket).
    pub fn memory_bytes(&self) -> usize {
        self.arena.memory_bytes() + self.table.capacity() * 8 / 7 * (std::mem::size_of::<u32>() + 1)
    }

    pub fn take_removed(&mut self) -> Vec<Removed> {
        std::mem::take(&mut self.removed)
    }

    fn hash(&self, key: &[u8]) -> u64 {
        self.hasher.hash_one(key)
    }

    fn find(&self, key: &[u8]) -> Option<u32> {
        let arena = &self.arena;
        self.table
            .find(self.hash(key), |&at| {
                Record::new(arena.bytes(at)).key() == key
            })
            .copied()
    }

    fn found(&self, location: u32) -> Found<'_> {
        let record = Record::new(self.arena.bytes(location));
        Found {
            tag: record.tag(),
            bytes: record.value(),
        }
    }

    fn entry_size(&self, record: Record<'_>) -> f64 {
        if self.policy.measure_sizes {
            measured_size(record.encoded_len())
        } else {
            record.given_size().unwrap_or(0.0)
        }
    }

    /// Reads `key` through `read`, which sees the value bytes before any removal that the
    /// read causes (a stale value served once under `allowStale` leaves with that read).
    pub fn get<R>(&mut self, key: &[u8], now: f64, read: impl FnOnce(Found<'_>) -> R) -> Option<R> {
        let Some(at) = self.find(key) else {
            self.counters.misses += 1.0;
            return None;
        };
        let timing = Record::new(self.arena.bytes(at)).timing();
        if timing.is_some_and(|t| t.is_stale(now)) {
            let result = if self.policy.allow_stale {
                self.counters.stale_hits += 1.0;
                Some(read(self.found(at)))
            } else {
                self.counters.misses += 1.0;
                None
            };
            if !self.policy.no_delete_on_stale_get
                && timing.is_some_and(|t| t.is_past(now, self.policy.stale_kept_ms))
            {
                self.remove(at, Reason::Expire);
            }
            return result;
        }
        self.counters.hits += 1.0;
        if let (true, Some(timing)) = (self.policy.update_age_on_get, timing) {
            self.restart(at, timing.ttl, now);
        }
        self.move_to_head(at);
        Some(read(self.found(at)))
    }

    /// Reads without touching recency or age; a value stale for less than `stale_within`
    /// ms too (0: fresh only; infinity: any stale value still held).
    pub fn peek(&self, key: &[u8], now: f64, stale_within: f64) -> Option<Found<'_>> {
        let at = self.find(key)?;
        let past = Record::new(self.arena.bytes(at))
            .timing()
            .is_some_and(|t| t.is_past(now, stale_within));
        (!past).then(|| self.found(at))
    }

    pub fn has(&mut self, key: &[u8], now: f64) -> bool {
        let Some(at) = self.find(key) else {
            return false;
        };
        let timing = Record::new(self.arena.bytes(at)).timing();
        if timing.is_some_and(|t| t.is_stale(now)) {
            return false;
        }
        if let (true, Some(timing)) = (self.policy.update_age_on_has, timing) {
            self.restart(at, timing.ttl, now);
        }
        true
    }

    /// Milliseconds until `key` expires: `f64::INFINITY` for no TTL, 0 for stale or absent.
    pub fn remaining_ttl(&self, key: &[u8], now: f64) -> f64 {
        match self.find(key) {
            None => 0.0,
            Some(at) => Record::new(self.arena.bytes(at))
                .timing()
                .map_or(f64::INFINITY, |t| t.remaining(now)),
        }
    }

    /// `set_judged`, sameness by bytes: the tests' shorthand.
    #[cfg(test)]
    pub fn set(
        &mut self,
        key: &[u8],
        tag: ValueTag,
        value: &[u8],
        size: f64,
        ttl: f64,
        now: f64,
    ) -> Result<bool, ArenaFull> {
        self.set_judged(key, tag, value, size, ttl, now, None)
    }

    /// Stores an entry; returns false when `measure_sizes` found it above `max_entry_size`
    /// (the old value under that key is deleted then, as a refused set does on the js side).
    /// A caller-given `size` is already checked against `maxEntrySize` by the caller. Fails
    /// only when the arena cannot address more memory. `same` says whether the value is the
    /// one already stored, for values whose sameness is not their bytes: the caller's
    /// objects and Buffers are the same only if they are the same object, which only
    /// JavaScript can tell. `None` compares bytes. A replaced value that is not the same
    /// is kept for `dispose` (reason `set`).
    #[allow(clippy::too_many_arguments)]
    pub fn set_judged(
        &mut self,
        key: &[u8],
        tag: ValueTag,
        value: &[u8],
        size: f64,
        ttl: f64,
        now: f64,
        same: Option<bool>,
    ) -> Result<bool, ArenaFull> {
        let measure = self.policy.measure_sizes;
        let timing = (ttl > 0.0).then_some(Timing { start: now, ttl });
        let fields = Fields {
            tag,
            key,
            value,
            timing,
            size: (!measure && size != 0.0).then_some(size),
        };
        let encoded_len = fields.encoded_len();
        let size = if measure {
            measured_size(encoded_len)
        } else {
            size
        };
        if measure && self.policy.max_entry_size > 0.0 && size > self.policy.max_entry_size {
            self.delete(key);
            return Ok(false);
        }
        self.counters.sets += 1.0;
        let units = arena::units_for(encoded_len);
        let mut indexed_expiry = None;
        let at = match self.find(key) {
            Some(old) => {
                let before = Record::new(self.arena.bytes(old)).timing();
                let at = self.replace(old, &fields, units, same)?;
                // Set again in place with the same expiry (same clock reading): its item in
                // the TTL index still names it.
                if at == old {
                    indexed_expiry = before.map(|t| t.expiry());
                }
                self.calculated_size += size;
                self.move_to_head(at);
                at
            }
            None => {
                // A full cache gives up its least recently used entry first, so the new one
                // can take its block.
                if self.policy.max > 0 && self.len >= self.policy.max {
                    self.evict_tail();
                }
                let at = self.arena.alloc(units)?;
                fields.write(self.arena.bytes_mut(at));
                let hash = self.hash(key);
                let (arena, hasher) = (&self.arena, &self.hasher);
                self.table.insert_unique(hash, at, |&other| {
                    hasher.hash_one(Record::new(arena.bytes(other)).key())
                });
                self.len += 1;
                self.calculated_size += size;
                self.push_head(at);
                at
            }
        };
        if let Some(timing) = timing {
            if indexed_expiry != Some(timing.expiry()) {
                self.index_expiry(at, timing);
            }
        }
        self.evict_over_bounds();
        Ok(true)
    }

    /// Writes `fields` over the entry at `old`: in place when its block is the same size,
    /// else in a new block that takes over its links and its table slot. Takes the old
    /// size off `calculated_size` and reports the old value for `dispose`.
    fn replace(
        &mut self,
        old: u32,
        fields: &Fields<'_>,
        units: u32,
        same: Option<bool>,
    ) -> Result<u32, ArenaFull> {
        let record = Record::new(self.arena.bytes(old));
        let old_units = arena::units_for(record.encoded_len());
        let old_size = self.entry_size(record);
        let (prev, next) = (record.prev(), record.next());
        // Storing the same value again is not a removal: `dispose` must not see it.
        let same =
            same.unwrap_or_else(|| record.tag() == fields.tag && record.value() == fields.value);
        let displaced = (self.policy.track_removals && !same).then(|| Removed {
            key: fields.key.into(),
            tag: record.tag(),
            value: record.value().into(),
            reason: Reason::Set,
        });
        let in_place = arena::block_bytes(units) == arena::block_bytes(old_units);
        // The one step that can fail comes first, so a failure leaves the entry as it was.
        let at = if in_place {
            old
        } else {
            self.arena.alloc(units)?
        };
        self.removed.extend(displaced);
        self.calculated_size -= old_size;
        fields.write(self.arena.bytes_mut(at));
        if !in_place {
            self.link(prev, at, next);
            let hash = self.hash(fields.key);
            if let Some(slot) = self.table.find_mut(hash, |&l| l == old) {
                *slot = at;
            }
            self.arena.free(old, old_units);
        }
        Ok(at)
    }

    pub fn delete(&mut self, key: &[u8]) -> bool {
        match self.find(key) {
            None => false,
            Some(at) => {
                self.counters.deletes += 1.0;
                self.remove(at, Reason::Delete);
                true
            }
        }
    }

    pub fn clear(&mut self) {
        if self.policy.track_removals {
            let mut at = self.head;
            while at != NIL {
                let record = Record::new(self.arena.bytes(at));
                self.removed.push(Removed {
                    key: record.key().into(),
                    tag: record.tag(),
                    value: record.value().into(),
                    reason: Reason::Clear,
                });
                at = record.next();
            }
        }
        self.table.clear();
        self.arena.reset();
        self.ttl_index.clear();
        self.head = NIL;
        self.tail = NIL;
        self.len = 0;
        self.calculated_size = 0.0;
    }

    /// Removes every entry stale for `stale_kept_ms` or more, earliest expiry first; returns
    /// how many left.
    pub fn purge_stale(&mut self, now: f64) -> usize {
        let kept = self.policy.stale_kept_ms;
        // The index orders by start + ttl, while staleness is now - start >= ttl; rounding
        // can put the two a few ulps apart, so look a little past `now` and let the exact
        // test decide, putting back what is not stale yet.
        let slack = 8.0 * f64::EPSILON * now.abs().max(1.0);
        let mut purged = 0;
        let mut not_yet = Vec::new();
        loop {
            let arena = &self.arena;
            let Some(due) = self.ttl_index.first_current(|d| is_current(arena, d)) else {
                break;
            };
            if due.expiry + kept > now + slack {
                break;
            }
            self.ttl_index.pop();
            if Record::new(self.arena.bytes(due.location))
                .timing()
                .is_some_and(|t| t.is_past(now, kept))
            {
                self.remove(due.location, Reason::Expire);
                purged += 1;
            } else {
                not_yet.push(due);
            }
        }
        for due in not_yet {
            self.ttl_index.push(due.expiry, due.location);
        }
        purged
    }

    /// When `purge_stale` next has an entry to remove (infinity if none has a TTL).
    pub fn earliest_expiry(&mut self) -> f64 {
        let arena = &self.arena;
        let kept = self.policy.stale_kept_ms;
        self.ttl_index
            .first_current(|d| is_current(arena, d))
            .map_or(f64::INFINITY, |d| d.expiry + kept)
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
    pub fn for_each(&self, now: f64, mut visit: impl FnMut(Entry<'_>)) {
        let mut at = self.head;
        while at != NIL {
            let record = Record::new(self.arena.bytes(at));
            let timing = record.timing();
            if self.policy.allow_stale || !timing.is_some_and(|t| t.is_stale(now)) {
                visit(Entry {
                    key: record.key(),
                    found: self.found(at),
                    size: self.entry_size(record),
                    timing,
                });
            }
            at = record.next();
        }
    }

    /// Starts the entry's TTL again from `now`.
    fn restart(&mut self, at: u32, ttl: f64, now: f64) {
        // Within one clock reading the expiry does not move, and its index item stands.
        if Record::new(self.arena.bytes(at)).timing().map(|t| t.start) == Some(now) {
            return;
        }
        record::set_start(self.arena.bytes_mut(at), now);
        self.index_expiry(at, Timing { start: now, ttl });
    }

    fn index_expiry(&mut self, at: u32, timing: Timing) {
        self.ttl_index.push(timing.expiry(), at);
        let arena = &self.arena;
        self.ttl_index
            .compact_if_needed(self.len, |d| is_current(arena, d));
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

    fn remove(&mut self, at: u32, reason: Reason) {
        if reason == Reason::Expire {
            self.counters.expirations += 1.0;
        }
        let record = Record::new(self.arena.bytes(at));
        let units = arena::units_for(record.encoded_len());
        let size = self.entry_size(record);
        let hash = self.hash(record.key());
        if self.policy.track_removals {
            self.removed.push(Removed {
                key: record.key().into(),
                tag: record.tag(),
                value: record.value().into(),
                reason,
            });
        }
        let (prev, next) = (record.prev(), record.next());
        if let Ok(entry) = self.table.find_entry(hash, |&l| l == at) {
            entry.remove();
        }
        self.join(prev, next);
        self.arena.free(at, units);
        self.calculated_size -= size;
        self.len -= 1;
        if self.len == 0 {
            // Nothing is live: give the memory back instead of keeping its high-water mark.
            self.arena.reset();
            self.ttl_index.clear();
            self.calculated_size = 0.0;
        }
    }

    /// Links `prev` and `next` to each other (either may be NIL: an end of the list).
    fn join(&mut self, prev: u32, next: u32) {
        if prev == NIL {
            self.head = next;
        } else {
            record::set_next(self.arena.bytes_mut(prev), next);
        }
        if next == NIL {
            self.tail = prev;
        } else {
            record::set_prev(self.arena.bytes_mut(next), prev);
        }
    }

    /// Points `prev` and `next` at `at`, which sits between them.
    fn link(&mut self, prev: u32, at: u32, next: u32) {
        self.join(prev, at);
        self.join(at, next);
    }

    fn push_head(&mut self, at: u32) {
        let old = self.head;
        let block = self.arena.bytes_mut(at);
        record::set_prev(block, NIL);
        record::set_next(block, old);
        if old == NIL {
            self.tail = at;
        } else {
            record::set_prev(self.arena.bytes_mut(old), at);
        }
        self.head = at;
    }

    fn move_to_head(&mut self, at: u32) {
        if self.head != at {
            let record = Record::new(self.arena.bytes(at));
            let (prev, next) = (record.prev(), record.next());
            self.join(prev, next);
            self.push_head(at);
        }
    }
}

/// Whether an index item still names a live entry with that expiry.
fn is_current(arena: &Arena, due: Due) -> bool {
    match arena.flags_at(due.location) {
        Some(flags) if record::is_live(flags) => Record::new(arena.bytes(due.location))
            .timing()
            .is_some_and(|t| t.expiry() == due.expiry),
        _ => false,
    }
}
