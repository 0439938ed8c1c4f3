import type { Decision, SlotAlgorithm } from './types.js';

/**
 * Tokens are earned in fractions (rate / intervalMs per ms) and floating point drifts by
 * far less than this; without it a bucket refilled to exactly `cost` can read a hair short.
 */
const EPSILON = 1e-9;

/**
 * A bucket of `burst` tokens refilled at `rate` per `intervalMs`, continuously. The seeds'
 * `RateLimiter(rate, burst)`: steady traffic at the rate passes, bursts up to `burst` pass
 * at once. State: tokens, and when they were counted.
 */
export class TokenBucket implements SlotAlgorithm {
  readonly name = 'token-bucket';
  readonly width = 2;
  readonly limit: number;
  readonly params: readonly [number, number];
  /** The algorithm and its parameters: what keeps limiters with other rules apart in a shared store. */
  readonly rule: string;
  /** Tokens per ms. */
  readonly #perMs: number;

  constructor(rate: number, intervalMs: number, burst: number) {
    this.limit = burst;
    this.#perMs = rate / intervalMs;
    this.params = [this.#perMs, burst];
    this.rule = `${this.name}:${this.params[0]}/${this.params[1]}`;
  }

  init(state: Float64Array, at: number, now: number): void {
    state[at] = this.limit;
    state[at + 1] = now;
  }

  #tokens(state: Float64Array, at: number, now: number): number {
    const elapsed = now - (state[at + 1] as number);
    const tokens = (state[at] as number) + (elapsed > 0 ? elapsed * this.#perMs : 0);
    return tokens < this.limit ? tokens : this.limit;
  }

  consume(state: Float64Array, at: number, now: number, cost: number, out: Decision): void {
    const tokens = this.#tokens(state, at, now);
    state[at + 1] = now > (state[at + 1] as number) ? now : (state[at + 1] as number);
    const allowed = tokens >= cost - EPSILON;
    state[at] = allowed ? Math.max(0, tokens - cost) : tokens;
    this.#decide(state[at] as number, tokens, allowed, cost, out);
  }

  /** As `consume` would answer: `remaining` and `resetMs` after the spend it would make. */
  peek(state: Float64Array, at: number, now: number, cost: number, out: Decision): void {
    const tokens = this.#tokens(state, at, now);
    const allowed = tokens >= cost - EPSILON;
    this.#decide(allowed ? Math.max(0, tokens - cost) : tokens, tokens, allowed, cost, out);
  }

  #decide(left: number, tokens: number, allowed: boolean, cost: number, out: Decision): void {
    out.allowed = allowed;
    out.remaining = Math.floor(left + EPSILON);
    out.resetMs = Math.ceil((this.limit - left) / this.#perMs - EPSILON);
    out.retryAfterMs = allowed ? 0 : Math.ceil((cost - tokens) / this.#perMs - EPSILON);
  }

  refund(state: Float64Array, at: number, now: number, cost: number): void {
    const tokens = this.#tokens(state, at, now) + cost;
    state[at] = tokens < this.limit ? tokens : this.limit;
    state[at + 1] = now;
  }

  idleAt(state: Float64Array, at: number): number {
    return (state[at + 1] as number) + (this.limit - (state[at] as number)) / this.#perMs;
  }
}
