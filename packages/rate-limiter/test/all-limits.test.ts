/**
 * Several limits on one key (allLimits), in memory under a driven clock: admitted only when
 * every limit admits, and a refused cost spent nowhere.
 */
import { describe, expect, it } from 'vitest';
import { allLimits, RateLimiter } from '../src/index.js';

function limits() {
  const clock = { t: 1_000_000 };
  const now = () => clock.t;
  // 2 a second (a bucket of 2) and 3 a minute.
  const perSecond = new RateLimiter({ algorithm: 'token-bucket', rate: 2, burst: 2, clock: now });
  const perMinute = new RateLimiter({
    algorithm: 'fixed-window',
    limit: 3,
    windowMs: 60_000,
    clock: now,
  });
  return { clock, perSecond, perMinute, both: allLimits([perSecond, perMinute]) };
}

describe('allLimits', () => {
  it('admits only what every limit admits, and a refused cost is spent under none', async () => {
    const { clock, perSecond, perMinute, both } = limits();
    expect((await both.consume('k')).allowed).toBe(true);
    const second = await both.consume('k');
    // The tightest limit speaks: the bucket is empty, the minute has 1 left.
    expect(second).toMatchObject({ allowed: true, remaining: 0, limit: 2 });
    expect(second.results.map((r) => r?.remaining)).toEqual([0, 1]);

    // The bucket refuses; the minute is not asked, so not spent.
    const third = await both.consume('k');
    expect(third).toMatchObject({ allowed: false, retryAfterMs: 500 });
    expect(third.results[1]).toBeUndefined();
    expect((await perMinute.peek('k')).remaining).toBe(0);

    clock.t += 1_000;
    expect((await both.consume('k')).allowed).toBe(true);
    clock.t += 1_000;
    // The bucket admits, the minute refuses: the bucket gets its unit back.
    const refused = await both.consume('k');
    expect(refused).toMatchObject({ allowed: false, limit: 3 });
    expect(refused.results.map((r) => r?.allowed)).toEqual([true, false]);
    expect((await perSecond.peek('k')).remaining).toBe(1);
  });

  it('peek asks every limit and spends nothing; refund and reset reach every limit', async () => {
    const { perSecond, perMinute, both } = limits();
    await both.consume('k', 2);
    const peeked = await both.peek('k');
    expect(peeked.allowed).toBe(false);
    expect(peeked.results.map((r) => r?.allowed)).toEqual([false, true]);
    expect((await both.peek('k')).results[1]?.remaining).toBe(0);
    await both.refund('k', 1);
    expect([(await perSecond.peek('k')).allowed, (await perMinute.peek('k')).remaining]).toEqual([
      true,
      1,
    ]);
    await both.reset('k');
    expect((await both.consume('k', 2)).allowed).toBe(true);
    expect(both.limit).toBe(2);
  });

  it('refuses no limits, or something that is not a limiter, naming it', () => {
    expect(() => allLimits([])).toThrow(/limits must be a non-empty array/);
    const { perSecond } = limits();
    expect(() => allLimits([perSecond, {} as never])).toThrow(/limits\[1\] is not a rate limiter/);
  });
});
