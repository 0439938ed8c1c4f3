import { describe, expect, it } from 'vitest';
import { LatencySampler, MAX_STRIDE } from '../src/latency-sampler.js';

/** Runs `calls` calls through the sampler: how many were timed, and their total weight. */
function drive(sampler: LatencySampler, calls: number): { timed: number; weight: number } {
  let timed = 0;
  let weight = 0;
  for (let i = 0; i < calls; i++) {
    const w = sampler.next();
    if (w > 0) timed++;
    weight += w;
  }
  return { timed, weight };
}

describe('LatencySampler', () => {
  it('times every call of a bucket up to timedPerBucket, each standing for itself', () => {
    const sampler = new LatencySampler(100);
    const weights = Array.from({ length: 100 }, () => sampler.next());
    expect(weights.every((w) => w === 1)).toBe(true);
  });

  it('past that, times fewer calls whose weights add up to about every call', () => {
    const sampler = new LatencySampler(1000);
    const { timed, weight } = drive(sampler, 1_000_000);
    // 1000 + 500 per doubling up to the cap, then one in 64: far fewer than the calls.
    expect(timed).toBeLessThan(30_000);
    expect(timed).toBeGreaterThan(1_000_000 / MAX_STRIDE / 2);
    expect(Math.abs(weight - 1_000_000) / 1_000_000).toBeLessThan(0.02);
  });

  it('never lets more than 2 * MAX_STRIDE - 2 calls in a row pass untimed', () => {
    const sampler = new LatencySampler(1);
    let untimed = 0;
    let longest = 0;
    for (let i = 0; i < 200_000; i++) {
      if (sampler.next() === 0) longest = Math.max(longest, ++untimed);
      else untimed = 0;
    }
    expect(longest).toBeLessThanOrEqual(2 * MAX_STRIDE - 2);
  });

  it('times every call again after reset (a new bucket)', () => {
    const sampler = new LatencySampler(10);
    drive(sampler, 10_000);
    sampler.reset();
    expect(Array.from({ length: 10 }, () => sampler.next())).toEqual(Array(10).fill(1));
  });

  it('with Infinity, times every call', () => {
    const sampler = new LatencySampler(Number.POSITIVE_INFINITY);
    expect(drive(sampler, 100_000)).toEqual({ timed: 100_000, weight: 100_000 });
  });

  it('does not alias with latencies that alternate: the weighted mean stays close', () => {
    const sampler = new LatencySampler(10);
    let sum = 0;
    let weights = 0;
    for (let i = 0; i < 500_000; i++) {
      const w = sampler.next();
      // Every other call is slow (10 ms vs 0 ms): the true mean is 5.
      if (w > 0) {
        sum += w * (i % 2 === 0 ? 10 : 0);
        weights += w;
      }
    }
    expect(Math.abs(sum / weights - 5)).toBeLessThan(0.25);
  });
});
