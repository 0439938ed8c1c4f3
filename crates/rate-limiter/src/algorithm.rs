//! The rate algorithms, with the same arithmetic as the TypeScript package's
//! `src/algorithms/` (that code is the reference; the conformance suite runs both).
//! A key's state is three numbers; what they mean depends on the algorithm.

/// Floating point drift allowed when comparing earned fractions of a unit.
const EPSILON: f64 = 1e-9;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Algorithm {
    /// `per_ms` tokens a ms, up to `burst`. State: tokens, when counted.
    TokenBucket { per_ms: f64, burst: f64 },
    /// One unit earned back every `emission` ms; `burst` units of debt at most. State: tat.
    Gcra { emission: f64, burst: f64 },
    /// `limit` per epoch-aligned window. State: window start, count.
    FixedWindow { limit: f64, window: f64 },
    /// `limit` over a sliding window, from two fixed ones. State: start, previous, current.
    SlidingWindow { limit: f64, window: f64 },
}

/// What one consume decided.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Decision {
    pub allowed: bool,
    pub remaining: f64,
    pub reset_ms: f64,
    pub retry_after_ms: f64,
}

pub type State = [f64; 3];

fn floor(x: f64) -> f64 {
    (x + EPSILON).floor()
}

fn ceil(x: f64) -> f64 {
    (x - EPSILON).ceil()
}

impl Algorithm {
    pub fn limit(&self) -> f64 {
        match *self {
            Algorithm::TokenBucket { burst, .. } | Algorithm::Gcra { burst, .. } => burst,
            Algorithm::FixedWindow { limit, .. } | Algorithm::SlidingWindow { limit, .. } => limit,
        }
    }

    pub fn init(&self, now: f64) -> State {
        match *self {
            Algorithm::TokenBucket { burst, .. } => [burst, now, 0.0],
            Algorithm::Gcra { .. } => [now, 0.0, 0.0],
            Algorithm::FixedWindow { window, .. } | Algorithm::SlidingWindow { window, .. } => {
                [start_of(now, window), 0.0, 0.0]
            }
        }
    }

    /// Decides a consume of `cost` at `now`; with `spend`, applies it to `state`.
    pub fn consume(&self, state: &mut State, now: f64, cost: f64, spend: bool) -> Decision {
        match *self {
            Algorithm::TokenBucket { per_ms, burst } => {
                let tokens = bucket_tokens(state, now, per_ms, burst);
                let allowed = tokens >= cost - EPSILON;
                let left = if allowed {
                    (tokens - cost).max(0.0)
                } else {
                    tokens
                };
                if spend {
                    state[0] = left;
                    state[1] = now.max(state[1]);
                }
                Decision {
                    allowed,
                    remaining: floor(left),
                    reset_ms: ceil((burst - left) / per_ms),
                    retry_after_ms: if allowed {
                        0.0
                    } else {
                        ceil((cost - tokens) / per_ms)
                    },
                }
            }
            Algorithm::Gcra { emission, burst } => {
                let tolerance = burst * emission;
                let tat = state[0].max(now);
                let next = tat + cost * emission;
                let allowed = next - now <= tolerance + EPSILON;
                let debt = if allowed { next } else { tat } - now;
                if spend && allowed {
                    state[0] = next;
                }
                Decision {
                    allowed,
                    remaining: floor((tolerance - debt) / emission),
                    reset_ms: ceil(debt),
                    retry_after_ms: if allowed {
                        0.0
                    } else {
                        ceil(next - now - tolerance)
                    },
                }
            }
            Algorithm::FixedWindow { limit, window } => {
                // A reading older than the key's window never reopens it (see `seen`).
                let now = seen(state, now);
                let start = start_of(now, window);
                let count = if state[0] == start { state[1] } else { 0.0 };
                let allowed = count + cost <= limit;
                let used = if allowed { count + cost } else { count };
                if spend {
                    state[0] = start;
                    state[1] = used;
                }
                let reset = start + window - now;
                Decision {
                    allowed,
                    remaining: limit - used,
                    reset_ms: if used > 0.0 { reset } else { 0.0 },
                    retry_after_ms: if allowed { 0.0 } else { reset },
                }
            }
            Algorithm::SlidingWindow { limit, window } => {
                let now = seen(state, now);
                let mut rolled = *state;
                let start = roll(&mut rolled, now, window);
                let estimate = rolled[1] * (1.0 - (now - start) / window) + rolled[2];
                let allowed = estimate + cost <= limit + EPSILON;
                if allowed {
                    rolled[2] += cost;
                }
                if spend {
                    *state = rolled;
                }
                let used = if allowed { estimate + cost } else { estimate };
                let reset_ms = if rolled[2] > 0.0 {
                    start + 2.0 * window - now
                } else if used > 0.0 {
                    start + window - now
                } else {
                    0.0
                };
                Decision {
                    allowed,
                    remaining: floor(limit - used).max(0.0),
                    reset_ms,
                    retry_after_ms: if allowed {
                        0.0
                    } else {
                        sliding_retry_after(&rolled, start, now, cost, limit, window)
                    },
                }
            }
        }
    }

