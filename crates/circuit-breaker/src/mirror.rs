//! A breaker's read-only window onto its shared circuit, so that a call in a closed circuit
//! is admitted without crossing into Rust (a crossing costs about 150 ns on a VM; the
//! breaker's own work is a few ns).
//!
//! Each breaker that joins a circuit gets a `Mirror` of its own, handed to JavaScript as an
//! external ArrayBuffer: a few words the circuit rewrites, under its lock, after anything
//! that could change them. One per breaker rather than one per circuit because V8 does not
//! allow two ArrayBuffers over the same memory, and so each thread counts its own fires on
//! its own cache line.
//!
//! Layout (what `native-circuit.ts` reads): Int32 words `[state, admission, fires,
//! counted]` then the Float64 `fast_until` at byte 16. JavaScript writes only `fires`, and
//! only its own thread does, so it needs no atomic read-modify-write: a plain increment;
//! the circuit reads it and remembers in `counted` how far it has counted.

use std::sync::atomic::{AtomicI32, AtomicU64, Ordering};

#[repr(C, align(64))]
pub struct Mirror {
    /// The circuit's state: 0 closed, 1 open, 2 half-open.
    state: AtomicI32,
    /// `Circuit::fast_admission`: 0 ask, 1 admit (success unreported), 2 admit (report it).
    admission: AtomicI32,
    /// Fires this breaker admitted on its own, ever (wrapping): JavaScript adds one each.
    fires: AtomicI32,
    /// The value of `fires` the circuit has counted up to; only the circuit touches it.
    counted: AtomicI32,
    /// The bits of an f64: admitting on its own holds only while the breaker's now is below.
    fast_until: AtomicU64,
}

pub const MIRROR_BYTES: usize = std::mem::size_of::<Mirror>();

impl Mirror {
    pub fn new() -> Self {
        Mirror {
            state: AtomicI32::new(0),
            admission: AtomicI32::new(0),
            fires: AtomicI32::new(0),
            counted: AtomicI32::new(0),
            fast_until: AtomicU64::new(f64::NEG_INFINITY.to_bits()),
        }
    }

    /// The fires admitted since the last call. Called under the circuit's lock, so
    /// `counted` has one writer; the difference wraps as the counter does.
    pub fn take_pending(&self) -> u32 {
        let fires = self.fires.load(Ordering::Acquire);
        let counted = self.counted.swap(fires, Ordering::Relaxed);
        fires.wrapping_sub(counted) as u32
    }

    pub fn publish(&self, state: u32, admission: u32, fast_until: f64) {
        self.fast_until
            .store(fast_until.to_bits(), Ordering::Release);
        self.state.store(state as i32, Ordering::Release);
        self.admission.store(admission as i32, Ordering::Release);
    }

    /// What a breaker does in JavaScript (`fires` wraps like an Int32Array element).
    #[cfg(test)]
    pub fn admit_here(&self) {
        self.fires.fetch_add(1, Ordering::AcqRel);
    }

    #[cfg(test)]
    pub fn set_fires_for_test(&self, fires: i32) {
        self.fires.store(fires, Ordering::Release);
    }

    #[cfg(test)]
    pub fn read(&self) -> (i32, i32, f64) {
        (
            self.state.load(Ordering::Acquire),
            self.admission.load(Ordering::Acquire),
            f64::from_bits(self.fast_until.load(Ordering::Acquire)),
        )
    }
}
