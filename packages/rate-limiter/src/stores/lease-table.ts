import type { RateLimitResult } from '../result.js';

interface Leases {
  /** When each held unit's lease ends, oldest first. */
  ends: number[];
  blockedUntil: number;
}

/**
 * The concurrency algorithm's state: per key, the end of each unit's lease. Leases are
 * taken in time order, so they end in that order too and expired ones are at the front.
 */
export class LeaseTable {
  readonly #limit: number;
  readonly #leaseMs: number;
  readonly #keys = new Map<string, Leases>();

  constructor(limit: number, leaseMs: number) {
    this.#limit = limit;
    this.#leaseMs = leaseMs;
  }

  get size(): number {
    return this.#keys.size;
  }

  acquire(key: string, cost: number, now: number, out: RateLimitResult): void {
    let leases = this.#keys.get(key);
    if (!leases) {
      leases = { ends: [], blockedUntil: 0 };
      this.#keys.set(key, leases);
    }
    expire(leases, now);
    if (leases.blockedUntil > now) {
      out.allowed = false;
      out.retryAfterMs = leases.blockedUntil - now;
      out.resetMs = out.retryAfterMs;
      return;
    }
    const allowed = leases.ends.length + cost <= this.#limit;
    if (allowed) for (let i = 0; i < cost; i++) leases.ends.push(now + this.#leaseMs);
    this.#decide(leases, allowed, cost, now, out);
  }

  /** As `acquire` would answer, taking nothing. */
  peek(key: string, cost: number, now: number, out: RateLimitResult): void {
    const leases = this.#keys.get(key) ?? { ends: [], blockedUntil: 0 };
    if (leases.blockedUntil > now) {
      out.allowed = false;
      out.retryAfterMs = leases.blockedUntil - now;
      out.resetMs = out.retryAfterMs;
      return;
    }
    const ends = leases.ends.filter((end) => end > now);
    const allowed = ends.length + cost <= this.#limit;
    if (allowed) for (let i = 0; i < cost; i++) ends.push(now + this.#leaseMs);
    this.#decide({ ends, blockedUntil: leases.blockedUntil }, allowed, cost, now, out);
  }

  /**
   * Ends `cost` live leases of `key`, the oldest first. Expired ones are dropped first: a
   * refund that ended an already expired lease would leave a live one held, and the key
   * would admit fewer than its limit until that one expired too.
   */
  release(key: string, cost: number, now: number): void {
    const leases = this.#keys.get(key);
    if (!leases) return;
    expire(leases, now);
    leases.ends.splice(0, cost);
    if (leases.ends.length === 0 && leases.blockedUntil <= now) this.#keys.delete(key);
  }

  block(key: string, until: number): void {
    const leases = this.#keys.get(key) ?? { ends: [], blockedUntil: 0 };
    leases.blockedUntil = until;
    this.#keys.set(key, leases);
  }

  delete(key: string): void {
    this.#keys.delete(key);
  }

  sweep(now: number): void {
    for (const [key, leases] of this.#keys) {
      expire(leases, now);
      if (leases.ends.length === 0 && leases.blockedUntil <= now) this.#keys.delete(key);
    }
  }

  #decide(leases: Leases, allowed: boolean, cost: number, now: number, out: RateLimitResult): void {
    const ends = leases.ends;
    out.allowed = allowed;
    out.remaining = Math.max(0, this.#limit - ends.length);
    out.resetMs = ends.length > 0 ? (ends[ends.length - 1] as number) - now : 0;
    // Denied: at the latest, leases end by themselves; a holder's release comes sooner.
    const needed = ends.length + cost - this.#limit;
    out.retryAfterMs = allowed ? 0 : Math.max(1, (ends[needed - 1] as number) - now);
  }
}

function expire(leases: Leases, now: number): void {
  let live = 0;
  while (live < leases.ends.length && (leases.ends[live] as number) <= now) live++;
  if (live > 0) leases.ends.splice(0, live);
}
