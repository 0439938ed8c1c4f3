import type { Decision, SlotAlgorithm } from './types.js';

/**
 * The generic cell rate algorithm: the same admissions as a token bucket of `burst`
 * refilled at `rate` per `intervalMs`, kept as one number per key (the theoretical
 * arrival time, `tat`: when the key would be empty of debt). Half the state of the token
 * bucket, which is what a store of millions of keys, or a Redis hash, wants.
 */
export class Gcra implements SlotAlgorithm {
  readonly name = 'gcra';
  readonly width = 1;
  readonly limit: number;
  readonly params: readonly [number, number];
  /** The algorithm and its parameters: what keeps limiters with other rules apart in a shared store. */
  readonly rule: string;
  /** ms one unit of cost takes to be earned back. */
  readonly #emission: number;
  /** How far ahead of now `tat` may run: the whole burst. */
  readonly #tolerance: number;

  constructor(rate: number, intervalMs: number, burst: number) {
    this.limit = burst;
    this.#emission = intervalMs / rate;
    this.params = [rate / intervalMs, burst];
    this.rule = `${this.name}:${this.params[0]}/${this.params[1]}`;
    this.#tolerance = burst * this.#emission;
  }

  init(state: Float64Array, at: number, now: number): void {
    state[at] = now;
  }

  consume(state: Float64Array, at: number, now: number, cost: number, out: Decision): void {
    this.peek(state, at, now, cost, out);
    if (out.allowed) {
      const tat = state[at] as number;
      state[at] = (tat > now ? tat : now) + cost * this.#emission;
    }
  }

  peek(state: Float64Array, at: number, now: number, cost: number, out: Decision): void {
    const stored = state[at] as number;
    const tat = stored > now ? stored : now;
    const next = tat + cost * this.#emission;
    const allowed = next - now <= this.#tolerance + 1e-9;
    const debt = (allowed ? next : tat) - now;
    out.allowed = allowed;
    out.remaining = Math.floor((this.#tolerance - debt) / this.#emission + 1e-9);
    out.resetMs = Math.ceil(debt - 1e-9);
    out.retryAfterMs = allowed ? 0 : Math.ceil(next - now - this.#tolerance - 1e-9);
  }

  refund(state: Float64Array, at: number, now: number, cost: number): void {
    const tat = (state[at] as number) - cost * this.#emission;
    state[at] = tat > now ? tat : now;
  }

  idleAt(state: Float64Array, at: number): number {
    return state[at] as number;
  }
}
