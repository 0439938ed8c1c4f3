/**
 * The js engine's sampled timing (timedCallsPerBucket): counts stay exact, latency
 * statistics stay close, and whatever needs each latency still gets it.
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import CircuitBreaker, { slowCallBreaker } from '../src/index.js';
import { uniqueName } from './engines.js';

const CALLS = 50_000;

/** A clock the test moves by hand, counting how often the breaker reads it. */
function handClock() {
  const clock = { now: 1_000_000, reads: 0, read: () => 0 };
  clock.read = () => {
    clock.reads++;
    return clock.now;
  };
  return clock;
}

/** One bucket that never rotates by time: every call of the test lands in it. */
const oneLongBucket = {
  timeout: false as const,
  rollingCountTimeout: 2 ** 40,
  rollingCountBuckets: 1,
  engine: 'js' as const,
};

async function fireMany(breaker: CircuitBreaker<[], unknown>, calls: number): Promise<void> {
  for (let i = 0; i < calls; i++) await breaker.fire();
}

describe('timedCallsPerBucket', () => {
  it('reads the clock for a fraction of the calls past the fully timed ones, and counts every call', async () => {
    const clock = handClock();
    const breaker = new CircuitBreaker(async () => 1, { ...oneLongBucket, clock: clock.read });
    await fireMany(breaker, CALLS);
    const stats = breaker.stats;
    expect(stats.fires).toBe(CALLS);
    expect(stats.successes).toBe(CALLS);
    // Two reads per timed call: all of the first 1000, then at most one call in two.
    expect(clock.reads).toBeLessThan(CALLS / 2);
  });

  it('with Infinity, times every call as opossum does', async () => {
    const clock = handClock();
    const breaker = new CircuitBreaker(async () => 1, {
      ...oneLongBucket,
      clock: clock.read,
      timedCallsPerBucket: Number.POSITIVE_INFINITY,
    });
    await fireMany(breaker, 5_000);
    expect(clock.reads).toBeGreaterThanOrEqual(2 * 5_000);
  });

  it('keeps the latency mean and percentiles of every call close (weighted sample)', async () => {
    const clock = handClock();
    let call = 0;
    // The first half of the calls take 0 ms, the second half 8 ms: mean 4, p25 0, p75 8.
    // Early calls are all timed and later ones sampled, so without the weights the mean
    // would lean on the fast half (about 2.8).
    const breaker = new CircuitBreaker(
      async () => {
        if (call++ >= CALLS / 2) clock.now += 8;
      },
      { ...oneLongBucket, clock: clock.read, timedCallsPerBucket: 100 },
    );
    await fireMany(breaker, CALLS);
    const stats = breaker.stats;
    expect(Math.abs(stats.latencyMean - 4)).toBeLessThan(0.5);
    expect(stats.percentiles[0.25]).toBe(0);
    expect(stats.percentiles[0.75]).toBe(8);
  });

  it('times every call while someone listens to success, and hands each its latency', async () => {
    const clock = handClock();
    const breaker = new CircuitBreaker(async () => 1, { ...oneLongBucket, clock: clock.read });
    const latencies: number[] = [];
    breaker.on('success', (_result, latency) => latencies.push(latency));
    await fireMany(breaker, 5_000);
    expect(latencies).toHaveLength(5_000);
    expect(clock.reads).toBeGreaterThanOrEqual(2 * 5_000);
  });

  it('times every call for a slow-call rule, which must see each duration', async () => {
    const clock = handClock();
    let call = 0;
    const breaker = new CircuitBreaker(
      async () => {
        // Only the last call is slow: a sample would miss it.
        if (++call === 5_000) clock.now += 100;
      },
      {
        ...oneLongBucket,
        clock: clock.read,
        breaker: slowCallBreaker({
          windowMs: 2 ** 40,
          slowCallDurationMs: 50,
          minimumCalls: 1,
          slowCallRateThreshold: 1 / 5_000,
        }),
      },
    );
    await fireMany(breaker, 5_000);
    expect(breaker.opened).toBe(true);
  });

  it('records a semaphore rejection with the latency of 0 opossum gives it, even untimed', async () => {
    const clock = handClock();
    let hang = false;
    const breaker = new CircuitBreaker(
      () => (hang ? new Promise<number>(() => {}) : Promise.resolve(1)),
      { ...oneLongBucket, clock: clock.read, capacity: 1, timedCallsPerBucket: 10 },
    );
    await fireMany(breaker, 5_000);
    // Time passes with no clock read; then one call holds the only place and the next is
    // refused, whatever the sampler made of either.
    clock.now += 1_000;
    hang = true;
    breaker.fire();
    await expect(breaker.fire()).rejects.toMatchObject({ code: 'ESEMLOCKED' });
    expect(breaker.stats.semaphoreRejections).toBe(1);
    expect(breaker.stats.percentiles[1]).toBe(0);
  });

  it('times every call again when a new bucket starts', async () => {
    const clock = handClock();
    const rotate = new EventEmitter();
    const breaker = new CircuitBreaker(async () => 1, {
      engine: 'js',
      timeout: false,
      clock: clock.read,
      rotateBucketController: rotate,
      rollingCountBuckets: 1,
      timedCallsPerBucket: 10,
    });
    await fireMany(breaker, 10_000);
    rotate.emit('rotate');
    const before = clock.reads;
    await fireMany(breaker, 10);
    expect(clock.reads - before).toBe(2 * 10);
  });

  it('after a burst, a lone call once the bucket has ended is counted in the new bucket', async () => {
    // Real time: a 100 ms bucket, a burst that turns sampling on, then a pause past the
    // bucket's end. Untimed calls read no clock, so only the timer that ends sampling
    // with the bucket makes the lone call read the time and land in the new bucket.
    const breaker = new CircuitBreaker(async () => 1, {
      engine: 'js',
      timeout: false,
      rollingCountTimeout: 100,
      rollingCountBuckets: 1,
      timedCallsPerBucket: 10,
    });
    await fireMany(breaker, 20_000);
    await new Promise((resolve) => setTimeout(resolve, 250));
    await breaker.fire();
    expect(breaker.stats.successes).toBe(1);
    breaker.shutdown();
  });
});

describe('sampled timing on the native engine', () => {
  it('counts every untimed call in the shared window: the circuit opens at the exact tipping failure', async () => {
    // Past 1000 calls a bucket's calls go untimed, and in a closed circuit the breaker
    // admits them through its mirror at the last time read. Opossum's rule must still see
    // every fire: after 20,000 successes, 20,000 failures are exactly 50% (closed) and the
    // next one tips it.
    let failing = false;
    const breaker = new CircuitBreaker(
      async () => {
        if (failing) throw new Error('down');
        return 1;
      },
      { engine: 'native', name: uniqueName('sampled'), timeout: false, resetTimeout: 60_000 },
    );
    await fireMany(breaker as CircuitBreaker<[], unknown>, 20_000);
    failing = true;
    for (let i = 0; i < 20_000; i++) await breaker.fire().catch(() => {});
    expect(breaker.closed).toBe(true);
    await expect(breaker.fire()).rejects.toThrow('down');
    expect(breaker.opened).toBe(true);
    breaker.shutdown();
  });
});

describe('timedCallsPerBucket validation', () => {
  it.each([0, -1, 1.5, Number.NaN, '10'])('refuses %s, naming the option', (value) => {
    expect(
      () => new CircuitBreaker(async () => 1, { timedCallsPerBucket: value as number }),
    ).toThrow(/timedCallsPerBucket/);
  });
});
