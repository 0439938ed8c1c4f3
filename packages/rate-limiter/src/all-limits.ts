import { delay, monotonicClock } from '@bulwark/engine-kit';
import { RateLimitWaitTimeoutError } from './errors.js';
import type { WaitOptions } from './rate-limiter.js';
import type { RateLimitResult } from './result.js';

/** What `AllLimits` needs of each limit: a `RateLimiter`, or another `AllLimits`. */
export interface Limit {
  readonly limit: number;
  consume(key: string, cost?: number): Promise<RateLimitResult>;
  peek(key: string, cost?: number): Promise<RateLimitResult>;
  refund(key: string, cost?: number): Promise<void>;
  reset(key: string): Promise<void>;
}

/** The answer of `AllLimits`, with each limit's own answer (undefined: not asked). */
export interface AllLimitsResult extends RateLimitResult {
  results: (RateLimitResult | undefined)[];
}

/**
 * Several limits on the same keys at once, such as 10 a second and 1,000 a day: a cost is
 * admitted only if every limit admits it (rate-limiter-flexible's `RateLimiterUnion`).
 *
 * The limits are asked in order, and the first refusal ends the call: the limits that had
 * admitted the cost get it back (a refund), so a refused request spends nothing, unlike
 * RateLimiterUnion, which keeps what the others took. Put the limit that refuses most
 * often first. Limits in different stores are not changed atomically together: between
 * one limit's admission and its refund, another caller may see that limit fuller than it
 * ends up, and be refused; no caller is ever admitted beyond any one limit.
 */
export class AllLimits implements Limit {
  readonly #limits: readonly Limit[];

  constructor(limits: readonly Limit[]) {
    if (!Array.isArray(limits) || limits.length === 0) {
      throw new TypeError('allLimits: limits must be a non-empty array of rate limiters');
    }
    for (const [i, l] of limits.entries()) {
      if (typeof l?.consume !== 'function' || typeof l?.refund !== 'function') {
        throw new TypeError(`allLimits: limits[${i}] is not a rate limiter`);
      }
    }
    this.#limits = [...limits];
  }

  /** The smallest of the limits' limits: the most a key may ever spend at once. */
  get limit(): number {
    return Math.min(...this.#limits.map((l) => l.limit));
  }

  /**
   * Spends `cost` of `key` under every limit, or under none. Admitted: the answer of the
   * limit with the least remaining, `resetMs` the longest of all. Refused: the refusing
   * limit's answer (its `retryAfterMs` is the least wait; a limit after it was not asked).
   */
  async consume(key: string, cost = 1): Promise<AllLimitsResult> {
    const results: (RateLimitResult | undefined)[] = this.#limits.map(() => undefined);
    for (let i = 0; i < this.#limits.length; i++) {
      const result = await this.#limits[i]!.consume(key, cost);
      results[i] = result;
      if (!result.allowed) {
        await this.#refundFirst(i, key, cost);
        return { ...result, results };
      }
    }
    return combine(results as RateLimitResult[]);
  }

  /**
   * Resolves when `cost` of `key` has been spent under every limit, trying again after the
   * refusing limit's `retryAfterMs`; rejects with `RateLimitWaitTimeoutError` as soon as the
   * wait would pass `maxWaitMs`, or with the signal's reason when `signal` aborts. Unlike
   * `RateLimiter.wait`, callers are not queued: each tries when its own wait ends.
   */
  async wait(key: string, cost = 1, options: WaitOptions = {}): Promise<AllLimitsResult> {
    const { signal } = options;
    const maxWaitMs = options.maxWaitMs ?? Number.POSITIVE_INFINITY;
    if (!(maxWaitMs >= 0)) {
      throw new RangeError(`wait: maxWaitMs must be a number >= 0, got ${String(maxWaitMs)}`);
    }
    // Real time: the waits below are real timers, whatever clock the limits run on.
    const giveUpAt = monotonicClock.now() + maxWaitMs;
    for (;;) {
      signal?.throwIfAborted();
      const result = await this.consume(key, cost);
      if (result.allowed) return result;
      // At least 1 ms: a refusal with no wait would otherwise spin.
      const retryAfterMs = Math.max(1, result.retryAfterMs);
      if (monotonicClock.now() + retryAfterMs > giveUpAt) {
        throw new RateLimitWaitTimeoutError(key, maxWaitMs, retryAfterMs);
      }
      // Rejected as RateLimiter.wait is: with the signal's own reason.
      await delay(retryAfterMs, signal);
    }
  }

  /** What `consume` would answer now, spending nothing; every limit is asked. */
  async peek(key: string, cost = 1): Promise<AllLimitsResult> {
    const results = await Promise.all(this.#limits.map((l) => l.peek(key, cost)));
    const refused = results.find((r) => !r.allowed);
    if (!refused) return combine(results);
    const longest = results.reduce(
      (a, r) => (!r.allowed && r.retryAfterMs > a.retryAfterMs ? r : a),
      refused,
    );
    return { ...longest, results };
  }

  async refund(key: string, cost = 1): Promise<void> {
    await Promise.all(this.#limits.map((l) => l.refund(key, cost)));
  }

  async reset(key: string): Promise<void> {
    await Promise.all(this.#limits.map((l) => l.reset(key)));
  }

  /** Gives `cost` back to the first `count` limits, which admitted it; a failed refund is dropped. */
  async #refundFirst(count: number, key: string, cost: number): Promise<void> {
    await Promise.all(this.#limits.slice(0, count).map((l) => l.refund(key, cost).catch(() => {})));
  }
}

/** Every limit admitted: the tightest one speaks, waiting for the slowest to refill. */
function combine(results: RateLimitResult[]): AllLimitsResult {
  const tightest = results.reduce((a, r) => (r.remaining < a.remaining ? r : a));
  const resetMs = Math.max(...results.map((r) => r.resetMs));
  return { ...tightest, resetMs, results };
}

/** Several limits on the same keys at once; see `AllLimits`. */
export function allLimits(limits: readonly Limit[]): AllLimits {
  return new AllLimits(limits);
}
