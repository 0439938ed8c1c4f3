//! One cache entry: key and value bytes in a single allocation, plus its place in the
//! recency list and its clock readings.

use crate::store::Found;

/// The end of the recency list.
pub const NIL: u32 = u32::MAX;

/// How the value bytes turn back into a JavaScript value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum ValueTag {
    /// UTF-8 of a string value.
    String = 0,
    /// The bytes of a Buffer value, as given.
    Buffer = 1,
    /// The output of the package's serializer, for every other value.
    Serialized = 2,
}

pub struct Slot {
    /// `key ++ value`; one heap block per entry.
    data: Box<[u8]>,
    key_len: u32,
    pub tag: ValueTag,
    /// The caller's measure of the entry, summed against `maxSize`.
    pub size: f64,
    /// Clock reading when the entry was stored or last had its age reset.
    pub start: f64,
    /// Milliseconds to live after `start`; 0 means no expiry.
    pub ttl: f64,
    pub prev: u32,
    pub next: u32,
}

impl Slot {
    pub fn new(key: &[u8], tag: ValueTag, value: &[u8], size: f64, ttl: f64, now: f64) -> Self {
        Slot {
            data: join(key, value),
            key_len: key.len() as u32,
            tag,
            size,
            start: now,
            ttl,
            prev: NIL,
            next: NIL,
        }
    }

    pub fn key(&self) -> &[u8] {
        &self.data[..self.key_len as usize]
    }

    pub fn value(&self) -> &[u8] {
        &self.data[self.key_len as usize..]
    }

    pub fn payload_len(&self) -> usize {
        self.data.len()
    }

    pub fn found(&self) -> Found<'_> {
        Found {
            tag: self.tag,
            bytes: self.value(),
        }
    }

    pub fn is_stale(&self, now: f64) -> bool {
        self.ttl > 0.0 && now - self.start >= self.ttl
    }

    pub fn remaining(&self, now: f64) -> f64 {
        if self.ttl == 0.0 {
            f64::INFINITY
        } else {
            // ttl minus the time elapsed, not start + ttl - now: with fractional clock
            // readings the latter can come out a hair above ttl.
            (self.ttl - (now - self.start)).max(0.0)
        }
    }

    pub fn set_value(&mut self, tag: ValueTag, value: &[u8]) {
        self.data = join(self.key(), value);
        self.tag = tag;
    }

    /// Empties the slot, handing back its key and value.
    pub fn take(&mut self) -> (Box<[u8]>, ValueTag, Box<[u8]>) {
        let data = std::mem::take(&mut self.data);
        let (key, value) = data.split_at(self.key_len as usize);
        (key.into(), self.tag, value.into())
    }

    /// Empties the slot, dropping its bytes.
    pub fn release(&mut self) {
        self.data = Box::default();
    }
}

fn join(key: &[u8], value: &[u8]) -> Box<[u8]> {
    let mut data = Vec::with_capacity(key.len() + value.len());
    data.extend_from_slice(key);
    data.extend_from_slice(value);
    data.into_boxed_slice()
}
