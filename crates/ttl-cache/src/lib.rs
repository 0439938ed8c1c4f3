//! The N-API surface of the ttl-cache twin: converts JavaScript values to bytes and back,
//! and nothing else. The cache itself is `store.rs`.
//!
//! The store crosses to JavaScript as an `External` handle passed to free functions, not as
//! a `#[napi]` class: measured here, a class method call costs about 240 ns before any work
//! and a free function with a handle about 100 ns, on a cache whose work is tens of ns.
//! The handle's finalizer frees the store when JavaScript drops it.

mod arena;
mod key;
mod record;
mod store;
#[cfg(test)]
mod store_tests;
mod ttl_index;

use napi::bindgen_prelude::{Buffer, Either, Either3, External, Uint8Array};
use napi::{Error, Status};
use napi_derive::napi;
use record::ValueTag;
use store::{Found, Policy, Reason, Store};

// The types are spelled out in each signature rather than aliased (the store handle too),
// because the generated
// `.d.cts` does not declare Rust type aliases. A key is a string, a number, or a Buffer
// (compared by content). A value read back is a string, a Buffer the user stored, or
// serializer output as a plain Uint8Array, so the adapter can tell it from a stored Buffer.

#[napi(object)]
pub struct NativeStoreOptions {
    pub max: f64,
    pub max_size: f64,
    pub allow_stale: bool,
    pub update_age_on_get: bool,
    pub update_age_on_has: bool,
    pub no_delete_on_stale_get: bool,
    /// ms a stale entry is kept past its TTL for `storePeek` (stale-if-error); 0 for none.
    pub stale_kept_ms: f64,
    pub track_removals: bool,
    /// Size each entry by its bytes in the store instead of the size passed to `storeSet`.
    pub measure_sizes: bool,
    /// With `measureSizes`: refuse an entry measured above this; 0 for no bound.
    pub max_entry_size: f64,
}

#[napi(object)]
pub struct NativeCounters {
    pub hits: f64,
    pub misses: f64,
    pub stale_hits: f64,
    pub sets: f64,
    pub deletes: f64,
    pub evictions: f64,
    pub expirations: f64,
}

#[napi(object)]
pub struct NativeEntry {
    pub key: Either3<String, f64, Buffer>,
    pub value: Either3<String, Buffer, Uint8Array>,
    pub size: f64,
    pub ttl: f64,
    pub remaining_ttl: f64,
}

#[napi(object)]
pub struct NativeRemoval {
    pub key: Either3<String, f64, Buffer>,
    pub value: Either3<String, Buffer, Uint8Array>,
    /// One of `evict`, `expire`, `delete`, `set`, `clear`.
    pub reason: String,
}

pub struct NativeStore {
    store: Store,
    /// Reused for encoding keys, so a lookup allocates nothing on the Rust side.
    scratch: Vec<u8>,
}

impl NativeStore {
    /// Runs `f` with `key` encoded into the reused scratch buffer.
    fn with_key<R>(
        &mut self,
        key: &Either3<String, f64, Buffer>,
        f: impl FnOnce(&mut Store, &[u8]) -> R,
    ) -> R {
        let mut encoded = std::mem::take(&mut self.scratch);
        match key {
            Either3::A(s) => key::encode_string(&mut encoded, s),
            Either3::B(n) => key::encode_number(&mut encoded, *n),
            Either3::C(b) => key::encode_bytes(&mut encoded, b),
        }
        let result = f(&mut self.store, &encoded);
        self.scratch = encoded;
        result
    }
}

#[napi]
pub fn store_new(options: NativeStoreOptions) -> External<NativeStore> {
    External::new(NativeStore {
        store: Store::new(Policy {
            max: options.max as usize,
            max_size: options.max_size,
            allow_stale: options.allow_stale,
            update_age_on_get: options.update_age_on_get,
            update_age_on_has: options.update_age_on_has,
            no_delete_on_stale_get: options.no_delete_on_stale_get,
            stale_kept_ms: options.stale_kept_ms,
            track_removals: options.track_removals,
            measure_sizes: options.measure_sizes,
            max_entry_size: options.max_entry_size,
        }),
        scratch: Vec::with_capacity(64),
    })
}

#[napi]
pub fn store_get(
    handle: &mut External<NativeStore>,
    key: Either3<String, f64, Buffer>,
    now: f64,
) -> Option<Either3<String, Buffer, Uint8Array>> {
    handle.with_key(&key, |store, k| store.get(k, now, value_out))
}

#[napi]
pub fn store_peek(
    handle: &mut External<NativeStore>,
    key: Either3<String, f64, Buffer>,
    now: f64,
    stale_within: f64,
) -> Option<Either3<String, Buffer, Uint8Array>> {
    handle.with_key(&key, |store, k| {
        store.peek(k, now, stale_within).map(value_out)
    })
}

#[napi]
pub fn store_has(
    handle: &mut External<NativeStore>,
    key: Either3<String, f64, Buffer>,
    now: f64,
) -> bool {
    handle.with_key(&key, |store, k| store.has(k, now))
}

