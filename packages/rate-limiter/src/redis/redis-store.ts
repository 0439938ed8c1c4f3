import {
  describeValue,
  type EngineName,
  monotonicClock,
  nonNegativeInteger,
  oneOfOption,
  optionsObject,
  positiveInteger,
  rejectUnknownOptions,
  stringOption,
} from '@bulwark/engine-kit';
import {
  defaultPrefix,
  hashTag,
  isRedisUnavailableError,
  type RedisClient,
  type RedisErrorListener,
  RedisLink,
  type RedisScript,
  redisErrorListener,
  redisTimeoutMs,
  tell,
} from '@bulwark/redis-kit';
import type { Algorithm } from '../algorithms/index.js';
import type { RateLimitResult } from '../result.js';
import { MemoryStore } from '../stores/memory-store.js';
import type { RateLimitStore, RateLimitStoreStats } from '../stores/types.js';
import { DecisionBatcher } from './decision-batch.js';
import { DenyCache } from './deny-cache.js';
import { InsuranceHandover } from './insurance-handover.js';
import { LocalLeases } from './local-lease.js';
import { BLOCK_SCRIPT, SCRIPTS } from './scripts.js';
import { RateLimitStoreError } from './store-error.js';

/** What a Redis store tells the limiters that listen to it. */
export interface RedisStoreListener {
  redisError(error: unknown): void;
  insurance(key: string): void;
  /** One Redis call (a batch of decisions) ended, after `durationMs`; `ok` unless it failed. */
  redisCall(durationMs: number, ok: boolean): void;
}

/** What to do with a consume while Redis fails (an error, or no answer within `timeoutMs`). */
export type OnRedisError = 'insurance' | 'allow' | 'deny' | 'throw';

export interface RedisStoreOptions {
  /**
   * An ioredis `Redis` or `Cluster`, made with any options. The store sends on a
   * connection of its own made from it, with no offline queue: consumes issued during an
   * outage are answered by `onError` at once, never queued and replayed when Redis returns.
   */
  client: RedisClient;
  /** Put before every key in Redis. Default `bulwark:rate-limiter:`. */
  prefix?: string;
  /** How long a consume may wait for Redis before it counts as failed, in ms. Default 200. */
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

const ON_ERROR: readonly OnRedisError[] = ['insurance', 'allow', 'deny', 'throw'];
const KNOWN_OPTIONS = [
  'client',
  'prefix',
  'timeoutMs',
  'onError',
  'insurance',
  'retryMs',
  'time',
  'onRedisError',
  'lease',
  'denyCache',
];

/**
 * Keys' state in Redis, shared by every process that uses the same Redis and prefix, and
 * exact under any concurrency: each decision is made by a script, atomically, loaded once
 * and called by SHA. Decisions asked for together go out as one script call (per hash slot
 * on a Cluster; see `DecisionBatcher`).
 */
export class RedisStore implements RateLimitStore {
  readonly #link: RedisLink;
  readonly #prefix: string;
  readonly #onError: OnRedisError;
  readonly #insurance: RateLimitStore;
  readonly #ownInsurance: boolean;
  readonly #retryMs: number;
  readonly #clientTime: boolean;
  readonly #onRedisError: RedisErrorListener | undefined;
  readonly #leases: LocalLeases | undefined;
  readonly #denials: DenyCache | undefined;
  readonly #batcher: DecisionBatcher;
  /** Until when Redis is skipped after a failure (ms, monotonic). */
  #downUntil = 0;
  /** The last failure was "not connected" (nothing sent): Redis is used again at its first ready. */
  #downUnsent = false;
  /** What the last failure was, for `RateLimitStoreError`'s cause. */
  #lastError: unknown;
  /** Where the insurance store starts for each key this instance used Redis for. */
  readonly #handover = new InsuranceHandover();
  readonly #stats: RateLimitStoreStats = {
    redisErrors: 0,
    insuranceAnswers: 0,
    denyCacheAnswers: 0,
  };
  /** Told of each Redis error and insurance answer (the limiters that use this store). */
  readonly #listeners = new Set<RedisStoreListener>();

