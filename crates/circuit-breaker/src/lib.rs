//! The N-API surface of the circuit-breaker twin: circuits shared by name across every
//! worker thread of a process. The state machine is `circuit.rs`, its rules `rule.rs`.
//!
//! A circuit crosses to JavaScript as an `External` handle passed to free functions, not
//! as a `#[napi]` class: in the ttl-cache twin a class method call measured about 240 ns
//! before any work and a free function with a handle about 100 ns, and a breaker's own
//! work is a few ns.

mod circuit;
#[cfg(test)]
mod circuit_tests;
mod mirror;
#[cfg(test)]
mod mirror_tests;
mod registry;
mod rule;
mod window;

use circuit::CircuitConfig;
use napi::bindgen_prelude::{ArrayBuffer, External};
use napi::Env;
use napi_derive::napi;
use registry::{lock, SharedCircuit};
use rule::RuleSpec;
use std::sync::Arc;

/// The rule and half-open settings of a shared circuit; `kind` picks which rule fields apply.
#[napi(object)]
pub struct NativeCircuitConfig {
    /// `consecutive`, `rolling-percentage` or `time-window`.
    pub kind: String,
    pub threshold: Option<u32>,
    pub error_threshold_percentage: Option<f64>,
    /// The rolling-percentage rule's own volume (its `volumeThreshold`).
    pub minimum_fires: Option<f64>,
    pub failure_rate_threshold: Option<f64>,
    pub minimum_calls: Option<f64>,
    pub slow_call_duration_ms: Option<f64>,
    pub slow_call_rate_threshold: Option<f64>,
    pub window_ms: Option<f64>,
    pub buckets: Option<u32>,
    pub reset_timeout_ms: f64,
    pub half_open_probes: u32,
    pub strict_half_open: bool,
    /// The breaker's `volumeThreshold`, over `rollingCountTimeout` in `rollingCountBuckets`.
    pub volume_threshold: f64,
    pub rolling_count_timeout_ms: f64,
    pub rolling_count_buckets: u32,
}

#[napi(object)]
pub struct NativeCircuitInfo {
    pub state: u32,
    pub probes_left: u32,
    pub opened_at: f64,
}

fn required(value: Option<f64>, field: &str, kind: &str) -> napi::Result<f64> {
    value.ok_or_else(|| {
        napi::Error::from_reason(format!("shared {kind} breaker: {field} is required"))
    })
}

fn to_config(c: &NativeCircuitConfig) -> napi::Result<CircuitConfig> {
    let kind = c.kind.as_str();
    let rule = match kind {
        "consecutive" => RuleSpec::Consecutive {
            threshold: c.threshold.ok_or_else(|| {
                napi::Error::from_reason("shared consecutive breaker: threshold is required")
            })?,
        },
        "rolling-percentage" => RuleSpec::RollingPercentage {
            percentage: required(c.error_threshold_percentage, "errorThresholdPercentage", kind)?,
            volume: required(c.minimum_fires, "minimumFires", kind)? as u64,
            window_ms: required(c.window_ms, "windowMs", kind)?,
            buckets: c.buckets.unwrap_or(10),
        },
        "time-window" => RuleSpec::TimeWindow {
            failure_rate: required(c.failure_rate_threshold, "failureRateThreshold", kind)?,
            minimum_calls: required(c.minimum_calls, "minimumCalls", kind)? as u64,
            slow_call_ms: c.slow_call_duration_ms.unwrap_or(f64::INFINITY),
            slow_call_rate: c.slow_call_rate_threshold.unwrap_or(1.0),
            window_ms: required(c.window_ms, "windowMs", kind)?,
            buckets: c.buckets.unwrap_or(10),
        },
        other => {
            return Err(napi::Error::from_reason(format!(
                "breaker kind \"{other}\" cannot be shared: use consecutive, rolling-percentage or time-window"
            )))
        }
    };
    Ok(CircuitConfig {
        rule,
        reset_timeout_ms: c.reset_timeout_ms,
        half_open_probes: c.half_open_probes.max(1),
        strict_half_open: c.strict_half_open,
        volume_threshold: c.volume_threshold as u64,
        rolling_count_timeout_ms: c.rolling_count_timeout_ms,
        rolling_count_buckets: c.rolling_count_buckets.max(1),
    })
}

