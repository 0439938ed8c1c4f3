/**
 * The Redis store's cache of refusals, on its own with a driven clock: what it answers for
 * which costs and how long, and what it never keeps. test/redis-store.test.ts runs it
 * against real Redis.
 */
import { describe, expect, it } from 'vitest';
import { Concurrency, FixedWindow, TokenBucket } from '../src/algorithms/index.js';
import { DenyCache } from '../src/redis/deny-cache.js';

const bucket = new TokenBucket(1, 100, 5);
const refused = (retryAfterMs: number, remaining = 0) => ({
  allowed: false,
  remaining,
  limit: 5,
  resetMs: 400,
  retryAfterMs,
});

describe('DenyCache', () => {
  it('refuses the refused cost and larger ones until the retry time, and counts time down', () => {
    const cache = new DenyCache(100, 10_000);
    cache.remember('k', 2, bucket, refused(150, 1), 1_000);
    expect(cache.answer('k', 2, bucket, 1_050)).toEqual({
      allowed: false,
      remaining: 1,
      limit: 5,
      resetMs: 350,
      retryAfterMs: 100,
    });
    expect(cache.answer('k', 3, bucket, 1_050)?.allowed).toBe(false);
    // A smaller cost may fit sooner: Redis decides it.
    expect(cache.answer('k', 1, bucket, 1_050)).toBeUndefined();
    // The refusal ends at its retry time, and is dropped then.
    expect(cache.answer('k', 2, bucket, 1_149)?.retryAfterMs).toBe(1);
    expect(cache.answer('k', 2, bucket, 1_150)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('answers for Redis at most maxAgeMs, however long Redis said, and tells its retry time', () => {
    const cache = new DenyCache(100, 200);
    cache.remember('k', 1, bucket, refused(60_000), 0);
    expect(cache.answer('k', 1, bucket, 199)?.retryAfterMs).toBe(59_801);
    expect(cache.answer('k', 1, bucket, 200)).toBeUndefined();
  });

  it('keys and algorithms apart; a smaller refused cost is not replaced by a larger one', () => {
    const cache = new DenyCache(100, 10_000);
    const window = new FixedWindow(5, 1000);
    cache.remember('k', 1, bucket, refused(100), 0);
    expect(cache.answer('other', 1, bucket, 10)).toBeUndefined();
    expect(cache.answer('k', 1, window, 10)).toBeUndefined();
    cache.remember('k', 3, bucket, refused(500), 20);
    expect(cache.answer('k', 1, bucket, 30)?.retryAfterMs).toBe(70);
  });

  it('never keeps an admission, a zero retry time, or a concurrency refusal', () => {
    const cache = new DenyCache(100, 10_000);
    cache.remember('a', 1, bucket, { ...refused(100), allowed: true }, 0);
    cache.remember('b', 1, bucket, refused(0), 0);
    cache.remember('c', 1, new Concurrency(5, 1000), refused(100), 0);
    expect(cache.size).toBe(0);
  });

  it("forget drops a key under one rule, and other rules' refusals stay", () => {
    const cache = new DenyCache(100, 10_000);
    const window = new FixedWindow(5, 1000);
    cache.remember('k', 1, bucket, refused(100), 0);
    cache.remember('k', 1, window, refused(100), 0);
    cache.remember('j', 1, bucket, refused(100), 0);
    cache.forget('k', bucket);
    expect(cache.answer('k', 1, bucket, 1)).toBeUndefined();
    expect(cache.answer('k', 1, window, 1)?.allowed).toBe(false);
    expect(cache.answer('j', 1, bucket, 1)?.allowed).toBe(false);
  });

  it('holds at most maxKeys refusals, dropping the one kept longest ago', () => {
    const cache = new DenyCache(3, 10_000);
    for (let i = 0; i < 10; i++) cache.remember(`k${i}`, 1, bucket, refused(1_000), i);
    expect(cache.size).toBe(3);
    expect(cache.answer('k6', 1, bucket, 20)).toBeUndefined();
    for (const kept of ['k7', 'k8', 'k9']) {
      expect(cache.answer(kept, 1, bucket, 20)?.allowed).toBe(false);
    }
  });
});
