//! A breaker's window onto its shared circuit, so that most calls are answered without
//! crossing into Rust (a crossing costs about 200 ns on a VM; the breaker's own work is a
//! few ns).
//!
//! Each breaker that joins a circuit gets a `Mirror` of its own, handed to JavaScript as an
//! external ArrayBuffer: a few words the circuit rewrites, under its lock, after anything
//! that could change them. One per breaker rather than one per circuit because Node does
//! not support two external ArrayBuffers over the same memory (nodejs/node#32463), and so
//! each thread counts on its own cache line.
//!
//! Fires a breaker admits alone go into a tally only its thread writes (a plain increment
//! in JavaScript, no atomic read-modify-write). Failures it records alone are spent from
//! an allowance the circuit grants (its share of `Circuit::failure_budget`), taken with a
//! compare-and-swap so that the circuit, swapping the allowance out, knows exactly how many
//! were spent: none can slip past a tripping failure. The circuit adds both each time
//! anyone enters it.
//!
//! Layout (what `native-circuit.ts` reads), Int32 words: `[state, admission, fires,
//! fires counted, failure allowance, allowance granted, reserved, reserved]`, then the
//! Float64 `fast_until` at byte 32.

use std::sync::atomic::{AtomicI32, AtomicU64, Ordering};

/// A count one JavaScript thread raises and the circuit takes from, under its lock.
#[repr(C)]
struct Tally {
    /// Raised by one each time (wrapping, as an Int32Array element does).
    written: AtomicI32,
    /// How far the circuit has counted; only the circuit touches it.
    counted: AtomicI32,
}

impl Tally {
    fn new() -> Self {
        Tally {
            written: AtomicI32::new(0),
            counted: AtomicI32::new(0),
        }
    }

    /// What was written since the last take; the difference wraps as the counter does.
    fn take(&self) -> u32 {
        let written = self.written.load(Ordering::Acquire);
        let counted = self.counted.swap(written, Ordering::Relaxed);
        written.wrapping_sub(counted) as u32
    }
}

#[repr(C, align(64))]
pub struct Mirror {
    /// The circuit's state: 0 closed, 1 open, 2 half-open.
    state: AtomicI32,
    /// `Circuit::fast_admission`: 0 ask, 1 admit (success unreported), 2 admit (report it),
    /// 3 reject.
    admission: AtomicI32,
    fires: Tally,
    /// Failures the breaker may still record alone; it takes one with a compare-and-swap.
    allowance: AtomicI32,
    /// The allowance last granted; only the circuit touches it.
    granted: AtomicI32,
    _reserved: [AtomicI32; 2],
    /// The bits of an f64: answering alone holds only while the breaker's now is below.
    fast_until: AtomicU64,
}

pub const MIRROR_BYTES: usize = std::mem::size_of::<Mirror>();

impl Mirror {
    pub fn new() -> Self {
        Mirror {
            state: AtomicI32::new(0),
            admission: AtomicI32::new(0),
            fires: Tally::new(),
            allowance: AtomicI32::new(0),
            granted: AtomicI32::new(0),
            _reserved: [AtomicI32::new(0), AtomicI32::new(0)],
            fast_until: AtomicU64::new(f64::NEG_INFINITY.to_bits()),
        }
    }

    /// The fires and failures this breaker recorded alone since the last take. The
    /// allowance is swapped to 0, so until `publish` grants a new one the breaker asks.
    pub fn take(&self) -> (u32, u32) {
        let left = self.allowance.swap(0, Ordering::AcqRel);
        let granted = self.granted.swap(0, Ordering::Relaxed);
        (
            self.fires.take(),
            granted.saturating_sub(left).max(0) as u32,
        )
    }

    /// Shows the circuit as it is now; `failure_share` is how many failures this breaker
    /// may record alone before it must ask (its part of `Circuit::failure_budget`).
    pub fn publish(&self, state: u32, admission: u32, fast_until: f64, failure_share: u32) {
        let share = failure_share.min(i32::MAX as u32) as i32;
        self.granted.store(share, Ordering::Relaxed);
        self.allowance.store(share, Ordering::Release);
        self.fast_until
            .store(fast_until.to_bits(), Ordering::Release);
        self.state.store(state as i32, Ordering::Release);
        self.admission.store(admission as i32, Ordering::Release);
    }

    /// What a breaker does in JavaScript when it admits a call alone.
    #[cfg(test)]
    pub fn admit_here(&self) {
        self.fires.written.fetch_add(1, Ordering::AcqRel);
    }

    /// What a breaker does in JavaScript when it records a failure alone, if the limit
    /// allows: false when it would have to ask.
    #[cfg(test)]
    pub fn fail_here(&self) -> bool {
        let left = self.allowance.load(Ordering::Acquire);
        left > 0
            && self
                .allowance
                .compare_exchange(left, left - 1, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
    }

    #[cfg(test)]
    pub fn set_fires_for_test(&self, fires: i32) {
        self.fires.written.store(fires, Ordering::Release);
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
