/**
 * Each algorithm against a reference model written from its definition, not from the
 * implementation, over random sequences of consumes (cost 1-3) and clock moves, with a
 * fake clock; and the boundary: a denied cost is admitted exactly `retryAfterMs` later.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../src/index.js';
import { ENGINES, storeOn } from './stores.js';

type Step = { kind: 'consume'; cost: number } | { kind: 'wait'; ms: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.integer({ min: 1, max: 3 }).map((cost) => ({ kind: 'consume' as const, cost })),
  },
  {
    weight: 2,
    arbitrary: fc.integer({ min: 0, max: 700 }).map((ms) => ({ kind: 'wait' as const, ms })),
  },
);

interface Model {
  admit(now: number, cost: number): boolean;
}

/**
 * A token bucket of `burst` filled at rate/interval admits a call exactly when, with it,
 * every run of admitted calls from some earlier admitted call up to now costs no more than
 * `burst` plus what was earned over that run (the bucket as the greedy shaper of that
 * arrival curve). Integer arithmetic: costs scaled by the interval.
 */
function tokenBucketModel(rate: number, interval: number, burst: number): Model {
  const admitted: { t: number; cost: number }[] = [];
  return {
    admit(now, cost) {
      let suffix = cost;
      for (let i = admitted.length - 1; i >= -1; i--) {
        const since = i >= 0 ? (admitted[i] as { t: number }).t : now;
        if (i >= 0) suffix += (admitted[i] as { cost: number }).cost;
        const spent = i >= 0 ? suffix : cost;
        if (spent * interval > burst * interval + rate * (now - since)) return false;
      }
      admitted.push({ t: now, cost });
      return true;
    },
  };
}

function fixedWindowModel(limit: number, windowMs: number): Model {
  const counts = new Map<number, number>();
  return {
    admit(now, cost) {
      const w = Math.floor(now / windowMs);
      const used = counts.get(w) ?? 0;
      if (used + cost > limit) return false;
      counts.set(w, used + cost);
      return true;
    },
  };
}

/** The README's rule: previous window's count weighted by how much of it is still covered. */
function slidingWindowModel(limit: number, windowMs: number): Model {
  const counts = new Map<number, number>();
  return {
    admit(now, cost) {
      const w = Math.floor(now / windowMs);
      const into = (now - w * windowMs) / windowMs;
      const estimate = (counts.get(w - 1) ?? 0) * (1 - into) + (counts.get(w) ?? 0);
      if (estimate + cost > limit + 1e-9) return false;
      counts.set(w, (counts.get(w) ?? 0) + cost);
      return true;
    },
  };
}

const CASES = [
  {
    name: 'token-bucket',
    options: { algorithm: 'token-bucket', rate: 3, intervalMs: 1000, burst: 5 },
    model: () => tokenBucketModel(3, 1000, 5),
  },
  {
    name: 'gcra',
    options: { algorithm: 'gcra', rate: 3, intervalMs: 1000, burst: 5 },
    model: () => tokenBucketModel(3, 1000, 5),
  },
  {
    name: 'fixed-window',
    options: { algorithm: 'fixed-window', limit: 5, windowMs: 1000 },
    model: () => fixedWindowModel(5, 1000),
  },
  {
    name: 'sliding-window',
    options: { algorithm: 'sliding-window', limit: 5, windowMs: 1000 },
    model: () => slidingWindowModel(5, 1000),
  },
] as const;

const ON_EACH_STORE = ENGINES.flatMap((engine) => CASES.map((c) => ({ ...c, engine })));

describe.each(ON_EACH_STORE)(
  '$name on the $engine store against its model',
  ({ options, model, engine }) => {
    it('admits exactly what the model admits', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(step, { maxLength: 80 }),
          fc.integer({ min: 0, max: 5000 }),
          async (steps, start) => {
            let now = start;
            const limiter = new RateLimiter({
              ...options,
              store: storeOn(engine),
              clock: () => now,
            } as never);
            const reference = model();
            for (const s of steps) {
              if (s.kind === 'wait') {
                now += s.ms;
                continue;
              }
              const got = await limiter.consume('k', s.cost);
              expect(got.allowed).toBe(reference.admit(now, s.cost));
            }
            await limiter.close();
          },
        ),
        { numRuns: 200 },
      );
    });

    it('a denied cost is admitted retryAfterMs later, not a millisecond sooner', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(step, { maxLength: 40 }),
          fc.integer({ min: 1, max: 3 }),
          async (steps, cost) => {
            let now = 10_000;
            const limiter = new RateLimiter({
              ...options,
              store: storeOn(engine),
              clock: () => now,
            } as never);
            for (const s of steps) {
              if (s.kind === 'wait') now += s.ms;
              else await limiter.consume('k', s.cost);
            }
            // Drain, then ask for `cost` until denied.
            let denied = await limiter.consume('k', cost);
            while (denied.allowed) denied = await limiter.consume('k', cost);
            const wait = denied.retryAfterMs;
            expect(wait).toBeGreaterThan(0);
            now += wait - 1;
            expect((await limiter.peek('k', cost)).allowed).toBe(false);
            now += 1;
            expect((await limiter.peek('k', cost)).allowed).toBe(true);
            await limiter.close();
          },
        ),
        { numRuns: 200 },
      );
    });
  },
);

describe('sliding-window error bound', () => {
  it('never admits more than limit in a fixed window, nor more than limit * (1 + x) in a sliding one', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 120 }), async (steps) => {
        let now = 0;
        const limit = 5;
        const windowMs = 1000;
        const limiter = new RateLimiter({
          algorithm: 'sliding-window',
          limit,
          windowMs,
          clock: () => now,
        });
        const admitted: number[] = [];
        for (const s of steps) {
          if (s.kind === 'wait') now += s.ms;
          else if ((await limiter.consume('k', s.cost)).allowed)
            for (let i = 0; i < s.cost; i++) admitted.push(now);
        }
        for (const t of admitted) {
          const inFixed = admitted.filter(
            (u) => Math.floor(u / windowMs) === Math.floor(t / windowMs),
          ).length;
          expect(inFixed).toBeLessThanOrEqual(limit);
          const x = (t % windowMs) / windowMs;
          const inSliding = admitted.filter((u) => u > t - windowMs && u <= t).length;
          expect(inSliding).toBeLessThanOrEqual(Math.floor(limit * (1 + x) + 1e-9));
        }
        await limiter.close();
      }),
      { numRuns: 200 },
    );
  });
});
