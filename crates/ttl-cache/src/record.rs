//! One entry as bytes in the arena: its recency links, a flags byte, its clock readings and
//! size when it has them, then key and value.
//!
//! ```text
//! 0..4   prev      location of the next more recently used entry, or NIL
//! 4..8   next      location of the next less recently used entry, or NIL
//! 8      flags     live bit, value tag, which optional fields follow
//! [start f64, ttl f64]   only with a TTL
//! [size f64]             only with a size the caller gave
//! key length, value length (LEB128), key bytes, value bytes
//! ```
//!
//! An entry with no TTL and a measured size pays 11 bytes here for a 100-byte value and a
//! short key; the fields it does not use take no room.

use crate::arena::{read_u32, FLAGS_OFFSET};

const LIVE: u8 = 0x80;
const HAS_TTL: u8 = 0x04;
const HAS_SIZE: u8 = 0x08;
const TAG_MASK: u8 = 0x03;
const FIXED_LEN: usize = FLAGS_OFFSET + 1;

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

impl ValueTag {
    fn from_bits(bits: u8) -> Self {
        match bits & TAG_MASK {
            0 => ValueTag::String,
            1 => ValueTag::Buffer,
            _ => ValueTag::Serialized,
        }
    }
}

/// Clock readings of an entry with a TTL.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Timing {
    /// When the entry was stored or last had its age reset.
    pub start: f64,
    /// Milliseconds to live after `start`; always above 0.
    pub ttl: f64,
}

impl Timing {
    pub fn is_stale(&self, now: f64) -> bool {
        now - self.start >= self.ttl
    }

    /// Stale for `kept` ms or more: past what a cache keeping stale entries that long holds.
    /// With `kept` 0 this is `is_stale`; with infinity, never.
    pub fn is_past(&self, now: f64, kept: f64) -> bool {
        now - self.start >= self.ttl + kept
    }

    /// `ttl` minus the time elapsed, not start + ttl - now: with fractional clock
    /// readings the latter can come out a hair above ttl.
    pub fn remaining(&self, now: f64) -> f64 {
        (self.ttl - (now - self.start)).max(0.0)
    }

    /// The moment the TTL index orders entries by.
    pub fn expiry(&self) -> f64 {
        self.start + self.ttl
    }
}

/// What a record holds besides its links.
pub struct Fields<'a> {
    pub tag: ValueTag,
    pub key: &'a [u8],
    pub value: &'a [u8],
    pub timing: Option<Timing>,
    /// The caller's measure of the entry; `None` when the store measures it, or when
    /// nothing is measured.
    pub size: Option<f64>,
}

impl Fields<'_> {
    /// Bytes the record takes.
    pub fn encoded_len(&self) -> usize {
        FIXED_LEN
            + if self.timing.is_some() { 16 } else { 0 }
            + if self.size.is_some() { 8 } else { 0 }
            + varint_len(self.key.len() as u32)
            + varint_len(self.value.len() as u32)
            + self.key.len()
            + self.value.len()
    }

    /// Writes everything but the links into `block`, which holds `encoded_len()` bytes.
    pub fn write(&self, block: &mut [u8]) {
        let mut flags = LIVE | self.tag as u8;
        let mut at = FIXED_LEN;
        if let Some(timing) = self.timing {
            flags |= HAS_TTL;
            at = put_f64(block, at, timing.start);
            at = put_f64(block, at, timing.ttl);
        }
        if let Some(size) = self.size {
            flags |= HAS_SIZE;
            at = put_f64(block, at, size);
        }
        block[FLAGS_OFFSET] = flags;
        at = put_varint(block, at, self.key.len() as u32);
        at = put_varint(block, at, self.value.len() as u32);
        block[at..at + self.key.len()].copy_from_slice(self.key);
        at += self.key.len();
        block[at..at + self.value.len()].copy_from_slice(self.value);
    }
}

/// Whether a flags byte belongs to a live record (and not a free block).
pub fn is_live(flags: u8) -> bool {
    flags & LIVE != 0
}

/// A record read in place.
#[derive(Clone, Copy)]
pub struct Record<'a> {
    bytes: &'a [u8],
}

impl<'a> Record<'a> {
    /// `bytes` starts at the record (and may run past its end).
    pub fn new(bytes: &'a [u8]) -> Self {
        Record { bytes }
    }

    pub fn prev(&self) -> u32 {
        read_u32(self.bytes, 0)
    }

    pub fn next(&self) -> u32 {
        read_u32(self.bytes, 4)
    }

    fn flags(&self) -> u8 {
        self.bytes[FLAGS_OFFSET]
    }

    pub fn tag(&self) -> ValueTag {
        ValueTag::from_bits(self.flags())
    }

    pub fn timing(&self) -> Option<Timing> {
        (self.flags() & HAS_TTL != 0).then(|| Timing {
            start: get_f64(self.bytes, FIXED_LEN),
            ttl: get_f64(self.bytes, FIXED_LEN + 8),
        })
    }

    /// The size the caller gave, if it gave one.
    pub fn given_size(&self) -> Option<f64> {
        (self.flags() & HAS_SIZE != 0).then(|| get_f64(self.bytes, self.size_offset()))
    }

