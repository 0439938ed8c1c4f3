import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  httpRateLimit,
  memoryStore,
  RateLimiter,
  RateLimitWaitTimeoutError,
} from '../src/index.js';
import { ENGINES, storeOn } from './stores.js';

function clocked(engine: 'js' | 'native', options: Record<string, unknown>) {
  const clock = { now: 1_000_000 };
  const limiter = new RateLimiter({
    ...options,
    store: storeOn(engine),
    clock: () => clock.now,
  } as never);
  return { limiter, clock };
}

describe.each(ENGINES)('conformance (%s store)', (engine) => {
  describe('consume', () => {
    it('answers allowed, remaining, limit, resetMs and retryAfterMs, and never throws for limited', async () => {
      const { limiter } = clocked(engine, { rate: 10, intervalMs: 1000, burst: 2 });
      expect(await limiter.consume('a')).toEqual({
        allowed: true,
        remaining: 1,
        limit: 2,
        resetMs: 100,
        retryAfterMs: 0,
      });
      await limiter.consume('a');
      expect(await limiter.consume('a')).toEqual({
        allowed: false,
        remaining: 0,
        limit: 2,
        resetMs: 200,
        retryAfterMs: 100,
      });
    });

    it('keeps keys apart, and prefixes apart on a shared store', async () => {
      const store = storeOn(engine);
      const one = new RateLimiter({
        algorithm: 'fixed-window',
        limit: 1,
        windowMs: 1000,
        store,
        prefix: 'one:',
      });
      const two = new RateLimiter({
        algorithm: 'fixed-window',
        limit: 1,
        windowMs: 1000,
        store,
        prefix: 'two:',
      });
      expect((await one.consume('k')).allowed).toBe(true);
      expect((await one.consume('other')).allowed).toBe(true);
      expect((await two.consume('k')).allowed).toBe(true);
      expect((await one.consume('k')).allowed).toBe(false);
      store.close();
    });

    it('peek spends nothing; refund gives back; reset forgets', async () => {
      const { limiter } = clocked(engine, {
        algorithm: 'fixed-window',
        limit: 3,
        windowMs: 60_000,
      });
      await limiter.consume('k', 3);
      expect((await limiter.peek('k')).allowed).toBe(false);
      await limiter.refund('k', 2);
      expect((await limiter.peek('k', 2)).allowed).toBe(true);
      expect((await limiter.consume('k', 2)).remaining).toBe(0);
      await limiter.reset('k');
      expect((await limiter.consume('k', 3)).allowed).toBe(true);
    });

    it('block denies a key for a while; blockDurationMs blocks a key that was denied', async () => {
      const { limiter, clock } = clocked(engine, { rate: 100, burst: 100, blockDurationMs: 5_000 });
      await limiter.block('k', 2_000);
      expect(await limiter.consume('k')).toMatchObject({ allowed: false, retryAfterMs: 2_000 });
      clock.now += 2_000;
      expect((await limiter.consume('k', 100)).allowed).toBe(true);
      expect(await limiter.consume('k')).toMatchObject({ allowed: false, retryAfterMs: 5_000 });
      clock.now += 4_999; // the bucket is full again, but the key is blocked
      expect((await limiter.consume('k')).allowed).toBe(false);
      clock.now += 1;
      expect((await limiter.consume('k')).allowed).toBe(true);
    });

    it('windows and TTL-like durations beyond 2^31 ms work', async () => {
      const { limiter, clock } = clocked(engine, {
        algorithm: 'fixed-window',
        limit: 1,
        windowMs: 2 ** 33,
      });
      clock.now = 2 ** 33 * 3;
      expect((await limiter.consume('k')).allowed).toBe(true);
      clock.now += 2 ** 32;
      expect(await limiter.consume('k')).toMatchObject({ allowed: false, retryAfterMs: 2 ** 32 });
      clock.now += 2 ** 32;
      expect((await limiter.consume('k')).allowed).toBe(true);
    });
  });

  describe('concurrency', () => {
    it('admits limit units in flight; a refund or an expired lease frees a place', async () => {
      const { limiter, clock } = clocked(engine, {
        algorithm: 'concurrency',
        limit: 2,
        leaseMs: 10_000,
      });
      expect((await limiter.consume('db')).allowed).toBe(true);
      expect((await limiter.consume('db')).allowed).toBe(true);
      expect(await limiter.consume('db')).toMatchObject({ allowed: false, retryAfterMs: 10_000 });
      await limiter.refund('db');
      expect((await limiter.consume('db')).allowed).toBe(true);
      clock.now += 10_000; // both holders died: their leases end
      expect((await limiter.consume('db', 2)).allowed).toBe(true);
    });

    it('wrap releases the place when the call settles, even when it throws', async () => {
      const limiter = new RateLimiter({
        store: storeOn(engine),
        algorithm: 'concurrency',
        limit: 1,
      });
      let running = 0;
      let most = 0;
      const guarded = limiter.wrap(async (fail: boolean) => {
        running++;
        most = Math.max(most, running);
        await new Promise((r) => setTimeout(r, 5));
        running--;
        if (fail) throw new Error('boom');
        return 'ok';
      });
      const results = await Promise.allSettled([guarded(false), guarded(true), guarded(false)]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect(most).toBe(1);
    });
  });

  describe('wait', () => {
    describe('under a fake clock', () => {
      beforeEach(() => {
        vi.useFakeTimers({ now: 0 });
      });
      afterEach(() => {
        vi.useRealTimers();
      });
      const paced = (burst: number) =>
        new RateLimiter({ store: storeOn(engine), rate: 1, intervalMs: 100, burst });

      it('serves the callers of a key in order, each when its cost fits', async () => {
        const limiter = paced(1);
        const order: string[] = [];
        const calls = ['a', 'b', 'c'].map((name) =>
          limiter.wait('k').then((r) => order.push(`${name}@${Date.now()}`) && r),
        );
        await vi.advanceTimersByTimeAsync(250);
        await Promise.all(calls);
        expect(order).toEqual(['a@0', 'b@100', 'c@200']);
      });

      it('a large cost at the head is not overtaken by small ones behind it', async () => {
        const limiter = paced(3);
        await limiter.consume('k', 3);
        const order: string[] = [];
        const big = limiter.wait('k', 3).then(() => order.push('big'));
        const small = limiter.wait('k', 1).then(() => order.push('small'));
        await vi.advanceTimersByTimeAsync(400);
        await Promise.all([big, small]);
        expect(order).toEqual(['big', 'small']);
      });
    });

    it('rejects at once when the wait would pass maxWaitMs, and on abort', async () => {
      const limiter = new RateLimiter({
        store: storeOn(engine),
        rate: 1,
        intervalMs: 60_000,
        burst: 1,
      });
      await limiter.consume('k');
      const late = await limiter.wait('k', 1, { maxWaitMs: 1000 }).catch((e: unknown) => e);
      expect(late).toBeInstanceOf(RateLimitWaitTimeoutError);
      expect((late as RateLimitWaitTimeoutError).code).toBe('ERR_RATE_LIMIT_WAIT_TIMEOUT');
      const controller = new AbortController();
      const waiting = limiter.wait('k', 1, { signal: controller.signal }).catch((e: unknown) => e);
      controller.abort(new Error('gave up'));
      expect(((await waiting) as Error).message).toBe('gave up');
      // The limiter is still usable for the key after both.
      await limiter.reset('k');
      expect((await limiter.consume('k')).allowed).toBe(true);
    });

    it('close rejects whoever still waits', async () => {
      const limiter = new RateLimiter({
        store: storeOn(engine),
        rate: 1,
        intervalMs: 60_000,
        burst: 1,
      });
      await limiter.consume('k');
      const waiting = limiter.wait('k').catch((e: { code?: string }) => e.code);
      await limiter.close();
      expect(await waiting).toBe('ERR_RATE_LIMITER_CLOSED');
    });
  });
});

describe('memory store', () => {
  it('drops idle keys on its sweep, and no timer is set per key', async () => {
    const clock = { now: 0 };
    const store = memoryStore({ sweepIntervalMs: 0 });
    const limiter = new RateLimiter({ rate: 10, burst: 10, store, clock: () => clock.now });
    for (let i = 0; i < 1000; i++) await limiter.consume(`user-${i}`);
    expect(store.size).toBe(1000);
    clock.now += 50; // not refilled yet
    store.sweep(clock.now);
    expect(store.size).toBe(1000);
    clock.now += 100; // every bucket is full again: the keys hold nothing a new key would not
    store.sweep(clock.now);
    expect(store.size).toBe(0);
    store.close();
  });
});

describe('validation', () => {
  it.each([
    [{ rate: 0 }, /rate must be/],
    [{ rate: 1, burst: 1.5 }, /burst must be/],
    [{ rate: 1, intervalMs: -1 }, /intervalMs must be/],
    [{ algorithm: 'leaky' }, /algorithm must be one of/],
    [{ algorithm: 'fixed-window', limit: 5 }, /windowMs must be/],
    [
      { algorithm: 'fixed-window', limit: 5, windowMs: 1000, rate: 3 },
      /rate does not apply to the fixed-window/,
    ],
    [{ rate: 5, limit: 3 }, /limit does not apply to the token-bucket/],
    [{ algorithm: 'concurrency' }, /limit must be/],
    [{ rate: 1, blockDurationMs: -5 }, /blockDurationMs must be/],
    [{ rate: 1, store: {} }, /store must be/],
    [{ rate: 1, prefix: 3 }, /prefix must be a string/],
    [{ rate: '5' }, 'rate must be a positive number; got the string "5"'],
    [{ rate: 1, burts: 2 }, 'RateLimiter: unknown option `burts`; did you mean `burst`?'],
    [{ rate: 1, engine: 'rust' }, /engine must be one of "auto", "js", "native"; got "rust"/],
    [{ rate: 1, engine: 'js', store: memoryStore() }, /with store given, the store is the engine/],
  ])('%o is refused, naming the option', (options, message) => {
    expect(() => new RateLimiter(options as never)).toThrow(message);
  });

  it('stores and the middleware refuse misspelt options too, naming the nearest', () => {
    expect(() => memoryStore({ sweepInterval: 5 } as never)).toThrow(
      'memoryStore: unknown option `sweepInterval`; did you mean `sweepIntervalMs`?',
    );
    const limiter = new RateLimiter({ rate: 1 });
    expect(() => httpRateLimit(limiter, { key: () => 'k', windowSecs: 60 } as never)).toThrow(
      'rate limit middleware: unknown option `windowSecs`; did you mean `windowSeconds`?',
    );
  });

  it('bad arguments reject, naming them; a cost above the limit can never pass', async () => {
    const limiter = new RateLimiter({ rate: 1, burst: 2 });
    await expect(limiter.consume(5 as never)).rejects.toThrow(/key must be a string/);
    await expect(limiter.consume('k', 0)).rejects.toThrow(/cost must be an integer/);
    await expect(limiter.consume('k', 3)).rejects.toThrow(/more than the limit of 2 \(burst\)/);
    await expect(limiter.wait('k', 1, { maxWaitMs: -1 })).rejects.toThrow(/maxWaitMs/);
  });
});
