//! The N-API surface of the ttl-cache twin: converts JavaScript values to bytes and back,
//! and nothing else. The cache itself is `store.rs`.

mod key;
mod slot;
mod store;
#[cfg(test)]
mod store_tests;

use napi::bindgen_prelude::{Buffer, Either, Either3, Uint8Array};
use napi_derive::napi;
use slot::ValueTag;
use store::{Found, Policy, Reason, Store};

// The types are spelled out in each signature rather than aliased, because the generated
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
    pub track_removals: bool,
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

#[napi]
pub struct NativeStore {
    store: Store,
    /// Reused for encoding keys, so a lookup allocates nothing on the Rust side.
    scratch: Vec<u8>,
}

#[napi]
impl NativeStore {
    #[napi(constructor)]
    pub fn new(options: NativeStoreOptions) -> Self {
        NativeStore {
            store: Store::new(Policy {
                max: options.max as usize,
                max_size: options.max_size,
                allow_stale: options.allow_stale,
                update_age_on_get: options.update_age_on_get,
                update_age_on_has: options.update_age_on_has,
                no_delete_on_stale_get: options.no_delete_on_stale_get,
                track_removals: options.track_removals,
            }),
            scratch: Vec::with_capacity(64),
        }
    }

    fn encode(&mut self, key: &Either3<String, f64, Buffer>) -> Vec<u8> {
        let mut out = std::mem::take(&mut self.scratch);
        match key {
            Either3::A(s) => key::encode_string(&mut out, s),
            Either3::B(n) => key::encode_number(&mut out, *n),
            Either3::C(b) => key::encode_bytes(&mut out, b),
        }
        out
    }

    #[napi]
    pub fn get(
        &mut self,
        key: Either3<String, f64, Buffer>,
        now: f64,
    ) -> Option<Either3<String, Buffer, Uint8Array>> {
        let encoded = self.encode(&key);
        let value = self.store.get(&encoded, now, value_out);
        self.scratch = encoded;
        value
    }

    #[napi]
    pub fn peek(
        &mut self,
        key: Either3<String, f64, Buffer>,
        now: f64,
        include_stale: bool,
    ) -> Option<Either3<String, Buffer, Uint8Array>> {
        let encoded = self.encode(&key);
        let value = self.store.peek(&encoded, now, include_stale).map(value_out);
        self.scratch = encoded;
        value
    }

    #[napi]
    pub fn has(&mut self, key: Either3<String, f64, Buffer>, now: f64) -> bool {
        let encoded = self.encode(&key);
        let found = self.store.has(&encoded, now);
        self.scratch = encoded;
        found
    }

    #[napi]
    pub fn set(
        &mut self,
        key: Either3<String, f64, Buffer>,
        value: Either<String, Buffer>,
        serialized: bool,
        size: f64,
        ttl: f64,
        now: f64,
    ) {
        let encoded = self.encode(&key);
        match &value {
            Either::A(s) => {
                self.store
                    .set(&encoded, ValueTag::String, s.as_bytes(), size, ttl, now)
            }
            Either::B(b) => {
                let tag = if serialized {
                    ValueTag::Serialized
                } else {
                    ValueTag::Buffer
                };
                self.store.set(&encoded, tag, b, size, ttl, now)
            }
        }
        self.scratch = encoded;
    }

    #[napi]
    pub fn delete(&mut self, key: Either3<String, f64, Buffer>) -> bool {
        let encoded = self.encode(&key);
        let deleted = self.store.delete(&encoded);
        self.scratch = encoded;
        deleted
    }

    #[napi]
    pub fn clear(&mut self) {
        self.store.clear();
    }

    #[napi]
    pub fn remaining_ttl(&mut self, key: Either3<String, f64, Buffer>, now: f64) -> f64 {
        let encoded = self.encode(&key);
        let remaining = self.store.remaining_ttl(&encoded, now);
        self.scratch = encoded;
        remaining
    }

    #[napi]
    pub fn purge_stale(&mut self, now: f64) -> u32 {
        self.store.purge_stale(now) as u32
    }

    #[napi]
    pub fn earliest_expiry(&self) -> f64 {
        self.store.earliest_expiry()
    }

    #[napi]
    pub fn shrink_to(&mut self, max_entries: f64, max_size: f64) -> u32 {
        self.store.shrink_to(max_entries as usize, max_size) as u32
    }

    #[napi(getter)]
    pub fn size(&self) -> u32 {
        self.store.len() as u32
    }

    #[napi(getter)]
    pub fn calculated_size(&self) -> f64 {
        self.store.calculated_size()
    }

    /// Bytes held off the V8 heap for the entries (see `Store::memory_bytes`).
    #[napi(getter)]
    pub fn memory_bytes(&self) -> f64 {
        self.store.memory_bytes() as f64
    }

    #[napi]
    pub fn counters(&self) -> NativeCounters {
        let c = self.store.counters();
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
    pub fn entries(&self, now: f64) -> Vec<NativeEntry> {
        let mut out = Vec::with_capacity(self.store.len());
        self.store.for_each(now, |slot| {
            out.push(NativeEntry {
                key: key_out(slot.key()),
                value: value_out(slot.found()),
                size: slot.size,
                ttl: slot.ttl,
                remaining_ttl: slot.remaining(now),
            })
        });
        out
    }

    /// Entries removed since the last call, for `dispose`; empty unless `trackRemovals`.
    #[napi]
    pub fn take_removed(&mut self) -> Vec<NativeRemoval> {
        self.store
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