    pub fn key(&self) -> &'a [u8] {
        let (key_len, _, at) = self.lengths();
        &self.bytes[at..at + key_len]
    }

    pub fn value(&self) -> &'a [u8] {
        let (key_len, value_len, at) = self.lengths();
        &self.bytes[at + key_len..at + key_len + value_len]
    }

    /// Bytes the record takes, as `Fields::encoded_len` counted them.
    pub fn encoded_len(&self) -> usize {
        let (key_len, value_len, at) = self.lengths();
        at + key_len + value_len
    }

    fn size_offset(&self) -> usize {
        FIXED_LEN + if self.flags() & HAS_TTL != 0 { 16 } else { 0 }
    }

    /// Key length, value length, and where the key starts.
    fn lengths(&self) -> (usize, usize, usize) {
        let at = self.size_offset() + if self.flags() & HAS_SIZE != 0 { 8 } else { 0 };
        let (key_len, at) = get_varint(self.bytes, at);
        let (value_len, at) = get_varint(self.bytes, at);
        (key_len as usize, value_len as usize, at)
    }
}

pub fn set_prev(block: &mut [u8], location: u32) {
    block[0..4].copy_from_slice(&location.to_le_bytes());
}

pub fn set_next(block: &mut [u8], location: u32) {
    block[4..8].copy_from_slice(&location.to_le_bytes());
}

/// Resets the age of a record that has a TTL.
pub fn set_start(block: &mut [u8], start: f64) {
    put_f64(block, FIXED_LEN, start);
}

fn put_f64(block: &mut [u8], at: usize, value: f64) -> usize {
    block[at..at + 8].copy_from_slice(&value.to_le_bytes());
    at + 8
}

fn get_f64(bytes: &[u8], at: usize) -> f64 {
    let mut raw = [0u8; 8];
    raw.copy_from_slice(&bytes[at..at + 8]);
    f64::from_le_bytes(raw)
}

fn varint_len(mut value: u32) -> usize {
    let mut len = 1;
    while value >= 0x80 {
        value >>= 7;
        len += 1;
    }
    len
}

fn put_varint(block: &mut [u8], mut at: usize, mut value: u32) -> usize {
    while value >= 0x80 {
        block[at] = (value as u8) | 0x80;
        value >>= 7;
        at += 1;
    }
    block[at] = value as u8;
    at + 1
}

fn get_varint(bytes: &[u8], mut at: usize) -> (u32, usize) {
    let mut value = 0u32;
    let mut shift = 0;
    loop {
        let byte = bytes[at];
        at += 1;
        value |= u32::from(byte & 0x7f) << shift;
        if byte < 0x80 {
            return (value, at);
        }
        shift += 7;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(fields: &Fields<'_>) {
        let mut block = vec![0u8; fields.encoded_len() + 3];
        fields.write(&mut block);
        set_prev(&mut block, 7);
        set_next(&mut block, 9);
        let record = Record::new(&block);
        assert!(is_live(block[FLAGS_OFFSET]));
        assert_eq!((record.prev(), record.next()), (7, 9));
        assert_eq!(record.tag(), fields.tag);
        assert_eq!(record.key(), fields.key);
        assert_eq!(record.value(), fields.value);
        assert_eq!(record.timing(), fields.timing);
        assert_eq!(record.given_size(), fields.size);
        assert_eq!(record.encoded_len(), fields.encoded_len());
    }

    #[test]
    fn every_combination_of_optional_fields_reads_back() {
        let long = vec![b'x'; 20_000];
        for timing in [
            None,
            Some(Timing {
                start: 4_161_722.627_650_255,
                ttl: 2f64.powi(40),
            }),
        ] {
            for size in [None, Some(0.5)] {
                for (key, value) in [(&b"k"[..], &b""[..]), (b"key:1", &long[..])] {
                    round_trip(&Fields {
                        tag: ValueTag::Serialized,
                        key,
                        value,
                        timing,
                        size,
                    });
                }
            }
        }
    }

    #[test]
    fn a_short_entry_without_options_pays_eleven_bytes() {
        let fields = Fields {
            tag: ValueTag::String,
            key: b"skey:1",
            value: &[b'v'; 100],
            timing: None,
            size: None,
        };
        assert_eq!(fields.encoded_len() - 106, 11);
    }

    #[test]
    fn a_new_start_moves_the_expiry() {
        let fields = Fields {
            tag: ValueTag::Buffer,
            key: b"k",
            value: b"v",
            timing: Some(Timing {
                start: 10.0,
                ttl: 5.0,
            }),
            size: Some(3.0),
        };
        let mut block = vec![0u8; fields.encoded_len()];
        fields.write(&mut block);
        set_start(&mut block, 20.0);
        let timing = Record::new(&block).timing().unwrap();
        assert_eq!(timing.expiry(), 25.0);
        assert!(!timing.is_stale(24.9));
        assert!(timing.is_stale(25.0));
        assert_eq!(Record::new(&block).given_size(), Some(3.0));
    }
}
