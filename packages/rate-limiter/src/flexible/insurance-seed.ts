import type { RateLimiterLike } from './limiter-abstract.js';

/** What the store last said of a key to this process. */
interface Seen {
  consumed: number;
  /** `Date.now()` ms the store's record of it expires. */
  until: number;
}

/** Keys remembered at most (~100 bytes each); the oldest answer goes first. */
const MAX_KEYS = 10_000;

/**
 * Where an `insuranceLimiter` starts when the store fails. rate-limiter-flexible hands the
 * call to a fresh insurance limiter, which gives this process the whole `points` again in
 * a duration the store had half spent. So each process remembers what the store last said
 * of each key it used, and the first time a key goes to insurance in an outage, insurance
 * is set to at least that count for the rest of that record's life. Then a process admits
 * no more than `points` per key and duration across the switch, counting what it saw the
 * store admit (admissions by other processes it never saw are not counted).
 */
export class InsuranceSeed {
  readonly #seen = new Map<string, Seen>();
  /** Keys started in insurance during this outage; cleared when the store answers again. */
  readonly #started = new Set<string>();

  /** The store answered for `key`: remember its count, and the outage (if any) is over. */
  seen(key: string, consumed: number, msBeforeNext: number): void {
    if (this.#started.size > 0) this.#started.clear();
    this.#seen.delete(key); // re-inserted last: the map's order is the answers' age
    const until = msBeforeNext < 0 ? Number.POSITIVE_INFINITY : Date.now() + msBeforeNext;
    this.#seen.set(key, { consumed, until });
    if (this.#seen.size > MAX_KEYS) this.#seen.delete(this.#seen.keys().next().value as string);
  }

  /** The store answered nothing of `key` (deleted): nothing to carry over. */
  forget(key: string): void {
    this.#seen.delete(key);
  }

  /** Before insurance first answers for `key` in an outage: start it where the store left it. */
  async start(insurance: RateLimiterLike, key: string | number, storeKey: string): Promise<void> {
    if (this.#started.has(storeKey)) return;
    this.#started.add(storeKey);
    const seen = this.#seen.get(storeKey);
    const now = Date.now();
    if (!seen || now >= seen.until) return;
    const own = await insurance.get(key);
    if (own !== null && own.consumedPoints >= seen.consumed) return;
    const secondsLeft = seen.until === Number.POSITIVE_INFINITY ? 0 : (seen.until - now) / 1000;
    await insurance.set(key, seen.consumed, secondsLeft);
  }
}
