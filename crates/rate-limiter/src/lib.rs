//! The N-API surface of the rate-limiter twin: stores of limiter state shared by every
//! worker thread of a process, opened by name. The algorithms are `algorithm.rs` (the
//! same arithmetic as the TypeScript package's), the store `store.rs`.

mod algorithm;
mod leases;
mod registry;
mod store;
#[cfg(test)]
mod store_tests;

use algorithm::Algorithm;
use napi::bindgen_prelude::{External, Float64Array};
use napi_derive::napi;
use std::sync::Arc;
use store::{Kind, Store};

/// Writes a decision into the caller's `out` ([allowed 0/1, remaining, resetMs,
/// retryAfterMs]): filling four numbers of a typed array the caller keeps costs far less
/// than building a JavaScript object per call.
#[allow(unsafe_code)]
fn write(mut out: Float64Array, d: Option<algorithm::Decision>) -> napi::Result<()> {
    let d = d.ok_or_else(|| napi::Error::from_reason("algorithm not registered in this store"))?;
    // SAFETY: `out` is a Float64Array that one store object of one JavaScript thread
    // allocates and keeps private; this call is synchronous on that thread, so no
    // JavaScript runs, and nothing else writes the buffer, while this slice lives.
    let out = unsafe { out.as_mut() };
    if out.len() < 4 {
        return Err(napi::Error::from_reason("out must hold 4 numbers"));
    }
    out[0] = if d.allowed { 1.0 } else { 0.0 };
    out[1] = d.remaining;
    out[2] = d.reset_ms;
    out[3] = d.retry_after_ms;
    Ok(())
}

/// The store called `name` in this process, created if no thread holds it.
#[napi]
pub fn rl_open(name: String) -> External<Arc<Store>> {
    External::new(registry::open(&name))
}

/// Registers an algorithm (or finds it: the same parameters give the same id in every
/// thread). `a`, `b`: token-bucket and gcra: rate per ms, burst; windows: limit, window
/// ms; concurrency: limit, lease ms.
#[napi]
pub fn rl_algorithm(
    store: &External<Arc<Store>>,
    kind: String,
    a: f64,
    b: f64,
) -> napi::Result<u32> {
    let kind = match kind.as_str() {
        "token-bucket" => Kind::Rate(Algorithm::TokenBucket {
            per_ms: a,
            burst: b,
        }),
        "gcra" => Kind::Rate(Algorithm::Gcra {
            emission: 1.0 / a,
            burst: b,
        }),
        "fixed-window" => Kind::Rate(Algorithm::FixedWindow {
            limit: a,
            window: b,
        }),
        "sliding-window" => Kind::Rate(Algorithm::SlidingWindow {
            limit: a,
            window: b,
        }),
        "concurrency" => Kind::Concurrency {
            limit: a,
            lease_ms: b,
        },
        other => {
            return Err(napi::Error::from_reason(format!(
                "unknown algorithm \"{other}\""
            )))
        }
    };
    Ok(store.register(kind) as u32)
}

#[napi]
pub fn rl_consume(
    store: &External<Arc<Store>>,
    algorithm: u32,
    key: String,
    cost: f64,
    now: f64,
    block_ms: f64,
    out: Float64Array,
) -> napi::Result<()> {
    write(
        out,
        store.consume(algorithm as usize, &key, cost, now, block_ms, true),
    )
}

#[napi]
pub fn rl_peek(
    store: &External<Arc<Store>>,
    algorithm: u32,
    key: String,
    cost: f64,
    now: f64,
    out: Float64Array,
) -> napi::Result<()> {
    write(
        out,
        store.consume(algorithm as usize, &key, cost, now, 0.0, false),
    )
}

#[napi]
pub fn rl_refund(store: &External<Arc<Store>>, algorithm: u32, key: String, cost: f64, now: f64) {
    store.refund(algorithm as usize, &key, cost, now);
}

#[napi]
pub fn rl_block(store: &External<Arc<Store>>, algorithm: u32, key: String, until: f64, now: f64) {
    store.block(algorithm as usize, &key, until, now);
}

#[napi]
pub fn rl_reset(store: &External<Arc<Store>>, algorithm: u32, key: String) {
    store.reset(algorithm as usize, &key);
}

#[napi]
pub fn rl_sweep(store: &External<Arc<Store>>, now: f64) {
    store.sweep(now);
}

#[napi]
pub fn rl_size(store: &External<Arc<Store>>) -> f64 {
    store.size() as f64
}
