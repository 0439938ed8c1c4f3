import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../src/index.js';
import { ENGINES, storeOn } from './stores.js';

const WINDOWS = ['fixed-window', 'sliding-window'] as const;

/** What `limiter` admits of `n` consumes of one key at the reading `at`. */
async function admitted(limiter: RateLimiter, clock: { t: number }, at: number, n: number) {
  clock.t = at;
  let count = 0;
  for (let i = 0; i < n; i++) if ((await limiter.consume('k')).allowed) count++;
  return count;
}

describe.each(ENGINES)('an older reading never reopens a window (%s store)', (engine) => {
  it.each(WINDOWS)(
    '%s: a key that has seen window 2 is not given window 1 back',
    async (algorithm) => {
      const clock = { t: 0, now: () => clock.t };
      const limiter = new RateLimiter({
        algorithm,
        limit: 10,
        windowMs: 1000,
        clock,
        store: storeOn(engine),
      });
      expect(await admitted(limiter, clock, 1000, 10)).toBe(10);
      // Another server's clock runs 500 ms behind, or a reading taken before a slow call.
      expect(await admitted(limiter, clock, 500, 10)).toBe(0);
      expect(await admitted(limiter, clock, 0, 10)).toBe(0);
      // Its own windows still end when they do: two windows on, it is a fresh key again.
      expect(await admitted(limiter, clock, 3000, 10)).toBe(10);
    },
  );
});
