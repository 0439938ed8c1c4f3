import { anyUtf16 } from '@bulwark/testkit';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  isRateLimiterClosedError,
  memoryStore,
  RateLimiter,
  sharedMemoryStore,
} from '../src/index.js';
import {
  PEEK_RULES,
  peekAgreesWithConsume,
  refundEndsLiveLease,
  rulesKeptApart,
} from './store-cases.js';
import { ENGINES, storeOn } from './stores.js';

afterEach(() => {
  vi.useRealTimers();
});

describe.each(ENGINES)('edges (%s store)', (engine) => {
  it('a concurrency refund ends a live lease, not one that already expired', () =>
    refundEndsLiveLease(storeOn(engine)));

  it.each(PEEK_RULES)(
    '%s: peek answers what consume then does, and peek(key, 0) reads the key',
    (algorithm, rule) => peekAgreesWithConsume(algorithm, rule, storeOn(engine)),
  );

  it('limiters with different rules sharing a store keep apart, and reset only their own', () =>
    rulesKeptApart(storeOn(engine)));

  it('peek of a blocked concurrency key says when, as consume does', async () => {
    const clock = { t: 0, now: () => clock.t };
    const limiter = new RateLimiter({
      algorithm: 'concurrency',
      limit: 2,
      clock,
      store: storeOn(engine),
    });
    await limiter.block('k', 1000);
    const peeked = await limiter.peek('k');
    expect(peeked).toMatchObject({ allowed: false, retryAfterMs: 1000 });
    expect(await limiter.consume('k')).toMatchObject({ allowed: false, retryAfterMs: 1000 });
  });

  it('keys that differ only in a lone surrogate stay two keys', async () => {
    const limiter = new RateLimiter({
      algorithm: 'fixed-window',
      limit: 1,
      windowMs: 60_000,
      store: storeOn(engine),
      clock: () => 1_000, // no window boundary can refill a key mid-test
    });
    expect((await limiter.consume('\uD800')).allowed).toBe(true);
    expect((await limiter.consume('\uD801')).allowed).toBe(true);
    expect((await limiter.consume('%uD800')).allowed).toBe(true);
    expect((await limiter.consume('\uD800')).allowed).toBe(false);
  });

  it('any two UTF-16 strings are two keys', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(anyUtf16(6), { minLength: 1, maxLength: 12 }),
        async (keys) => {
          const limiter = new RateLimiter({
            algorithm: 'fixed-window',
            limit: 1,
            windowMs: 60_000,
            store: storeOn(engine),
            // Time stands still: a window boundary between the two loops would refill every key.
            clock: () => 1_000,
          });
          for (const key of keys) expect((await limiter.consume(key)).allowed).toBe(true);
          for (const key of keys) expect((await limiter.consume(key)).allowed).toBe(false);
          await limiter.close();
        },
      ),
      { numRuns: 100 },
    );
  });

  it('stats() counts what it decided and who waits; refused is emitted with the key and answer', async () => {
    const limiter = new RateLimiter({
      rate: 1,
      intervalMs: 60_000,
      burst: 2,
      store: storeOn(engine),
    });
    const refusals: [string, boolean][] = [];
    limiter.on('refused', (key, result) => refusals.push([key, result.allowed]));
    await limiter.consume('a');
    await limiter.consume('a');
    await limiter.consume('a');
    limiter.consumeSync('a');
    const waiting = limiter.wait('a').catch(() => {});
    await new Promise((r) => setTimeout(r, 5));
    expect(limiter.stats()).toMatchObject({ allowed: 2, refused: 3, waiting: 1 });
    expect(refusals.slice(0, 2)).toEqual([
      ['a', false],
      ['a', false],
    ]);
    await limiter.close();
    await waiting;
    expect(limiter.stats().waiting).toBe(0);
  });

  it('close() is a state: every later call rejects with RateLimiterClosedError', async () => {
    const limiter = new RateLimiter({ rate: 1, store: storeOn(engine) });
    await limiter.close();
    const calls = [limiter.consume('k'), limiter.wait('k'), limiter.peek('k'), limiter.refund('k')];
    for (const call of calls)
      expect(isRateLimiterClosedError(await call.catch((e: unknown) => e))).toBe(true);
    expect(() => limiter.consumeSync('k')).toThrow('rate limiter: a call after close()');
  });
});

describe('idle keys leave while the process is idle', () => {
  it.each(ENGINES)(
    '%s store: keys nobody consumes any more are swept, though no caller passes a newer time',
    async (engine) => {
      vi.useFakeTimers({
        toFake: [
          'setTimeout',
          'clearTimeout',
          'setInterval',
          'clearInterval',
          'Date',
          'performance',
        ],
      });
      const store =
        engine === 'js'
          ? memoryStore({ sweepIntervalMs: 1000 })
          : sharedMemoryStore({
              name: `idle-${process.pid}-${Math.random()}`,
              sweepIntervalMs: 1000,
            });
      const limiter = new RateLimiter({
        algorithm: 'fixed-window',
        limit: 5,
        windowMs: 1000,
        store,
      });
      for (let i = 0; i < 1000; i++) await limiter.consume(`k${i}`);
      expect(store.size).toBe(1000);
      await vi.advanceTimersByTimeAsync(5_000);
      expect(store.size).toBe(0);
      store.close();
    },
  );
});
