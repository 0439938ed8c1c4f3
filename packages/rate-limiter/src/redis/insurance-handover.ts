import type { Algorithm } from '../algorithms/index.js';
import type { RateLimitResult } from '../result.js';
import type { RateLimitStore } from '../stores/types.js';

/** What Redis last said of a key to this instance. */
interface Seen {
  remaining: number;
  /** Until when that holds: the key is back to full after (ms, the limiter's clock). */
  until: number;
}

/** Keys remembered at most: ~100 bytes each. The oldest answer goes first. */
const MAX_KEYS = 10_000;

/**
 * Where the insurance store starts when Redis fails. A fresh insurance store would give
 * each instance the whole limit again in a window Redis had half spent (5 admitted by
 * Redis, then 5 more by insurance, against a limit of 5). So this instance remembers what
 * Redis last said of each key it used (the most recent MAX_KEYS), and the first time a key
 * goes to insurance in an outage, insurance is started from there: the units Redis had
 * counted as spent are spent in insurance too. An instance then admits no more than the
 * limit in a window across the switch to insurance, counting what it saw Redis admit.
 */
export class InsuranceHandover {
  readonly #seen = new Map<string, Seen>();
  /** Keys started in insurance during this outage; cleared when Redis answers again. */
  readonly #started = new Set<string>();

  /** Redis answered for `key`: remember where it left it, and the outage (if any) is over. */
  seen(key: string, algorithm: Algorithm, result: RateLimitResult, now: number): void {
    if (this.#started.size > 0) this.#started.clear();
    const slot = slotOf(key, algorithm);
    this.#seen.delete(slot); // re-inserted last: the map's order is the answers' age
    this.#seen.set(slot, { remaining: result.remaining, until: now + result.resetMs });
    if (this.#seen.size > MAX_KEYS) this.#seen.delete(this.#seen.keys().next().value as string);
  }

  /** Before insurance first answers for `key` in an outage: start it where Redis left it. */
  async start(
    insurance: RateLimitStore,
    key: string,
    algorithm: Algorithm,
    now: number,
  ): Promise<void> {
    const slot = slotOf(key, algorithm);
    if (this.#started.has(slot)) return;
    this.#started.add(slot);
    const seen = this.#seen.get(slot);
    if (!seen || now >= seen.until) return; // back to full by now: nothing to carry over
    const spent = algorithm.limit - seen.remaining;
    // A memory store answers at once, so no other call can slip in between these two.
    const reset = insurance.reset(key, algorithm);
    if (reset instanceof Promise) await reset;
    if (spent <= 0) return;
    const taken = insurance.consume(key, spent, algorithm, now, 0);
    if (taken instanceof Promise) await taken;
  }
}

function slotOf(key: string, algorithm: Algorithm): string {
  return `${algorithm.rule}|${key}`;
}
