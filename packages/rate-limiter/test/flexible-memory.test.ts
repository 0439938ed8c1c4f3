/**
 * RateLimiterMemory and friends against rate-limiter-flexible 11.4 itself: the same
 * operations on both, with `Date` and timers faked alike, must give the same answers
 * (resolved or rejected, and every field). Then the documented behaviours one by one.
 */
import fc from 'fast-check';
import * as flexible from 'rate-limiter-flexible';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import * as ours from '../src/index.js';

type Limiter = ours.RateLimiterMemory | flexible.RateLimiterMemory;

/** One call and what came of it, as plain data. */
type Outcome = { ok: boolean; value: unknown };

async function settle(promise: Promise<unknown>): Promise<Outcome> {
  try {
    return { ok: true, value: plain(await promise) };
  } catch (error) {
    return { ok: false, value: plain(error) };
  }
}

function plain(value: unknown): unknown {
  return value === null || typeof value !== 'object' ? value : JSON.parse(JSON.stringify(value));
}

const keyArb = fc.constantFrom('a', 'b', 7);
const pointsArb = fc.oneof(fc.integer({ min: -3, max: 6 }), fc.constantFrom(1.5, 0.4));
const operationArb = fc.oneof(
  fc.record({ op: fc.constant('consume' as const), key: keyArb, points: pointsArb }),
  fc.record({
    op: fc.constant('consumeCustom' as const),
    key: keyArb,
    seconds: fc.constantFrom(0, 1, 3),
  }),
  fc.record({ op: fc.constant('penalty' as const), key: keyArb, points: pointsArb }),
  fc.record({ op: fc.constant('reward' as const), key: keyArb, points: pointsArb }),
  fc.record({ op: fc.constant('get' as const), key: keyArb }),
  fc.record({
    op: fc.constant('set' as const),
    key: keyArb,
    points: fc.integer({ min: 0, max: 9 }),
    seconds: fc.constantFrom(0, 1, 2.5, -1),
  }),
  fc.record({ op: fc.constant('block' as const), key: keyArb, seconds: fc.constantFrom(0, 1, 4) }),
  fc.record({ op: fc.constant('delete' as const), key: keyArb }),
  fc.record({ op: fc.constant('advance' as const), ms: fc.constantFrom(1, 250, 999, 1000, 2500) }),
);
type Operation = typeof operationArb extends fc.Arbitrary<infer T> ? T : never;

function apply(limiter: Limiter, step: Operation): Promise<unknown> | undefined {
  switch (step.op) {
    case 'consume':
      return limiter.consume(step.key, step.points);
    case 'consumeCustom':
      return limiter.consume(step.key, 1, { customDuration: step.seconds });
    case 'penalty':
      return limiter.penalty(step.key, step.points);
    case 'reward':
      return limiter.reward(step.key, step.points);
    case 'get':
      return limiter.get(step.key);
    case 'set':
      return limiter.set(step.key, step.points, step.seconds);
    case 'block':
      return limiter.block(step.key, step.seconds);
    case 'delete':
      return limiter.delete(step.key);
    case 'advance':
      vi.advanceTimersByTime(step.ms);
      return undefined;
  }
}

/**
 * A dump's records, keys as strings, in key order. (With `keyPrefix: ''`,
 * rate-limiter-flexible keeps a number key as a number: `7` and `'7'` are two keys there,
 * one here, as in Redis. See the README.)
 */
function records(limiter: Limiter) {
  return limiter
    .dump()
    .storage.map((r) => ({ ...r, key: String(r.key) }))
    .sort((x, y) => x.key.localeCompare(y.key));
}

const OPTION_SETS = [
  { points: 3, duration: 1 },
  { points: 5, duration: 0 },
  { points: 2, duration: 2, blockDuration: 3 },
  { points: 0, duration: 1, keyPrefix: '' },
  { points: 4, duration: 1, keyPrefix: 'login' },
];

describe('RateLimiterMemory answers as rate-limiter-flexible does', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_700_000_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it.each(OPTION_SETS)('for any sequence of calls, options %o', async (options) => {
    await fc.assert(
      fc.asyncProperty(fc.array(operationArb, { maxLength: 40 }), async (steps) => {
        const mine = new ours.RateLimiterMemory(options);
        const theirs = new flexible.RateLimiterMemory(options);
        for (const step of steps) {
          const a = apply(mine, step);
          const b = apply(theirs, step);
          if (a === undefined || b === undefined) continue;
          expect(await settle(a), JSON.stringify(step)).toEqual(await settle(b));
        }
        expect(records(mine)).toEqual(records(theirs));
      }),
      { numRuns: 150 },
    );
  });

  it('execEvenly delays allowed calls by the same amounts', async () => {
    const options = { points: 4, duration: 1, execEvenly: true };
    const mine = new ours.RateLimiterMemory(options);
    const theirs = new flexible.RateLimiterMemory(options);
    const resolvedAt = async (limiter: Limiter): Promise<number[]> => {
      const start = Date.now();
      const times: number[] = [];
      const calls = [0, 1, 2, 3].map(() =>
        limiter.consume('k').then(() => times.push(Date.now() - start)),
      );
      await vi.advanceTimersByTimeAsync(5000);
      await Promise.all(calls);
      return times;
    };
    const ourTimes = await resolvedAt(mine);
    vi.setSystemTime(1_800_000_000_000);
    expect(ourTimes).toEqual(await resolvedAt(theirs));
    expect(ourTimes.some((t) => t > 0)).toBe(true);
  });
});

