/**
 * What one consume decided. Written into a reused object by the algorithms (no allocation
 * per call); the limiter copies it into the result it returns.
 */
export interface Decision {
  allowed: boolean;
  /** Cost units still available right after this call. */
  remaining: number;
  /** ms until the key is back to its full allowance. */
  resetMs: number;
  /** ms until this cost could be admitted; 0 when it was. */
  retryAfterMs: number;
}

/**
 * A rate algorithm over a fixed number of numbers per key (`width`), kept in a store's
 * slab at `at`. The same arithmetic runs in every store: this file's algorithms in the
 * memory store, their Rust and Lua twins elsewhere.
 */
export interface SlotAlgorithm {
  readonly name: 'token-bucket' | 'gcra' | 'fixed-window' | 'sliding-window';
  readonly width: number;
  /** The most a key may spend at once (burst, or the window's limit). */
  readonly limit: number;
  /** The two numbers the native twin builds the same algorithm from (see crates/rate-limiter). */
  readonly params: readonly [number, number];
  /** `name:a/b`: limiters with the same rule share a key's state in a shared store; others never do. */
  readonly rule: string;
  /** Sets a new key's state: a full allowance. */
  init(state: Float64Array, at: number, now: number): void;
  consume(state: Float64Array, at: number, now: number, cost: number, out: Decision): void;
  /** The decision a consume of `cost` would get, changing nothing. */
  peek(state: Float64Array, at: number, now: number, cost: number, out: Decision): void;
  refund(state: Float64Array, at: number, now: number, cost: number): void;
  /** When the key's state will be the same as a new key's: it can be dropped after. */
  idleAt(state: Float64Array, at: number): number;
}
