import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import {
  NativeEngineUnavailableError,
  RateLimitStoreError,
  RateLimitWaitTimeoutError,
  RedisTimeoutError,
  RedisUnavailableError,
} from '../src/index.js';

/** The built CommonJS bundle: a second copy of every class, as two installed versions would be. */
const copy = createRequire(import.meta.url)('../dist/index.cjs');

describe('errors', () => {
  it('every error thrown is exported with a stable code and a guard that works across copies', () => {
    const cases = [
      [
        new RateLimitWaitTimeoutError('k', 5, 10),
        'ERR_RATE_LIMIT_WAIT_TIMEOUT',
        copy.isRateLimitWaitTimeoutError,
      ],
      [
        new RateLimitStoreError('down'),
        'ERR_RATE_LIMIT_STORE_UNAVAILABLE',
        copy.isRateLimitStoreError,
      ],
      [new RedisUnavailableError('x'), 'ERR_REDIS_UNAVAILABLE', copy.isRedisUnavailableError],
      [new RedisTimeoutError('x'), 'ERR_REDIS_TIMEOUT', copy.isRedisTimeoutError],
      [
        new NativeEngineUnavailableError('x'),
        'ERR_NATIVE_ENGINE_UNAVAILABLE',
        copy.isNativeEngineUnavailableError,
      ],
    ] as const;
    for (const [error, code, guard] of cases) {
      expect(error.code).toBe(code);
      expect(guard(error)).toBe(true);
      expect(guard(new Error('other'))).toBe(false);
      expect(guard(null)).toBe(false);
    }
    // The copy's classes are other classes: instanceof fails where the guard does not.
    expect(new RateLimitStoreError('x') instanceof copy.RateLimitStoreError).toBe(false);
  });

  it('RateLimitStoreError carries the Redis error it stands for as its cause', () => {
    const cause = new RedisTimeoutError('redisStore script: no answer from Redis within 200 ms');
    expect(new RateLimitStoreError('down', cause).cause).toBe(cause);
  });
});
