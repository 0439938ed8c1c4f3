import { expect } from 'vitest';
import { RateLimiter, type RateLimitStore } from '../src/index.js';

/**
 * Behaviours every store must show, written once and run on each: the in-process stores
 * (limiter-edges, clock-skew) and Redis on one server and the Cluster (redis-store).
 */

/** What `limiter` admits of `n` consumes of one key at the reading `at`. */
export async function admittedAt(
  limiter: RateLimiter,
  clock: { t: number },
  at: number,
  n: number,
) {
  clock.t = at;
  let count = 0;
  for (let i = 0; i < n; i++) if ((await limiter.consume('k')).allowed) count++;
  return count;
}

/** An older reading (clock skew, a stale issue time) never reopens a fixed or sliding window. */
export async function olderReadingNeverReopens(
  algorithm: 'fixed-window' | 'sliding-window',
  store: RateLimitStore,
): Promise<void> {
  const clock = { t: 0, now: () => clock.t };
  const limiter = new RateLimiter({ algorithm, limit: 10, windowMs: 1000, clock, store });
  expect(await admittedAt(limiter, clock, 1000, 10)).toBe(10);
  expect(await admittedAt(limiter, clock, 500, 10)).toBe(0); // a server whose clock runs behind
  expect(await admittedAt(limiter, clock, 0, 10)).toBe(0);
  // Its own windows still end when they do: two windows on, it is a fresh key again.
  expect(await admittedAt(limiter, clock, 3000, 10)).toBe(10);
}

export const PEEK_RULES = [
  ['fixed-window', { limit: 10, windowMs: 1000 }],
  ['sliding-window', { limit: 10, windowMs: 1000 }],
  ['token-bucket', { rate: 10, burst: 10 }],
  ['gcra', { rate: 10, burst: 10 }],
] as const;

/** `peek` answers what `consume` then does, and `peek(key, 0)` reads the key. */
export async function peekAgreesWithConsume(
  algorithm: (typeof PEEK_RULES)[number][0],
  rule: object,
  store: RateLimitStore,
): Promise<void> {
  const clock = { t: 200, now: () => clock.t };
  const limiter = new RateLimiter({ algorithm, ...rule, clock, store } as never);
  const fresh = await limiter.peek('k');
  expect(fresh).toEqual(await limiter.consume('k'));
  await limiter.consume('k', 3);
  expect((await limiter.peek('k', 0)).remaining).toBe(6);
}

/** A concurrency refund ends a live lease, not one that already expired. */
export async function refundEndsLiveLease(store: RateLimitStore): Promise<void> {
  const clock = { t: 0, now: () => clock.t };
  const limiter = new RateLimiter({
    algorithm: 'concurrency',
    limit: 2,
    leaseMs: 100,
    clock,
    store,
  });
  expect((await limiter.consume('k')).allowed).toBe(true); // lease ends at 100
  clock.t = 50;
  expect((await limiter.consume('k')).allowed).toBe(true); // lease ends at 150
  clock.t = 120; // the first has expired; the second is live
  await limiter.refund('k');
  expect((await limiter.consume('k', 2)).allowed).toBe(true); // both places free
}

/** Limiters with different rules sharing a store keep apart, and reset only their own. */
export async function rulesKeptApart(store: RateLimitStore): Promise<void> {
  const perMinute = new RateLimiter({
    algorithm: 'fixed-window',
    limit: 5,
    windowMs: 60_000,
    store,
  });
  const perDay = new RateLimiter({
    algorithm: 'fixed-window',
    limit: 1000,
    windowMs: 86_400_000,
    store,
  });
  let admitted = 0;
  for (let i = 0; i < 10; i++) {
    if ((await perMinute.consume('k')).allowed) admitted++;
    await perDay.consume('k');
  }
  expect(admitted).toBe(5);
  expect((await perDay.peek('k', 0)).remaining).toBe(990);
  await perMinute.reset('k');
  expect((await perMinute.peek('k', 0)).remaining).toBe(5);
  expect((await perDay.peek('k', 0)).remaining).toBe(990); // untouched by the other's reset
}
