import { ALGORITHMS, type Algorithm } from '../algorithms/index.js';
import type { RateLimitResult } from '../result.js';
import { MemoryStore } from '../stores/memory-store.js';
import type { RateLimitStore } from '../stores/types.js';
import { nonNegativeInteger, positiveInteger } from '../validate.js';
import { DecisionBatcher } from './decision-batch.js';
import { DenyCache } from './deny-cache.js';
import { LocalLeases } from './local-lease.js';
import { checkClient, type RedisClient } from './redis-client.js';
import { BLOCK_SCRIPT, type LuaScript, SCRIPTS } from './scripts.js';

/** What to do with a consume while Redis fails (an error, or no answer within `timeoutMs`). */
export type OnRedisError = 'insurance' | 'allow' | 'deny' | 'throw';

export interface RedisStoreOptions {
  /** An ioredis `Redis` or `Cluster`, created with `enableOfflineQueue: false` (checked). */
  client: RedisClient;
  /** Put before every key in Redis. Default `bulwark:rl:`. */
  prefix?: string;
  /** How long a consume may wait for Redis before it counts as failed, in ms. Default 250. */
  timeoutMs?: number;
  /**
   * While Redis fails: `insurance` (default) answers from the `insurance` store, so each
   * process keeps limiting on its own; `allow` admits (fail open); `deny` refuses (fail
   * closed); `throw` rejects with `RateLimitStoreError`. Never a raw client error passed
   * off as a limit.
   */
  onError?: OnRedisError;
  /** The store `insurance` uses. Default: a `memoryStore()` of this store's own. */
  insurance?: RateLimitStore;
  /** After a failure, how long to go straight to `onError` before trying Redis again, in ms. Default 1000. */
  retryMs?: number;
  /**
   * Whose clock the scripts use. `redis` (default): the server's `TIME`, so app servers'
   * clock skew cannot matter. `client`: the limiter's clock, for Redis services that refuse
   * `TIME` in scripts; then the app servers' clocks must agree.
   */
  time?: 'redis' | 'client';
  /** Called with each Redis error, after the store has fallen back. Default: none. */
  onRedisError?: (error: unknown) => void;
  /**
   * Hot keys: each consume from Redis takes `size` units at once and this process spends
   * them locally, for at most `maxAgeMs` (default 1000) and never past a fixed window's
   * end. Redis sees one call per `size` consumes of a key. Never more admitted than the
   * algorithm allows (units are granted before they are spent); a process may hold up to
   * `size - 1` units it does not spend, so others can be refused meanwhile. Default: off.
   */
  lease?: { size: number; maxAgeMs?: number };
  /**
   * Keys Redis refused are refused here, without a Redis call, until the retry time Redis
   * gave (at most `maxAgeMs`, default 1000): a key flooding past its limit costs Redis
   * nothing meanwhile. Never admits more; may refuse for up to `maxAgeMs` a key that another
   * process refunded or reset. `true` for the defaults; at most `maxKeys` (default 10000)
   * refusals are kept. Default: off.
   */
  denyCache?: boolean | { maxKeys?: number; maxAgeMs?: number };
}

/** A consume could not reach Redis and `onError` is `throw`. */
export class RateLimitStoreError extends Error {
  readonly code = 'ERR_RATE_LIMIT_STORE_UNAVAILABLE';
  override readonly name = 'RateLimitStoreError';
}

class Deadline extends Error {}

interface Waiting {
  dueAt: number;
  reject(error: unknown): void;
}

const ON_ERROR: readonly OnRedisError[] = ['insurance', 'allow', 'deny', 'throw'];

/**
 * Keys' state in Redis, shared by every process that uses the same Redis and prefix, and
 * exact under any concurrency: each decision is made by a script, atomically, loaded once
 * and called by SHA. Decisions asked for together go out as one script call (per hash slot
 * on a Cluster; see `DecisionBatcher`).
 */
export class RedisStore implements RateLimitStore {
  readonly #client: RedisClient;
  readonly #prefix: string;
  readonly #timeoutMs: number;
  readonly #onError: OnRedisError;
  readonly #insurance: RateLimitStore;
  readonly #ownInsurance: boolean;
  readonly #retryMs: number;
  readonly #clientTime: boolean;
  readonly #report: ((error: unknown) => void) | undefined;
  readonly #leases: LocalLeases | undefined;
  readonly #denials: DenyCache | undefined;
  readonly #batcher: DecisionBatcher;
  /** Until when Redis is skipped after a failure (ms, Date.now). */
  #downUntil = 0;
  /** Calls to Redis in flight, each with its deadline (see #guard). */
  readonly #waiting = new Set<Waiting>();
  #deadlineTimer: NodeJS.Timeout | undefined;