    pub fn refund(&self, state: &mut State, now: f64, cost: f64) {
        match *self {
            Algorithm::TokenBucket { per_ms, burst } => {
                state[0] = (bucket_tokens(state, now, per_ms, burst) + cost).min(burst);
                state[1] = now;
            }
            Algorithm::Gcra { emission, .. } => state[0] = (state[0] - cost * emission).max(now),
            Algorithm::FixedWindow { window, .. } => {
                if state[0] == start_of(seen(state, now), window) {
                    state[1] = (state[1] - cost).max(0.0);
                }
            }
            Algorithm::SlidingWindow { window, .. } => {
                let now = seen(state, now);
                roll(state, now, window);
                state[2] = (state[2] - cost).max(0.0);
            }
        }
    }

    /// When the state will be the same as a new key's, so the key can be dropped.
    pub fn idle_at(&self, state: &State) -> f64 {
        match *self {
            Algorithm::TokenBucket { per_ms, burst } => state[1] + (burst - state[0]) / per_ms,
            Algorithm::Gcra { .. } => state[0],
            Algorithm::FixedWindow { window, .. } => state[0] + window,
            Algorithm::SlidingWindow { window, .. } => {
                state[0] + if state[2] > 0.0 { 2.0 * window } else { window }
            }
        }
    }
}

/// A window key's time: the reading, or the start of the window the key is already in if
/// the reading is older (clock skew across a fleet, an issue time taken before a slow
/// call), so an old reading can never reopen or roll back a window.
fn seen(state: &State, now: f64) -> f64 {
    now.max(state[0])
}

fn start_of(now: f64, window: f64) -> f64 {
    (now / window).floor() * window
}

fn bucket_tokens(state: &State, now: f64, per_ms: f64, burst: f64) -> f64 {
    let elapsed = now - state[1];
    let earned = if elapsed > 0.0 { elapsed * per_ms } else { 0.0 };
    (state[0] + earned).min(burst)
}

/// Moves a sliding window's state to the window holding `now`; returns its start.
fn roll(state: &mut State, now: f64, window: f64) -> f64 {
    let start = start_of(now, window);
    if state[0] != start {
        state[1] = if state[0] + window == start {
            state[2]
        } else {
            0.0
        };
        state[2] = 0.0;
        state[0] = start;
    }
    start
}

fn sliding_retry_after(
    state: &State,
    start: f64,
    now: f64,
    cost: f64,
    limit: f64,
    window: f64,
) -> f64 {
    let (previous, current) = (state[1], state[2]);
    let room = limit - current - cost;
    if room >= 0.0 && previous > 0.0 {
        let at = start + window * (1.0 - room / previous);
        return (at - now).ceil().max(1.0);
    }
    let fraction = if current > 0.0 {
        (1.0 - (limit - cost) / current).max(0.0)
    } else {
        0.0
    };
    (start + window + window * fraction - now).ceil().max(1.0)
}
