//! The memory the store's records live in: large chunks cut into blocks by size class,
//! instead of one `malloc` per entry.
//!
//! Why not a `Box` per entry: glibc rounds each block up to 16 bytes and adds an 8-byte
//! header, and the pointer to it costs 8 more, so a 110-byte entry took 136 bytes before
//! any of its bookkeeping. Here a block is rounded to 4 bytes (to 1/8 of its size above
//! 1 KiB), has no header, and is named by a 32-bit location.
//!
//! A location is a chunk number (high 12 bits) and a 4-byte unit within the chunk (low 20
//! bits): chunks are at most 4 MiB, so one cache addresses up to 16 GiB. The first chunks
//! are smaller (64 KiB, doubling), so a small cache holds little. A block larger than a
//! chunk gets a chunk of its own. A freed block goes on the free list of its size class and is
//! reused whole by the next block of that class; blocks are never merged, so a location
//! that once started a block always starts one (the TTL index relies on this).

/// Bytes per unit of a location.
pub const UNIT: usize = 4;
/// The location no block has: the end of a list.
pub const NIL: u32 = u32::MAX;

const CHUNK_SHIFT: u32 = 20;
const CHUNK_UNITS: u32 = 1 << CHUNK_SHIFT;
const FIRST_CHUNK_UNITS: u32 = CHUNK_UNITS >> 6;
const OFFSET_MASK: u32 = CHUNK_UNITS - 1;
/// Chunk 4095 is never made, so `NIL` can never be a block's location.
const MAX_CHUNKS: usize = (1 << (32 - CHUNK_SHIFT)) - 1;
/// Sizes up to this many units have a class each; above, classes are 1/8 of a power apart.
const EXACT_CLASSES: u32 = 256;
/// The smallest block: room for a free-list link and the flags byte at offset 8.
pub const MIN_BLOCK_UNITS: u32 = 3;
/// The byte of every block that tells a record from a free block.
pub const FLAGS_OFFSET: usize = 8;
/// The flags byte of a free block; a record's always has its live bit set.
const FREE_FLAGS: u8 = 0;

/// Asking for more than the 16 GiB a cache can address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArenaFull;

/// The units a block of `units` really takes, and its class's free list.
pub fn size_class(units: u32) -> (u32, usize) {
    let units = units.max(MIN_BLOCK_UNITS);
    if units <= EXACT_CLASSES {
        return (units, units as usize);
    }
    let step = 1u32 << (units.ilog2() - 3);
    let rounded = units.div_ceil(step) * step;
    // `rounded` may reach the next power of two; its class is computed from itself.
    let lg = rounded.ilog2();
    let step = 1u32 << (lg - 3);
    let class = EXACT_CLASSES + 1 + (lg - 8) * 8 + (rounded / step - 8);
    (rounded, class as usize)
}

/// Bytes a block asked for as `units` really takes.
pub fn block_bytes(units: u32) -> usize {
    let (size, _) = size_class(units);
    if size > CHUNK_UNITS {
        units as usize * UNIT
    } else {
        size as usize * UNIT
    }
}

/// Units needed for `bytes`.
pub fn units_for(bytes: usize) -> u32 {
    bytes.div_ceil(UNIT) as u32
}

/// The largest class size that fits in `units` (for cutting up a chunk's leftover end).
fn class_at_most(units: u32) -> u32 {
    if units <= EXACT_CLASSES {
        return units;
    }
    let step = 1u32 << (units.ilog2() - 3);
    units / step * step
}

pub struct Arena {
    chunks: Vec<Vec<u8>>,
    /// Chunk numbers whose memory went back when their block left; reused first.
    spare_chunks: Vec<u32>,
    /// The chunk new blocks are cut from, its length, and its first unit not yet cut.
    current: Option<u32>,
    current_units: u32,
    cut: u32,
    /// Per class, the first free block (each holds the next) or `NIL`.
    free_lists: Vec<u32>,
    /// Bytes of memory the chunks hold.
    chunk_bytes: usize,
}

impl Default for Arena {
    fn default() -> Self {
        Self::new()
    }
}

impl Arena {
    pub fn new() -> Self {
        let (_, top_class) = size_class(CHUNK_UNITS);
        Arena {
            chunks: Vec::new(),
            spare_chunks: Vec::new(),
            current: None,
            current_units: 0,
            cut: 0,
            free_lists: vec![NIL; top_class + 1],
            chunk_bytes: 0,
        }
    }

    /// Bytes of memory held for blocks, used or free.
    pub fn memory_bytes(&self) -> usize {
        self.chunk_bytes
    }

    /// Gives every chunk back.
    pub fn reset(&mut self) {
        *self = Arena::new();
    }

    /// A block of at least `units` units; its content is whatever was there.
    pub fn alloc(&mut self, units: u32) -> Result<u32, ArenaFull> {
        let (size, class) = size_class(units);
        if size > CHUNK_UNITS {
            // A block this large has its chunk to itself, so no rounding to a class.
            let chunk = self.new_chunk(units as usize * UNIT)?;
            return Ok(chunk << CHUNK_SHIFT);
        }
        let head = self.free_lists[class];
        if head != NIL {
            self.free_lists[class] = read_u32(self.bytes(head), 0);
            return Ok(head);
        }
        let chunk = match self.current {
            Some(chunk) if self.cut + size <= self.current_units => chunk,
            _ => {
                self.retire_current();
                let made = self.chunks.len().min(6) as u32;
                let units = (FIRST_CHUNK_UNITS << made).max(size.next_power_of_two());
                let chunk = self.new_chunk(units as usize * UNIT)?;
                self.current = Some(chunk);
                self.current_units = units;
                self.cut = 0;
                chunk
            }
        };
        let location = (chunk << CHUNK_SHIFT) | self.cut;
        self.cut += size;
        Ok(location)
    }