/// The circuit shared under `name` in this process, created if no breaker holds it.
#[napi]
pub fn circuit_join(
    name: String,
    config: NativeCircuitConfig,
) -> napi::Result<External<SharedCircuit>> {
    let config = to_config(&config)?;
    registry::join(&name, config)
        .map(External::new)
        .map_err(napi::Error::from_reason)
}

/// Admission, state and whether a success must be reported, in one number, to cross the
/// boundary once: `(admission + 1) * 8 + success_matters * 4 + state`, admission being -1
/// (rejected), 0 (normal) or a probe's round.
#[napi]
pub fn circuit_admit(circuit: &External<SharedCircuit>, now: f64) -> f64 {
    let mut c = lock(circuit);
    let admission = c.admit(now);
    let success_matters = u32::from(c.success_matters(admission));
    ((admission + 1) * 8) as f64 + f64::from(success_matters * 4 + c.state())
}

/// Records a finished call and returns the state after it.
#[napi]
pub fn circuit_record(
    circuit: &External<SharedCircuit>,
    admission: i64,
    failed: bool,
    duration_ms: f64,
    now: f64,
    may_open: bool,
) -> u32 {
    lock(circuit).record(admission, failed, duration_ms, now, may_open)
}

/// Counts a call that did not need admission (disabled breaker, cache hit) as fired.
#[napi]
pub fn circuit_fired(circuit: &External<SharedCircuit>, now: f64) {
    lock(circuit).fired(now);
}

#[napi]
pub fn circuit_return_probe(circuit: &External<SharedCircuit>, admission: i64) {
    lock(circuit).return_probe(admission);
}

/// The state, after moving an open circuit whose resetTimeout has passed to half-open.
#[napi]
pub fn circuit_refresh(circuit: &External<SharedCircuit>, now: f64) -> u32 {
    lock(circuit).refresh(now)
}

#[napi]
pub fn circuit_open(circuit: &External<SharedCircuit>, now: f64) -> u32 {
    let mut c = lock(circuit);
    c.open(now);
    c.state()
}

#[napi]
pub fn circuit_close(circuit: &External<SharedCircuit>) -> u32 {
    let mut c = lock(circuit);
    c.close();
    c.state()
}

#[napi]
pub fn circuit_state(circuit: &External<SharedCircuit>) -> u32 {
    lock(circuit).state()
}

/// What a breaker needs on a transition: when the circuit opened, and probes left.
#[napi]
pub fn circuit_info(circuit: &External<SharedCircuit>) -> NativeCircuitInfo {
    let c = lock(circuit);
    NativeCircuitInfo {
        state: c.state(),
        probes_left: c.probes_left(),
        opened_at: c.opened_at(),
    }
}

/// A mirror of the circuit for one breaker (see `mirror.rs`): an ArrayBuffer over memory
/// the circuit rewrites, through which the breaker admits, rejects and records failures
/// without crossing into Rust while that cannot change the circuit. The buffer keeps the
/// mirror and the circuit alive; when it is collected what it still held is counted.
#[napi]
#[allow(unsafe_code)]
pub fn circuit_mirror<'env>(
    env: &'env Env,
    circuit: &External<SharedCircuit>,
) -> napi::Result<ArrayBuffer<'env>> {
    let shared: SharedCircuit = (**circuit).clone();
    let mirror = registry::mirror(&shared);
    let data = Arc::as_ptr(&mirror) as *mut u8;
    // SAFETY: the memory is the mirror's, which the finalize hint keeps alive for as long as
    // the buffer exists; its fields are atomics, so writes from JavaScript are allowed.
    unsafe {
        ArrayBuffer::from_external(
            env,
            data,
            mirror::MIRROR_BYTES,
            (mirror, shared),
            |_, (mirror, shared)| {
                // Entering the circuit counts what this mirror still holds; then it goes.
                drop(lock(&shared));
                drop(mirror);
            },
        )
    }
}