  constructor(options: RedisStoreOptions) {
    const o = optionsObject<RedisStoreOptions>('redisStore', options);
    rejectUnknownOptions('redisStore', o, KNOWN_OPTIONS);
    this.#link = new RedisLink('redisStore', o.client, redisTimeoutMs('redisStore', o.timeoutMs));
    this.#prefix =
      o.prefix === undefined
        ? defaultPrefix('rate-limiter')
        : stringOption('redisStore.prefix', o.prefix);
    this.#onError = oneOfOption('redisStore.onError', o.onError ?? 'insurance', ON_ERROR);
    this.#ownInsurance = o.insurance === undefined;
    this.#insurance = o.insurance ?? new MemoryStore();
    this.#retryMs =
      o.retryMs === undefined ? 1000 : nonNegativeInteger('redisStore.retryMs', o.retryMs);
    this.#clientTime =
      oneOfOption('redisStore.time', o.time ?? 'redis', ['redis', 'client']) === 'client';
    this.#onRedisError = redisErrorListener('redisStore', o.onRedisError);
    this.#leases = this.#leasesFrom(o.lease);
    this.#denials = denyCacheFrom(o.denyCache);
    this.#batcher = new DecisionBatcher(
      (script, keys, args) => this.#run(script, keys, args),
      this.#link.client.isCluster === true,
    );
  }

  /** Counts since the store was made: Redis errors, insurance and deny-cache answers. */
  stats(): RateLimitStoreStats {
    return { ...this.#stats };
  }

  /** For limiters that forward the store's moments as their events; returns the unsubscribe. */
  listen(listener: RedisStoreListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The engine of the insurance store, which decides while Redis is away. */
  get engine(): EngineName {
    return this.#insurance.engine ?? 'js';
  }

  /** The client the store was given. */
  get client(): RedisClient {
    return this.#link.userClient;
  }

  /** Whether the store's own connection is up now (until it is, consumes go to `onError`). */
  get ready(): boolean {
    return this.#link.ready;
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
    if (monotonicClock.now() >= this.#downUntil) return true;
    // Down only because the connection was not up: used from its first ready moment.
    return this.#downUnsent && this.#link.ready;
  }

  async consume(
    key: string,
    cost: number,
    algorithm: Algorithm,
    now: number,
    blockMs: number,
  ): Promise<RateLimitResult> {
    const refused = this.#denials?.answer(key, cost, algorithm, now);
    if (refused) {
      this.#stats.denyCacheAnswers++;
      return refused;
    }
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
    this.#denials?.forget(key, algorithm);
    if (!this.usingRedis) {
      await this.#insurance.refund(key, cost, algorithm, now);
      return;
    }
    await this.#ask('r', key, cost, algorithm, now, 0).catch(() => {});
  }

  async reset(key: string, algorithm: Algorithm): Promise<void> {
    this.#leases?.drop(key, algorithm);
    this.#denials?.forget(key, algorithm);
    await this.#insurance.reset(key, algorithm);
    // The rule's keys for `key` share a hash slot: one DEL.
    await this.#link.send('DEL', ...this.#keyNames(key, algorithm.rule)).catch(() => {});
  }

  async block(key: string, algorithm: Algorithm, until: number, now: number): Promise<void> {
    // The next consume learns the block from Redis, with its full length.
    this.#denials?.forget(key, algorithm);
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
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #decide(
    op: 'c' | 'p',
    key: string,
    cost: number,
    algorithm: Algorithm,
    now: number,
    blockMs: number,
  ): Promise<RateLimitResult> {
    let at = now;
    if (this.usingRedis) {
      // The fallback, if any, decides at the time it answers, not when the call began: a
      // reading 200 ms old must not land in a window the key has left.
      const began = monotonicClock.now();
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
        this.#handover.seen(key, algorithm, result, now);
        return result;
      } catch {
        // #run has marked Redis down and reported the error; answer as onError says.
        at = now + (monotonicClock.now() - began);
      }
    }
    return this.#fallback(op, key, cost, algorithm, at, blockMs);
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
        // The insurance store starts where Redis last left this key for this instance.
        await this.#handover.start(this.#insurance, key, algorithm, now);
        this.#stats.insuranceAnswers++;
        for (const listener of this.#listeners) listener.insurance(key);
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
        throw new RateLimitStoreError(
          'rate limit store: Redis is unavailable (onError: "throw")',
          this.#lastError,
        );
    }
  }

  async #run(script: RedisScript, keys: string[], args: (string | number)[]): Promise<unknown> {
    const started = monotonicClock.now();
    try {
      const answer = await this.#link.run(script, keys, args);
      this.#told(started, true);
      return answer;
    } catch (error) {
      this.#told(started, false);
      this.#downUntil = monotonicClock.now() + this.#retryMs;
      this.#downUnsent = isRedisUnavailableError(error);
      this.#lastError = error;
      this.#stats.redisErrors++;
      tell(this.#onRedisError, error);
      for (const listener of this.#listeners) listener.redisError(error);
      throw error;
    }
  }

  /** Tells listeners how long a Redis call took (one clock reading per call when heard). */
  #told(started: number, ok: boolean): void {
    if (this.#listeners.size === 0) return;
    const durationMs = monotonicClock.now() - started;
    for (const listener of this.#listeners) listener.redisCall(durationMs, ok);
  }

  #keys(key: string, algorithm: Algorithm): string[] {
    const [hash, leases] = this.#keyNames(key, algorithm.rule);
    return algorithm.name === 'concurrency' ? [hash, leases] : [hash];
  }

  /**
   * `<prefix><algorithm>:<a>/<b>:{<key>}`: the rule is part of the name, so limiters with
   * other rules sharing the store never share a key's state. The hash tag is the user's
   * key, so a key's hash and its leases share a slot.
   */
  #keyNames(key: string, rule: string): [string, string] {
    const hash = `${this.#prefix}${rule}:${hashTag(key)}`;
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
      `redisStore.denyCache must be true, false or { maxKeys, maxAgeMs }; got ${describeValue(option)}`,
    );
  }
  const { maxKeys, maxAgeMs } = option === true ? {} : option;
  return new DenyCache(
    maxKeys === undefined ? 10_000 : positiveInteger('redisStore.denyCache.maxKeys', maxKeys),
    maxAgeMs === undefined ? 1_000 : positiveInteger('redisStore.denyCache.maxAgeMs', maxAgeMs),
  );
}