  constructor(options: RedisStoreOptions) {
    checkClient(options?.client);
    this.#client = options.client;
    this.#prefix = options.prefix ?? 'bulwark:rl:';
    if (typeof this.#prefix !== 'string')
      throw new TypeError('redisStore: prefix must be a string');
    this.#timeoutMs =
      options.timeoutMs === undefined
        ? 250
        : positiveInteger('redisStore.timeoutMs', options.timeoutMs);
    this.#onError = options.onError ?? 'insurance';
    if (!ON_ERROR.includes(this.#onError)) {
      throw new TypeError(
        `redisStore: onError must be one of ${ON_ERROR.map((o) => `"${o}"`).join(', ')}; got ${JSON.stringify(options.onError)}`,
      );
    }
    this.#ownInsurance = options.insurance === undefined;
    this.#insurance = options.insurance ?? new MemoryStore();
    this.#retryMs =
      options.retryMs === undefined
        ? 1000
        : nonNegativeInteger('redisStore.retryMs', options.retryMs);
    if (options.time !== undefined && options.time !== 'redis' && options.time !== 'client') {
      throw new TypeError(
        `redisStore: time must be "redis" or "client"; got ${JSON.stringify(options.time)}`,
      );
    }
    this.#clientTime = options.time === 'client';
    if (options.onRedisError !== undefined && typeof options.onRedisError !== 'function') {
      throw new TypeError('redisStore: onRedisError must be a function');
    }
    this.#report = options.onRedisError;
    this.#leases = this.#leasesFrom(options.lease);
    this.#denials = denyCacheFrom(options.denyCache);
    this.#batcher = new DecisionBatcher(
      (script, keys, args) => this.#run(script, keys, args),
      options.client.isCluster === true,
    );
  }

  #leasesFrom(lease: RedisStoreOptions['lease']): LocalLeases | undefined {
    if (lease === undefined) return undefined;
    const size = positiveInteger('redisStore.lease.size', lease?.size);
    const maxAgeMs =
      lease.maxAgeMs === undefined
        ? 1000
        : positiveInteger('redisStore.lease.maxAgeMs', lease.maxAgeMs);
    return new LocalLeases(size, maxAgeMs, (key, units, algorithm, now) =>
      this.#decide('c', key, units, algorithm, now, 0),
    );
  }

  /** Whether the last call reached Redis (false while the store answers from `onError`). */
  get usingRedis(): boolean {
    return Date.now() >= this.#downUntil;
  }

  async consume(
    key: string,
    cost: number,
    algorithm: Algorithm,
    now: number,
    blockMs: number,
  ): Promise<RateLimitResult> {
    const refused = this.#denials?.answer(key, cost, algorithm, now);
    if (refused) return refused;
    // A concurrency unit must be given back to Redis by its holder, so it is never leased.
    if (this.#leases && algorithm.name !== 'concurrency') {
      const leased = await this.#leases.consume(key, cost, algorithm, now);
      if (leased) return leased;
    }
    return this.#decide('c', key, cost, algorithm, now, blockMs);
  }

  async peek(
    key: string,
    cost: number,
    algorithm: Algorithm,
    now: number,
  ): Promise<RateLimitResult> {
    return (
      this.#denials?.answer(key, cost, algorithm, now) ??
      this.#decide('p', key, cost, algorithm, now, 0)
    );
  }

  async refund(key: string, cost: number, algorithm: Algorithm, now: number): Promise<void> {
    this.#denials?.forget(key, ALGORITHMS);
    if (!this.usingRedis) {
      await this.#insurance.refund(key, cost, algorithm, now);
      return;
    }
    await this.#ask('r', key, cost, algorithm, now, 0).catch(() => {});
  }

  async reset(key: string): Promise<void> {
    this.#leases?.drop(key, ALGORITHMS);
    this.#denials?.forget(key, ALGORITHMS);
    await this.#insurance.reset(key);
    // Each algorithm's keys for `key` share a slot; different algorithms' may not.
    await Promise.all(
      ALGORITHMS.map((name) => this.#guard(this.#client.call('DEL', ...this.#keyNames(key, name)))),
    ).catch(() => {});
  }

  async block(key: string, algorithm: Algorithm, until: number, now: number): Promise<void> {
    // The next consume learns the block from Redis, with its full length.
    this.#denials?.forget(key, ALGORITHMS);
    await this.#insurance.block(key, algorithm, until, now);
    const [hash] = this.#keys(key, algorithm);
    await this.#run(
      BLOCK_SCRIPT,
      [hash as string],
      [this.#clientTime ? now : '', until - now],
    ).catch(() => {});
  }

  async close(): Promise<void> {
    if (this.#ownInsurance) await this.#insurance.close();
  }

  async #decide(
    op: 'c' | 'p',
    key: string,
    cost: number,
    algorithm: Algorithm,
    now: number,
    blockMs: number,
  ): Promise<RateLimitResult> {
    if (this.usingRedis) {
      try {
        const [allowed, remaining, resetMs, retryAfterMs] = await this.#ask(
          op,
          key,
          cost,
          algorithm,
          now,
          blockMs,
        );
        const result = {
          allowed: allowed === 1,
          remaining,
          limit: algorithm.limit,
          resetMs,
          retryAfterMs,
        };
        if (!result.allowed) this.#denials?.remember(key, cost, algorithm, result, now);
        return result;
      } catch {
        // #run has marked Redis down and reported the error; answer as onError says.
      }
    }
    return this.#fallback(op, key, cost, algorithm, now, blockMs);
  }

