import type { Algorithm } from '../algorithms/index.js';
import type { RateLimitResult } from '../result.js';

/** What Redis said when it refused a key, kept until the refusal runs out. */
interface Denial {
  /** The smallest cost refused: a smaller one may fit sooner, so it still goes to Redis. */
  cost: number;
  remaining: number;
  /** When `cost` fits again, as Redis said (the limiter's clock). */
  retryAt: number;
  /** When this process stops answering for Redis: `retryAt`, or sooner by maxAgeMs. */
  until: number;
  /** When the key is back to full, as Redis said (the limiter's clock). */
  resetAt: number;
}

/**
 * Keys Redis has just refused, remembered in this process until the retry time Redis gave,
 * so a key flooding past its limit costs Redis nothing meanwhile (rate-limiter-flexible's
 * `inMemoryBlockOnConsumed`, @upstash/ratelimit's `ephemeralCache`).
 *
 * Why it never admits what Redis would refuse: it only ever refuses. Why it refuses only
 * what Redis would refuse too: a refusal of `cost` lasts `retryAfterMs`, the time the
 * algorithm needs before `cost` fits, counted here from before the script ran, so it ends
 * no later than Redis's own; larger costs need at least as long. What it cannot see is a
 * refund or reset made by another process: that is why a refusal is kept at most `maxAgeMs`.
 * Concurrency limits are never cached: their units come back whenever a holder finishes.
 */
export class DenyCache {
  readonly #maxKeys: number;
  readonly #maxAgeMs: number;
  /** Insertion order is age order: the oldest refusal is the first to go when full. */
  readonly #denials = new Map<string, Denial>();

  constructor(maxKeys: number, maxAgeMs: number) {
    this.#maxKeys = maxKeys;
    this.#maxAgeMs = maxAgeMs;
  }

  /** Refusals held now, ended or not. */
  get size(): number {
    return this.#denials.size;
  }

  /** Redis's answer to a consume or peek of `cost` at `now`; kept when it is a refusal. */
  remember(
    key: string,
    cost: number,
    algorithm: Algorithm,
    result: RateLimitResult,
    now: number,
  ): void {
    if (result.allowed || result.retryAfterMs <= 0 || algorithm.name === 'concurrency') return;
    const slot = slotOf(key, algorithm.rule);
    const held = this.#denials.get(slot);
    // A refusal of a smaller cost says more (it covers every larger one): keep it.
    if (held && held.cost < cost && now < held.until) return;
    this.#denials.delete(slot);
    this.#denials.set(slot, {
      cost,
      remaining: result.remaining,
      retryAt: now + result.retryAfterMs,
      until: now + Math.min(result.retryAfterMs, this.#maxAgeMs),
      resetAt: now + result.resetMs,
    });
    // Full: the refusal kept longest ago goes. One deletion per insertion, never a scan,
    // however many keys a flood refuses.
    if (this.#denials.size > this.#maxKeys) {
      this.#denials.delete(this.#denials.keys().next().value as string);
    }
  }

  /** A refusal of `cost` at `now` without asking Redis, or undefined when Redis must decide. */
  answer(
    key: string,
    cost: number,
    algorithm: Algorithm,
    now: number,
  ): RateLimitResult | undefined {
    if (this.#denials.size === 0) return undefined;
    const slot = slotOf(key, algorithm.rule);
    const denial = this.#denials.get(slot);
    if (denial === undefined || cost < denial.cost) return undefined;
    if (now >= denial.until) {
      this.#denials.delete(slot);
      return undefined;
    }
    return {
      allowed: false,
      // What Redis reported: less than the key has now if it refills, never more.
      remaining: denial.remaining,
      limit: algorithm.limit,
      resetMs: Math.max(0, denial.resetAt - now),
      // For a larger cost than the one refused, the least it must wait.
      retryAfterMs: denial.retryAt - now,
    };
  }

  /** Forgets `key`'s refusal under `algorithm`'s rule (a refund, reset or block of it here). */
  forget(key: string, algorithm: Algorithm): void {
    if (this.#denials.size === 0) return;
    this.#denials.delete(slotOf(key, algorithm.rule));
  }
}

/** One refusal per key and rule: their states live apart in Redis too. */
function slotOf(key: string, rule: string): string {
  return `${rule}|${key}`;
}
