/**
 * Several limits on one key (allLimits), in memory under a driven clock: admitted only when
 * every limit admits, and a refused cost spent nowhere.
 */
import { describe, expect, it } from 'vitest';
import { allLimits, RateLimiter, RateLimitWaitTimeoutError } from '../src/index.js';

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

  it('wait retries after the refusing limit says, spending nothing on the refused tries', async () => {
    // Real time: one unit every 20 ms, and 100 a minute.
    const perTick = new RateLimiter({ algorithm: 'gcra', rate: 50, burst: 1 });
    const perMinute = new RateLimiter({ algorithm: 'fixed-window', limit: 100, windowMs: 60_000 });
    const both = allLimits([perTick, perMinute]);
    for (let i = 0; i < 3; i++) expect((await both.wait('k')).allowed).toBe(true);
    expect((await perMinute.peek('k')).remaining).toBe(100 - 3 - 1);
  });

  it('wait gives up past maxWaitMs, and on abort with the signal reason', async () => {
    const slow = allLimits([
      new RateLimiter({ algorithm: 'gcra', rate: 1, intervalMs: 60_000, burst: 1 }),
      new RateLimiter({ algorithm: 'fixed-window', limit: 100, windowMs: 60_000 }),
    ]);
    await slow.consume('k');
    const timedOut = slow.wait('k', 1, { maxWaitMs: 1_000 });
    await expect(timedOut).rejects.toBeInstanceOf(RateLimitWaitTimeoutError);
    // The refusing limit's wait, less the few ms since the consume.
    const error = (await timedOut.catch((e: unknown) => e)) as RateLimitWaitTimeoutError;
    expect(error.retryAfterMs).toBeGreaterThan(59_000);
    const controller = new AbortController();
    const waiting = slow.wait('k', 1, { signal: controller.signal });
    controller.abort(new Error('caller left'));
    await expect(waiting).rejects.toThrow('caller left');
    await expect(slow.wait('k', 1, { maxWaitMs: -1 })).rejects.toThrow(/maxWaitMs must be/);
  });

  it('refuses no limits, or something that is not a limiter, naming it', () => {
    expect(() => allLimits([])).toThrow(/limits must be a non-empty array/);
    const { perSecond } = limits();
    expect(() => allLimits([perSecond, {} as never])).toThrow(/limits\[1\] is not a rate limiter/);
  });
});