  async #fallback(
    op: 'c' | 'p',
    key: string,
    cost: number,
    algorithm: Algorithm,
    now: number,
    blockMs: number,
  ): Promise<RateLimitResult> {
    switch (this.#onError) {
      case 'insurance':
        return op === 'c'
          ? this.#insurance.consume(key, cost, algorithm, now, blockMs)
          : this.#insurance.peek(key, cost, algorithm, now);
      case 'allow':
        return {
          allowed: true,
          remaining: algorithm.limit - cost,
          limit: algorithm.limit,
          resetMs: 0,
          retryAfterMs: 0,
        };
      case 'deny':
        return {
          allowed: false,
          remaining: 0,
          limit: algorithm.limit,
          resetMs: this.#retryMs,
          retryAfterMs: Math.max(1, this.#retryMs),
        };
      default:
        throw new RateLimitStoreError('rate limit store: Redis is unavailable (onError: "throw")');
    }
  }

  async #run(script: LuaScript, keys: string[], args: (string | number)[]): Promise<unknown> {
    try {
      try {
        return await this.#guard(
          this.#client.call('EVALSHA', script.sha, keys.length, ...keys, ...args),
        );
      } catch (error) {
        if (!String((error as Error)?.message).startsWith('NOSCRIPT')) throw error;
        return await this.#guard(
          this.#client.call('EVAL', script.source, keys.length, ...keys, ...args),
        );
      }
    } catch (error) {
      this.#downUntil = Date.now() + this.#retryMs;
      this.#report?.(error);
      throw error;
    }
  }

  /**
   * `promise`, or a rejection once it is `timeoutMs` old; a late answer is swallowed, never
   * unhandled. One sweep timer for every call in flight, not a timer per call: under
   * hundreds of concurrent consumes the per-call timers cost more than the consumes.
   */
  #guard<T>(promise: Promise<T>): Promise<T> {
    promise.catch(() => {});
    return new Promise<T>((resolve, reject) => {
      const waiting: Waiting = { dueAt: Date.now() + this.#timeoutMs, reject };
      this.#waiting.add(waiting);
      this.#sweepDeadlines();
      promise.then(
        (value) => {
          this.#waiting.delete(waiting);
          resolve(value);
        },
        (error: unknown) => {
          this.#waiting.delete(waiting);
          reject(error);
        },
      );
    });
  }

  #sweepDeadlines(): void {
    if (this.#deadlineTimer) return;
    const every = Math.max(5, Math.floor(this.#timeoutMs / 4));
    this.#deadlineTimer = setInterval(() => {
      const now = Date.now();
      for (const waiting of this.#waiting) {
        if (waiting.dueAt > now) continue;
        this.#waiting.delete(waiting);
        waiting.reject(new Deadline(`no answer from Redis within ${this.#timeoutMs} ms`));
      }
      if (this.#waiting.size === 0) {
        clearInterval(this.#deadlineTimer);
        this.#deadlineTimer = undefined;
      }
    }, every).unref();
  }

  #keys(key: string, algorithm: Algorithm): string[] {
    const [hash, leases] = this.#keyNames(key, algorithm.name);
    return algorithm.name === 'concurrency' ? [hash, leases] : [hash];
  }

  /** The hash tag is the user's key, so a key's hash and its leases share a slot. */
  #keyNames(key: string, algorithm: string): [string, string] {
    const hash = `${this.#prefix}${algorithm}:{${key}}`;
    return [hash, `${hash}:leases`];
  }

  /** One decision by the algorithm's script, batched with the others of this turn. */
  #ask(op: string, key: string, cost: number, algorithm: Algorithm, now: number, blockMs: number) {
    return this.#batcher.decide(
      SCRIPTS[algorithm.name],
      algorithm.params,
      this.#keys(key, algorithm),
      this.#clientTime ? now : '',
      op,
      cost,
      blockMs,
    );
  }
}

/** A store in Redis or a Redis Cluster, shared by every process: see `RedisStoreOptions`. */
export function redisStore(options: RedisStoreOptions): RedisStore {
  return new RedisStore(options);
}

function denyCacheFrom(option: RedisStoreOptions['denyCache']): DenyCache | undefined {
  if (option === undefined || option === false) return undefined;
  if (option !== true && (typeof option !== 'object' || option === null)) {
    throw new TypeError(
      `redisStore: denyCache must be true, false or { maxKeys, maxAgeMs }; got ${String(option)}`,
    );
  }
  const { maxKeys, maxAgeMs } = option === true ? {} : option;
  return new DenyCache(
    maxKeys === undefined ? 10_000 : positiveInteger('redisStore.denyCache.maxKeys', maxKeys),
    maxAgeMs === undefined ? 1_000 : positiveInteger('redisStore.denyCache.maxAgeMs', maxAgeMs),
  );
}
