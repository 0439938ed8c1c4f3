import { afterEach, describe, expect, it, vi } from 'vitest';
import { memoryStore, RateLimiter, type RateLimitStore } from '../src/index.js';

const DAY = 24 * 3600 * 1000;

afterEach(() => {
  vi.useRealTimers();
});

/** A memory store that counts the consumes it is asked for. */
function countingStore(): { store: RateLimitStore; consumes: () => number } {
  const inner = memoryStore({ sweepIntervalMs: 0 });
  let consumes = 0;
  const store: RateLimitStore = {
    engine: 'js',
    consume: (...args) => {
      consumes++;
      return inner.consume(...args);
    },
    peek: (...args) => inner.peek(...args),
    refund: (...args) => inner.refund(...args),
    reset: (...args) => inner.reset(...args),
    block: (...args) => inner.block(...args),
    close: () => inner.close(),
  };
  return { store, consumes: () => consumes };
}

describe('waits of any length', () => {
  it('wait() on a key blocked for 30 days asks the store once, then again when the block ends', async () => {
    vi.useFakeTimers();
    const { store, consumes } = countingStore();
    const limiter = new RateLimiter({ rate: 1, burst: 1, blockDurationMs: 30 * DAY, store });
    expect((await limiter.consume('k')).allowed).toBe(true);
    expect((await limiter.consume('k')).allowed).toBe(false); // blocked for 30 days now
    const before = consumes();
    let served = false;
    const waiting = limiter.wait('k').then(() => {
      served = true;
    });
    // A bare setTimeout past 2^31 ms fires after 1 ms: ~1,000 store calls a second.
    await vi.advanceTimersByTimeAsync(2_000);
    expect(consumes() - before).toBe(1);
    await vi.advanceTimersByTimeAsync(30 * DAY);
    await waiting;
    expect(served).toBe(true);
    expect(consumes() - before).toBeLessThanOrEqual(3);
    await limiter.close();
  });

  it('takes a Clock object or a function as its clock', async () => {
    let t = 0;
    const a = new RateLimiter({ rate: 1, burst: 1, clock: { now: () => t } });
    const b = new RateLimiter({ rate: 1, burst: 1, clock: () => t });
    for (const limiter of [a, b]) {
      expect((await limiter.consume('k')).allowed).toBe(true);
      expect((await limiter.consume('k')).allowed).toBe(false);
    }
    t += 1000;
    for (const limiter of [a, b]) expect((await limiter.consume('k')).allowed).toBe(true);
    expect(() => new RateLimiter({ rate: 1, clock: 'now' as never })).toThrow(
      'clock must be a Clock ({ now() }) or a function returning milliseconds; got the string "now"',
    );
  });
});
