import type { Algorithm } from '../algorithms/index.js';
import type { RateLimitResult } from '../result.js';

/** Units taken from Redis in one consume and spent in this process. */
interface Lease {
  units: number;
  /** When unspent units stop being spendable (ms, the limiter's clock). */
  endsAt: number;
  /** ms until the key is back to full, as Redis said when the lease was taken. */
  resetMs: number;
  /** A lease being taken: callers of the key wait for it rather than each taking one. */
  taking: Promise<void> | undefined;
  /** Redis refused a whole lease: until then, consumes of the key go to Redis one by one. */
  refusedUntil: number;
}

/** How a lease is taken from the store. */
export type TakeFromRedis = (
  key: string,
  units: number,
  algorithm: Algorithm,
  now: number,
) => Promise<RateLimitResult>;

/**
 * Hot keys: one consume from Redis takes `size` units at once, and the process spends
 * them locally, so a key consumed thousands of times a second costs Redis a call per
 * `size` consumes. Units are granted by Redis before they are spent, so the algorithm's
 * own count is never exceeded; a lease ends with its window (fixed windows), or after
 * `maxAgeMs`, so units are not carried into a later window. See the README for the bound.
 */
export class LocalLeases {
  readonly #size: number;
  readonly #maxAgeMs: number;
  readonly #take: TakeFromRedis;
  readonly #leases = new Map<string, Lease>();
  /** The map is swept of ended leases when it grows past this (amortised: no timer). */
  #sweepAbove = 1024;

  constructor(size: number, maxAgeMs: number, take: TakeFromRedis) {
    this.#size = size;
    this.#maxAgeMs = maxAgeMs;
    this.#take = take;
  }

  /** Spends `cost` from the key's lease, taking a new lease when it runs out; undefined when Redis would not grant a whole lease. */
  async consume(
    key: string,
    cost: number,
    algorithm: Algorithm,
    at: number,
  ): Promise<RateLimitResult | undefined> {
    const size = Math.min(this.#size, algorithm.limit);
    if (cost > size) return undefined;
    // One lease per key and algorithm here; Redis is asked under the key itself.
    const slot = `${algorithm.rule}|${key}`;
    for (;;) {
      const lease = this.#leases.get(slot);
      if (lease && at < lease.refusedUntil) return undefined;
      if (lease && lease.units >= cost && at < lease.endsAt) {
        lease.units -= cost;
        return {
          allowed: true,
          remaining: lease.units,
          limit: algorithm.limit,
          resetMs: lease.resetMs,
          retryAfterMs: 0,
        };
      }
      if (lease?.taking) {
        await lease.taking;
        continue;
      }
      const granted = await this.#renew(slot, key, size, algorithm, at);
      if (!granted) return undefined;
    }
  }

  /** Takes a lease of `key`'s units into `slot`; false when Redis has fewer than `size` left. */
  async #renew(
    slot: string,
    key: string,
    size: number,
    algorithm: Algorithm,
    at: number,
  ): Promise<boolean> {
    const lease: Lease = this.#leases.get(slot) ?? {
      units: 0,
      endsAt: 0,
      resetMs: 0,
      taking: undefined,
      refusedUntil: 0,
    };
    this.#leases.set(slot, lease);
    this.#sweepIfLarge(at);
    let granted = false;
    lease.taking = (async () => {
      const result = await this.#take(key, size, algorithm, at);
      if (!result.allowed) {
        // Near the limit, leases would be refused again and again: go exact until a whole
        // lease could fit.
        lease.refusedUntil = at + Math.min(result.retryAfterMs, this.#maxAgeMs);
        return;
      }
      granted = true;
      // Units left from an ended lease are not spendable: start from what was just granted.
      lease.units = size;
      lease.resetMs = result.resetMs;
      const windowEnds =
        algorithm.name === 'fixed-window' ? at + result.resetMs : Number.POSITIVE_INFINITY;
      lease.endsAt = Math.min(at + this.#maxAgeMs, windowEnds);
    })();
    try {
      await lease.taking;
    } finally {
      lease.taking = undefined;
      if (!granted && lease.units === 0 && lease.refusedUntil <= at) this.#leases.delete(slot);
    }
    return granted;
  }

  #sweepIfLarge(at: number): void {
    if (this.#leases.size <= this.#sweepAbove) return;
    for (const [slot, lease] of this.#leases) {
      if (!lease.taking && lease.endsAt <= at && lease.refusedUntil <= at)
        this.#leases.delete(slot);
    }
    this.#sweepAbove = Math.max(1024, this.#leases.size * 2);
  }

  /** Forgets the key's lease under `algorithm`'s rule (a reset): its unspent units are dropped. */
  drop(key: string, algorithm: Algorithm): void {
    this.#leases.delete(`${algorithm.rule}|${key}`);
  }
}
