import type { Decision, SlotAlgorithm } from './types.js';

/**
 * At most `limit` over the last `windowMs`, estimated from two fixed windows: the current
 * one's count plus the previous one's, weighted by how much of it the sliding window
 * still covers. Two numbers per key instead of a log of every call.
 *
 * It is an approximation: it assumes the previous window's calls were spread evenly. It
 * never admits more than `limit` in any fixed window, and is exact for even traffic; in
 * the worst case (all of the previous window's calls at its very end) a sliding window
 * ending a fraction x into the current window can hold up to `limit * (1 + x)` calls.
 * State: the current window's start, the previous window's count, the current count.
 */
export class SlidingWindow implements SlotAlgorithm {
  readonly name = 'sliding-window';
  readonly width = 3;
  readonly limit: number;
  readonly params: readonly [number, number];
  /** The algorithm and its parameters: what keeps limiters with other rules apart in a shared store. */
  readonly rule: string;
  readonly #windowMs: number;

  constructor(limit: number, windowMs: number) {
    this.limit = limit;
    this.#windowMs = windowMs;
    this.params = [limit, windowMs];
    this.rule = `${this.name}:${this.params[0]}/${this.params[1]}`;
  }

  init(state: Float64Array, at: number, now: number): void {
    state[at] = this.#start(now);
    state[at + 1] = 0;
    state[at + 2] = 0;
  }

  #start(now: number): number {
    return Math.floor(now / this.#windowMs) * this.#windowMs;
  }

  /**
   * A reading older than the key's window (clock skew across a fleet, an issue time taken
   * before a slow call) is taken as that window's start: it must never roll it back.
   */
  #seen(state: Float64Array, at: number, now: number): number {
    const stored = state[at] as number;
    return now > stored ? now : stored;
  }

  /** Moves the state to the window holding `now`; returns its start. */
  #roll(state: Float64Array, at: number, now: number): number {
    const start = this.#start(now);
    const stored = state[at] as number;
    if (stored !== start) {
      state[at + 1] = stored + this.#windowMs === start ? (state[at + 2] as number) : 0;
      state[at + 2] = 0;
      state[at] = start;
    }
    return start;
  }

  #estimate(state: Float64Array, at: number, start: number, now: number): number {
    const previousWeight = 1 - (now - start) / this.#windowMs;
    return (state[at + 1] as number) * previousWeight + (state[at + 2] as number);
  }

  consume(state: Float64Array, at: number, reading: number, cost: number, out: Decision): void {
    const now = this.#seen(state, at, reading);
    const start = this.#roll(state, at, now);
    const estimate = this.#estimate(state, at, start, now);
    const allowed = estimate + cost <= this.limit + 1e-9;
    if (allowed) state[at + 2] = (state[at + 2] as number) + cost;
    this.#decide(state, at, start, now, allowed ? estimate + cost : estimate, allowed, cost, out);
  }

  peek(state: Float64Array, at: number, reading: number, cost: number, out: Decision): void {
    const now = this.#seen(state, at, reading);
    // On a copy: rolling must not change the stored state.
    const copy = state.slice(at, at + 3);
    const start = this.#roll(copy, 0, now);
    const estimate = this.#estimate(copy, 0, start, now);
    const allowed = estimate + cost <= this.limit + 1e-9;
    // Answer as consume would: with the cost counted when it would be admitted.
    if (allowed) copy[2] = (copy[2] as number) + cost;
    this.#decide(copy, 0, start, now, allowed ? estimate + cost : estimate, allowed, cost, out);
  }

  #decide(
    state: Float64Array,
    at: number,
    start: number,
    now: number,
    used: number,
    allowed: boolean,
    cost: number,
    out: Decision,
  ): void {
    const current = state[at + 2] as number;
    out.allowed = allowed;
    out.remaining = Math.max(0, Math.floor(this.limit - used + 1e-9));
    // Empty once the current window's calls have slid out too.
    out.resetMs =
      current > 0 ? start + 2 * this.#windowMs - now : used > 0 ? start + this.#windowMs - now : 0;
    out.retryAfterMs = allowed ? 0 : this.#retryAfter(state, at, start, now, cost);
  }

  /** When the estimate leaves room for `cost`, as the previous window slides out. */
  #retryAfter(state: Float64Array, at: number, start: number, now: number, cost: number): number {
    const w = this.#windowMs;
    const previous = state[at + 1] as number;
    const current = state[at + 2] as number;
    const room = this.limit - current - cost;
    if (room >= 0 && previous > 0) {
      // previous * (1 - (t - start) / w) <= room
      const t = start + w * (1 - room / previous);
      return Math.max(1, Math.ceil(t - now));
    }
    // Not in this window: in the next, the current count becomes the weighted previous one.
    const fraction = current > 0 ? Math.max(0, 1 - (this.limit - cost) / current) : 0;
    return Math.max(1, Math.ceil(start + w + w * fraction - now));
  }

  refund(state: Float64Array, at: number, reading: number, cost: number): void {
    this.#roll(state, at, this.#seen(state, at, reading));
    const current = (state[at + 2] as number) - cost;
    state[at + 2] = current > 0 ? current : 0;
  }

  idleAt(state: Float64Array, at: number): number {
    const start = state[at] as number;
    return (state[at + 2] as number) > 0 ? start + 2 * this.#windowMs : start + this.#windowMs;
  }
}
