//! The process-wide table of circuits by name. The addon is loaded once per process and
//! every worker thread's instance of it sees this same static, which is what lets a
//! failing dependency open the circuit for all threads at once.
//!
//! The table holds weak references: a circuit lives while some breaker holds it, and a
//! name used again after every holder has gone starts closed and empty.

use crate::circuit::{Circuit, CircuitConfig};
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex, MutexGuard, Weak};

pub type SharedCircuit = Arc<Mutex<Circuit>>;

static CIRCUITS: LazyLock<Mutex<HashMap<String, Weak<Mutex<Circuit>>>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

/// A lock that survives a panic in another holder: the circuit's fields are plain
/// numbers, each update leaves them consistent, so the data is still good.
pub fn lock(circuit: &SharedCircuit) -> MutexGuard<'_, Circuit> {
    circuit
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
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
    let circuit = Arc::new(Mutex::new(Circuit::new(config)));
    table.insert(name.to_owned(), Arc::downgrade(&circuit));
    Ok(circuit)
}