/// Stores an entry; false when `measureSizes` refused it as above `maxEntrySize`. `same`
/// says whether an object or Buffer value is the one already stored (identity, which only
/// JavaScript can judge); without it, sameness is equal bytes.
#[napi]
#[allow(clippy::too_many_arguments)]
pub fn store_set(
    handle: &mut External<NativeStore>,
    key: Either3<String, f64, Buffer>,
    value: Either<String, Buffer>,
    serialized: bool,
    size: f64,
    ttl: f64,
    now: f64,
    same: Option<bool>,
) -> napi::Result<bool> {
    let (tag, bytes): (ValueTag, &[u8]) = match &value {
        Either::A(s) => (ValueTag::String, s.as_bytes()),
        Either::B(b) if serialized => (ValueTag::Serialized, b),
        Either::B(b) => (ValueTag::Buffer, b),
    };
    handle
        .with_key(&key, |store, k| {
            store.set_judged(k, tag, bytes, size, ttl, now, same)
        })
        .map_err(|_| {
            Error::new(
                Status::GenericFailure,
                "the native engine holds at most 16 GiB per cache; this entry would pass it",
            )
        })
}

#[napi]
pub fn store_delete(handle: &mut External<NativeStore>, key: Either3<String, f64, Buffer>) -> bool {
    handle.with_key(&key, |store, k| store.delete(k))
}

#[napi]
pub fn store_clear(handle: &mut External<NativeStore>) {
    handle.store.clear();
}

#[napi]
pub fn store_remaining_ttl(
    handle: &mut External<NativeStore>,
    key: Either3<String, f64, Buffer>,
    now: f64,
) -> f64 {
    handle.with_key(&key, |store, k| store.remaining_ttl(k, now))
}

#[napi]
pub fn store_purge_stale(handle: &mut External<NativeStore>, now: f64) -> u32 {
    handle.store.purge_stale(now) as u32
}

#[napi]
pub fn store_earliest_expiry(handle: &mut External<NativeStore>) -> f64 {
    handle.store.earliest_expiry()
}

#[napi]
pub fn store_shrink_to(handle: &mut External<NativeStore>, max_entries: f64, max_size: f64) -> u32 {
    handle.store.shrink_to(max_entries as usize, max_size) as u32
}

#[napi]
pub fn store_size(handle: &External<NativeStore>) -> u32 {
    handle.store.len() as u32
}

#[napi]
pub fn store_calculated_size(handle: &External<NativeStore>) -> f64 {
    handle.store.calculated_size()
}

/// Bytes held off the V8 heap for the entries (see `Store::memory_bytes`).
#[napi]
pub fn store_memory_bytes(handle: &External<NativeStore>) -> f64 {
    handle.store.memory_bytes() as f64
}

#[napi]
pub fn store_counters(handle: &External<NativeStore>) -> NativeCounters {
    let c = handle.store.counters();
    NativeCounters {
        hits: c.hits,
        misses: c.misses,
        stale_hits: c.stale_hits,
        sets: c.sets,
        deletes: c.deletes,
        evictions: c.evictions,
        expirations: c.expirations,
    }
}

/// Live entries, most recently used first.
#[napi]
pub fn store_entries(handle: &External<NativeStore>, now: f64) -> Vec<NativeEntry> {
    let mut out = Vec::with_capacity(handle.store.len());
    handle.store.for_each(now, |entry| {
        out.push(NativeEntry {
            key: key_out(entry.key),
            value: value_out(entry.found),
            size: entry.size,
            ttl: entry.ttl(),
            remaining_ttl: entry.remaining(now),
        })
    });
    out
}

/// Starts or stops keeping removed entries for `store_take_removed` (for `dispose`, or
/// listeners of the cache's removal events); stopping drops those not yet taken.
#[napi]
pub fn store_track_removals(handle: &mut External<NativeStore>, on: bool) {
    handle.store.track_removals(on);
}

/// Entries removed since the last call, for `dispose`; empty unless `trackRemovals`.
#[napi]
pub fn store_take_removed(handle: &mut External<NativeStore>) -> Vec<NativeRemoval> {
    handle
        .store
        .take_removed()
        .into_iter()
        .map(|r| NativeRemoval {
            key: key_out(&r.key),
            value: value_out(Found {
                tag: r.tag,
                bytes: &r.value,
            }),
            reason: reason_name(r.reason).to_owned(),
        })
        .collect()
}

fn key_out(encoded: &[u8]) -> Either3<String, f64, Buffer> {
    match key::decode(encoded) {
        key::Key::String(s) => Either3::A(s.to_owned()),
        key::Key::Number(n) => Either3::B(n),
        key::Key::Bytes(b) => Either3::C(b.to_vec().into()),
    }
}

fn value_out(found: Found<'_>) -> Either3<String, Buffer, Uint8Array> {
    match found.tag {
        // Only valid UTF-8 from a JavaScript string is ever stored under this tag.
        ValueTag::String => Either3::A(String::from_utf8_lossy(found.bytes).into_owned()),
        ValueTag::Buffer => Either3::B(found.bytes.to_vec().into()),
        ValueTag::Serialized => Either3::C(found.bytes.to_vec().into()),
    }
}

fn reason_name(reason: Reason) -> &'static str {
    match reason {
        Reason::Evict => "evict",
        Reason::Expire => "expire",
        Reason::Delete => "delete",
        Reason::Set => "set",
        Reason::Clear => "clear",
    }
}
