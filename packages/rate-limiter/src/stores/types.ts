import type { EngineName } from '@bulwark/engine-kit';
import type { Algorithm } from '../algorithms/index.js';
import type { RateLimitResult } from '../result.js';

/**
 * Where a limiter keeps its keys' state. Each method applies one algorithm to one key,
 * atomically with respect to every other user of the store. Stores in this process
 * answer at once; stores elsewhere (Redis) answer with a promise.
 */
export interface RateLimitStore {
  /** The engine that decides in this process: `js` (memoryStore), `native` (sharedMemoryStore); a Redis store reports its insurance's. */
  readonly engine?: EngineName;
  consume(
    key: string,
    cost: number,
    algorithm: Algorithm,
    now: number,
    blockMs: number,
  ): RateLimitResult | Promise<RateLimitResult>;
  peek(
    key: string,
    cost: number,
    algorithm: Algorithm,
    now: number,
  ): RateLimitResult | Promise<RateLimitResult>;
  refund(key: string, cost: number, algorithm: Algorithm, now: number): void | Promise<void>;
  /** Forgets `key` under `algorithm`'s rule: a limiter with another rule keeps its state. */
  reset(key: string, algorithm: Algorithm): void | Promise<void>;
  /** Denies every consume of `key` until `until` (ms, the store's clock). */
  block(key: string, algorithm: Algorithm, until: number, now: number): void | Promise<void>;
  close(): void | Promise<void>;
  /** What the store counted itself (a Redis store: errors, insurance and cache answers). */
  stats?(): RateLimitStoreStats;
}

/** A Redis store's own counts, since it was made. */
export interface RateLimitStoreStats {
  /** Redis calls that failed or missed their deadline. */
  redisErrors: number;
  /** Decisions the insurance store made while Redis failed (onError: 'insurance'). */
  insuranceAnswers: number;
  /** Refusals answered from the deny cache, with no Redis call. */
  denyCacheAnswers: number;
}
