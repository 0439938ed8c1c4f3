//! The process-wide table of circuits by name. The addon is loaded once per process and
//! every worker thread's instance of it sees this same static, which is what lets a
//! failing dependency open the circuit for all threads at once.
//!
//! The table holds weak references: a circuit lives while some breaker holds it, and a
//! name used again after every holder has gone starts closed and empty.

use crate::circuit::{Circuit, CircuitConfig};
use crate::mirror::Mirror;
use std::collections::HashMap;
use std::ops::{Deref, DerefMut};
use std::sync::{Arc, LazyLock, Mutex, MutexGuard, Weak};

/// A circuit and the mirrors of the breakers that hold it.
pub struct Shared {
    inner: Mutex<Inner>,
}

struct Inner {
    circuit: Circuit,
    mirrors: Vec<Weak<Mirror>>,
}

pub type SharedCircuit = Arc<Shared>;

static CIRCUITS: LazyLock<Mutex<HashMap<String, Weak<Shared>>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

/// The circuit under its lock. Entering counts the fires breakers admitted on their own
/// since the last entry, so every decision sees them; leaving rewrites every mirror, so
/// no breaker admits on its own past a change.
pub struct Entered<'a> {
    guard: MutexGuard<'a, Inner>,
}

impl Deref for Entered<'_> {
    type Target = Circuit;
    fn deref(&self) -> &Circuit {
        &self.guard.circuit
    }
}

impl DerefMut for Entered<'_> {
    fn deref_mut(&mut self) -> &mut Circuit {
        &mut self.guard.circuit
    }
}

impl Drop for Entered<'_> {
    fn drop(&mut self) {
        let inner = &mut *self.guard;
        let state = inner.circuit.state();
        let admission = inner.circuit.fast_admission();
        let until = inner.circuit.fast_until();
        inner.mirrors.retain(|weak| weak.strong_count() > 0);
        // Each breaker gets an equal part, so together they stay within the budget.
        let share = inner.circuit.failure_budget() / inner.mirrors.len().max(1) as u32;
        for mirror in inner.mirrors.iter().filter_map(Weak::upgrade) {
            mirror.publish(state, admission, until, share);
        }
    }
}

/// A lock that survives a panic in another holder: the circuit's fields are plain
/// numbers, each update leaves them consistent, so the data is still good.
pub fn lock(circuit: &SharedCircuit) -> Entered<'_> {
    let mut guard = circuit
        .inner
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let inner = &mut *guard;
    let (mut fires, mut failures) = (0u32, 0u32);
    for mirror in inner.mirrors.iter().filter_map(Weak::upgrade) {
        let (f, x) = mirror.take();
        fires = fires.saturating_add(f);
        failures = failures.saturating_add(x);
    }
    inner.circuit.counted_elsewhere(fires, failures);
    Entered { guard }
}

/// A new mirror of `circuit` for one breaker, already showing the circuit as it is.
pub fn mirror(circuit: &SharedCircuit) -> Arc<Mirror> {
    let mirror = Arc::new(Mirror::new());
    let mut entered = lock(circuit);
    entered.guard.mirrors.push(Arc::downgrade(&mirror));
    drop(entered);
    mirror
}

/// Mirrors still registered (the test of pruning).
#[cfg(test)]
pub fn mirror_count(circuit: &SharedCircuit) -> usize {
    lock(circuit).guard.mirrors.len()
}

/// The circuit called `name`, created with `config` if none is alive. A live circuit with
/// another config is an error: two threads would each believe their own rule applies.
pub fn join(name: &str, config: CircuitConfig) -> Result<SharedCircuit, String> {
    let mut table = CIRCUITS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(existing) = table.get(name).and_then(Weak::upgrade) {
        let same = lock(&existing).config() == &config;
        if !same {
            return Err(format!(
                "a circuit named \"{name}\" is already shared in this process with other options \
                 (breaker, resetTimeout, halfOpenProbes or strictHalfOpen): give breakers that \
                 share a name the same options"
            ));
        }
        return Ok(existing);
    }
    // Drop the entries of circuits nobody holds any more, so names come and go freely.
    table.retain(|_, weak| weak.strong_count() > 0);
    let circuit = Arc::new(Shared {
        inner: Mutex::new(Inner {
            circuit: Circuit::new(config),
            mirrors: Vec::new(),
        }),
    });
    table.insert(name.to_owned(), Arc::downgrade(&circuit));
    Ok(circuit)
}
