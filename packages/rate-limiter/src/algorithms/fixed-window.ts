import type { Decision, SlotAlgorithm } from './types.js';

/**
 * At most `limit` per window of `windowMs`, windows aligned to the epoch (so every
 * process and Redis agree where they start). Cheapest and simplest to explain; a client
 * can spend `limit` at the end of one window and `limit` again at the start of the next.
 * State: the window's start and its count.
 */
export class FixedWindow implements SlotAlgorithm {
  readonly name = 'fixed-window';
  readonly width = 2;
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
  }

  #start(now: number): number {
    return Math.floor(now / this.#windowMs) * this.#windowMs;
  }

  #count(state: Float64Array, at: number, start: number): number {
    return state[at] === start ? (state[at + 1] as number) : 0;
  }

  /**
   * A reading older than the key's window (clock skew across a fleet, an issue time taken
   * before a slow call) is taken as that window's start: it must never reopen the window.
   */
  #seen(state: Float64Array, at: number, now: number): number {
    const stored = state[at] as number;
    return now > stored ? now : stored;
  }

  consume(state: Float64Array, at: number, reading: number, cost: number, out: Decision): void {
    const now = this.#seen(state, at, reading);
    const start = this.#start(now);
    const count = this.#count(state, at, start);
    const allowed = count + cost <= this.limit;
    state[at] = start;
    state[at + 1] = allowed ? count + cost : count;
    this.#decide(state[at + 1] as number, allowed, start, now, out);
  }

  peek(state: Float64Array, at: number, reading: number, cost: number, out: Decision): void {
    const now = this.#seen(state, at, reading);
    const start = this.#start(now);
    const count = this.#count(state, at, start);
    const allowed = count + cost <= this.limit;
    this.#decide(allowed ? count + cost : count, allowed, start, now, out);
  }

  #decide(count: number, allowed: boolean, start: number, now: number, out: Decision): void {
    const reset = start + this.#windowMs - now;
    out.allowed = allowed;
    out.remaining = this.limit - count;
    out.resetMs = count > 0 ? reset : 0;
    out.retryAfterMs = allowed ? 0 : reset;
  }

  refund(state: Float64Array, at: number, reading: number, cost: number): void {
    const start = this.#start(this.#seen(state, at, reading));
    if (state[at] !== start) return;
    const count = (state[at + 1] as number) - cost;
    state[at + 1] = count > 0 ? count : 0;
  }

  idleAt(state: Float64Array, at: number): number {
    return (state[at] as number) + this.#windowMs;
  }
}