describe('RateLimiterMemory: documented behaviour', () => {
  it('rejects with a RateLimiterRes once the points are spent, and counts the refused points', async () => {
    const limiter = new ours.RateLimiterMemory({ points: 2, duration: 60 });
    const first = await limiter.consume('ip');
    expect(first).toBeInstanceOf(ours.RateLimiterRes);
    expect(first.toJSON()).toMatchObject({
      remainingPoints: 1,
      consumedPoints: 1,
      isFirstInDuration: true,
    });
    await limiter.consume('ip');
    const refusal = await limiter.consume('ip').catch((e: unknown) => e);
    expect(refusal).toBeInstanceOf(ours.RateLimiterRes);
    expect(refusal).not.toBeInstanceOf(Error);
    expect((refusal as ours.RateLimiterRes).consumedPoints).toBe(3);
    expect((refusal as ours.RateLimiterRes).remainingPoints).toBe(0);
    expect((refusal as ours.RateLimiterRes).msBeforeNext).toBeGreaterThan(59_000);
  });

  it("starts a key's duration at its first consume, not on a grid", async () => {
    vi.useFakeTimers({ now: 1_700_000_000_900 });
    try {
      const limiter = new ours.RateLimiterMemory({ points: 1, duration: 1 });
      await limiter.consume('k');
      vi.advanceTimersByTime(500); // past a whole-second boundary
      await expect(limiter.consume('k')).rejects.toMatchObject({ msBeforeNext: 500 });
      vi.advanceTimersByTime(500);
      await expect(limiter.consume('k')).resolves.toMatchObject({ isFirstInDuration: true });
    } finally {
      vi.useRealTimers();
    }
  });

  it('duration 0 keeps counts forever (msBeforeNext -1)', async () => {
    const limiter = new ours.RateLimiterMemory({ points: 1, duration: 0 });
    await expect(limiter.consume('k')).resolves.toMatchObject({ msBeforeNext: -1 });
    await expect(limiter.consume('k')).rejects.toMatchObject({
      msBeforeNext: -1,
      consumedPoints: 2,
    });
  });

  it("refuses bad options with rate-limiter-flexible's messages", () => {
    const make = (options: object) => () =>
      new ours.RateLimiterMemory(options as ours.IRateLimiterOptions);
    expect(make({ duration: 1 })).toThrow('points must be set and must be a finite number');
    expect(make({ points: 1, duration: -1 })).toThrow(
      'duration must be set and must be a finite, non-negative number',
    );
    expect(make({ points: 1, duration: 1, keyPrefix: 5 })).toThrow('keyPrefix must be string');
    expect(make({ points: 1, duration: 1, blockDuration: 'soon' })).toThrow(
      /blockDuration.*"soon"/,
    );
  });

  it('refuses points that are not numbers, naming the argument (rate-limiter-flexible would count NaN)', async () => {
    const limiter = new ours.RateLimiterMemory({ points: 5, duration: 1 });
    await expect(limiter.consume('k', 'two' as unknown as number)).rejects.toThrow(
      /pointsToConsume.*"two"/,
    );
    await expect(limiter.get('k')).resolves.toBeNull();
  });

  it('keeps keys that differ only in a lone surrogate apart', async () => {
    const limiter = new ours.RateLimiterMemory({ points: 1, duration: 10 });
    await limiter.consume('\uD800');
    await expect(limiter.consume('\uD801')).resolves.toMatchObject({ consumedPoints: 1 });
  });

  it('dump and restore carry counts across a restart', async () => {
    const before = new ours.RateLimiterMemory({ points: 5, duration: 60 });
    await before.consume('a', 3);
    await before.consume('b', 1);
    const after = new ours.RateLimiterMemory({ points: 5, duration: 60 });
    const summary = after.restore({
      ...before.dump(),
      storage: [
        ...before.dump().storage,
        { key: 'old', value: 1, expiresAt: Date.now() - 1 },
        'junk',
      ],
    });
    expect(summary).toEqual({ invalid: 1, expired: 1, restored: 2 });
    await expect(after.get('a')).resolves.toMatchObject({ consumedPoints: 3, remainingPoints: 2 });
    expect(after.restore({ version: 2 })).toBeUndefined();
    expect(
      after.restore({ version: 1, storage: [{ key: 'x', value: 1, expiresAt: null }] }, true),
    ).toEqual({
      invalid: { count: 0, keys: [] },
      expired: { count: 0, keys: [] },
      restored: { count: 1, keys: ['x'] },
    });
  });

  it("RateLimiterRes prints and serialises as rate-limiter-flexible's does", () => {
    const mine = new ours.RateLimiterRes(1, 2, 3, 1 as unknown as boolean);
    const theirs = new flexible.RateLimiterRes(1, 2, 3, true);
    expect(String(mine)).toBe(String(theirs));
    expect(JSON.stringify(mine)).toBe(JSON.stringify(theirs));
    expect(new ours.RateLimiterRes().toJSON()).toEqual(new flexible.RateLimiterRes().toJSON());
  });
});