    /// Returns the block at `location`, which was allocated for `units` units.
    pub fn free(&mut self, location: u32, units: u32) {
        let (size, class) = size_class(units);
        if size > CHUNK_UNITS {
            let chunk = location >> CHUNK_SHIFT;
            self.chunk_bytes -= self.chunks[chunk as usize].len();
            self.chunks[chunk as usize] = Vec::new();
            self.spare_chunks.push(chunk);
            return;
        }
        self.push_free(location, class);
    }

    /// The bytes from `location` to the end of its chunk.
    pub fn bytes(&self, location: u32) -> &[u8] {
        let chunk = &self.chunks[(location >> CHUNK_SHIFT) as usize];
        &chunk[(location & OFFSET_MASK) as usize * UNIT..]
    }

    pub fn bytes_mut(&mut self, location: u32) -> &mut [u8] {
        let chunk = &mut self.chunks[(location >> CHUNK_SHIFT) as usize];
        &mut chunk[(location & OFFSET_MASK) as usize * UNIT..]
    }

    /// The flags byte at `location`, or `None` where no memory is held any more (a
    /// dedicated chunk that went back). For checking a location that may be out of date.
    pub fn flags_at(&self, location: u32) -> Option<u8> {
        let chunk = self.chunks.get((location >> CHUNK_SHIFT) as usize)?;
        chunk
            .get((location & OFFSET_MASK) as usize * UNIT + FLAGS_OFFSET)
            .copied()
    }

    fn push_free(&mut self, location: u32, class: usize) {
        let next = self.free_lists[class];
        let block = self.bytes_mut(location);
        block[..4].copy_from_slice(&next.to_le_bytes());
        block[FLAGS_OFFSET] = FREE_FLAGS;
        self.free_lists[class] = location;
    }

    /// Puts the uncut end of the current chunk on the free lists, in the largest pieces
    /// that are whole classes.
    fn retire_current(&mut self) {
        let Some(chunk) = self.current.take() else {
            return;
        };
        while self.current_units - self.cut >= MIN_BLOCK_UNITS {
            let piece = class_at_most(self.current_units - self.cut);
            let (_, class) = size_class(piece);
            self.push_free((chunk << CHUNK_SHIFT) | self.cut, class);
            self.cut += piece;
        }
    }

    fn new_chunk(&mut self, bytes: usize) -> Result<u32, ArenaFull> {
        let chunk = match self.spare_chunks.pop() {
            Some(chunk) => chunk,
            None if self.chunks.len() < MAX_CHUNKS => {
                self.chunks.push(Vec::new());
                (self.chunks.len() - 1) as u32
            }
            None => return Err(ArenaFull),
        };
        // Zeroed memory comes from the kernel as untouched pages: a chunk costs resident
        // memory only as far as blocks are cut from it.
        self.chunks[chunk as usize] = vec![0u8; bytes];
        self.chunk_bytes += bytes;
        Ok(chunk)
    }
}

pub fn read_u32(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_are_exact_to_1_kib_then_within_an_eighth() {
        assert_eq!(size_class(1), (3, 3));
        assert_eq!(size_class(31), (31, 31));
        assert_eq!(size_class(256), (256, 256));
        let (size, _) = size_class(257);
        assert_eq!(size, 288);
        for units in [300u32, 1000, 4097, 65_537, CHUNK_UNITS] {
            let (size, class) = size_class(units);
            assert!(
                size >= units && size - units <= units / 8,
                "{units} -> {size}"
            );
            assert_eq!(
                size_class(size),
                (size, class),
                "a class size is its own class"
            );
        }
    }

    #[test]
    fn class_indices_rise_with_size_and_never_collide() {
        let mut last = (0, 0);
        for units in MIN_BLOCK_UNITS..=CHUNK_UNITS {
            let (size, class) = size_class(units);
            if size != last.0 {
                assert!(class > last.1, "{units}: class {class} after {}", last.1);
                last = (size, class);
            }
        }
    }

    #[test]
    fn a_freed_block_is_reused_by_its_class_only() {
        let mut arena = Arena::new();
        let a = arena.alloc(10).unwrap();
        let b = arena.alloc(20).unwrap();
        arena.free(a, 10);
        assert_ne!(arena.alloc(20).unwrap(), a);
        assert_eq!(arena.alloc(10).unwrap(), a);
        assert_ne!(a, b);
    }

    #[test]
    fn a_block_larger_than_a_chunk_gets_its_own_and_gives_it_back() {
        let mut arena = Arena::new();
        let units = CHUNK_UNITS + 5;
        let big = arena.alloc(units).unwrap();
        assert!(arena.bytes(big).len() >= units as usize * UNIT);
        let held = arena.memory_bytes();
        arena.free(big, units);
        assert!(arena.memory_bytes() < held);
        assert_eq!(
            arena.flags_at(big),
            None,
            "a location in a returned chunk is not a block"
        );
    }

    #[test]
    fn a_chunk_end_too_small_for_the_next_block_is_kept_for_smaller_ones() {
        let mut arena = Arena::new();
        let blocks = FIRST_CHUNK_UNITS / 256 - 1;
        let first = arena.alloc(256).unwrap();
        for _ in 1..blocks {
            arena.alloc(256).unwrap();
        }
        // 256 units are left in the first chunk: too few for a 288-unit block.
        let larger = arena.alloc(257).unwrap();
        assert_ne!(first >> CHUNK_SHIFT, larger >> CHUNK_SHIFT);
        let small = arena.alloc(256).unwrap();
        assert_eq!(
            small,
            first + blocks * 256,
            "the end went on its class's free list"
        );
    }
}
