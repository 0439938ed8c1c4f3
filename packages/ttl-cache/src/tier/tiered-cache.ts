import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import {
  type Clock,
  delay,
  functionOption,
  monotonicClock,
  oneOfOption,
  rejectUnknownOptions,
} from '@bulwark/engine-kit';
import { untilAborted } from '../abort.js';
import { duration, type TtlCacheOptions } from '../options.js';
import { SingleFlight } from '../single-flight.js';
import { answerOrStale } from '../stale-answer.js';
import type { CacheStats } from '../stats.js';
import { TtlCache } from '../ttl-cache.js';
import type { RedisBus } from './redis-bus.js';
import type { RedisTier, TierHit } from './redis-tier.js';
import { type UnwrittenWrite, UnwrittenWrites } from './unwritten-writes.js';

export interface DistributedLoadOptions {
  /** How long one instance may hold the right to load a key, in ms. Default: 5000. */
  leaseMs?: number;
  /** How long the others wait for its value before loading it themselves, in ms. Default: 2000. */
  waitMs?: number;
  /** How often a waiting instance looks for the value in Redis, in ms. Default: 25. */
  pollMs?: number;
}

export interface TieredCacheOptions<V> {
  /** L1: a `TtlCache`, or options for one. Its entries never outlive their Redis copies. */
  l1: TtlCache<string, V> | TtlCacheOptions<string, V>;
  /** L2: `redisTier({ client, ... })`. */
  l2: RedisTier;
  /** Invalidation across instances: `redisBus({ client })`. Default: none. */
  bus?: RedisBus;
  /** TTL of entries written to both tiers, in ms; 0 for none. */
  ttl: number;
  /**
   * Stale-if-error, in ms: values are kept this long past their TTL in both tiers, and a
   * `fetch` whose loader fails answers the key's value if it went stale less than this long
   * ago (from L1, else from Redis) instead of the error. Reads treat such values as gone.
   * L1 built from options gets the same setting; give an L1 you build yourself the same
   * `staleIfError`. Default: 0 (off).
   */
  staleIfError?: number;
  /**
   * Soft timeout, in ms, with `staleIfError`: a `fetch` whose load has not answered in this
   * long answers the key's stale value (L1's, else Redis's) if it has one; the load goes on
   * and fills both tiers. Default: 0 (wait for the load). Cost: one unref'd timer per
   * `fetch` that waits for a load.
   */
  softTimeout?: number;
  /** Single flight across instances through a short Redis lease per key. Default: off. */
  distributedLoads?: boolean | DistributedLoadOptions;
  /**
   * While Redis fails (an error, or no answer within the tier's `timeoutMs`): `fallback`
   * (default) answers from L1 and the loader, and writes go to L1 only; `throw` rejects
   * the call with the Redis error (`RedisUnavailableError` / `RedisTimeoutError`).
   */
  onError?: 'fallback' | 'throw';
  /** Told of each Redis failure and the operation, after `onError` was applied. Default: none (they are counted). */
  onRedisError?: (error: unknown, operation: string) => void;
  /**
   * Keys whose `set` or `delete` could not reach Redis (with `onError: 'fallback'`) that
   * are kept, oldest first, to be written to Redis when it answers again. Past this many,
   * the oldest is dropped (`stats().unwrittenDropped`). Default 10000; 0 keeps none.
   */
  maxUnwritten?: number;
}

export interface TieredStats {
  l1: CacheStats;
  l2Hits: number;
  l2Misses: number;
  /** Redis calls that failed or missed their deadline; each fell back (L1, loader). */
  l2Errors: number;
  loads: number;
  loadErrors: number;
  /** Loads this instance left to another that held the lease, and waited for. */
  leaseWaits: number;
  /** Waits that ended without the other instance's value, so this one loaded. */
  leaseTimeouts: number;
  /** Times L1 was cleared because the bus reconnected and may have missed invalidations. */
  resyncs: number;
  /** Failed loads answered with a stale value (`staleIfError`), counted once per load. */
  staleIfErrorAnswers: number;
  /** Sets and deletes made while Redis was unreachable, waiting to be written to it. */
  unwritten: number;
  /** Of those, written to Redis when it answered again (or found older than Redis's copy). */
  replayed: number;
  /** Of those, dropped because `maxUnwritten` keys were already waiting. */
  unwrittenDropped: number;
  /** Fetches answered with a stale value because the load was slower than `softTimeout`. */
  softTimeoutAnswers: number;
}

/** What a tiered cache tells its listeners. */
export interface TieredCacheEvents {
  /** A Redis call failed or missed its deadline (after `onError` was applied). */
  redisError: (error: unknown, operation: string) => void;
  /** A loader ended: its duration in ms, and whether it succeeded. */
  load: (key: string, durationMs: number, ok: boolean) => void;
  /** A loader threw or rejected. */
  loadError: (key: string, error: unknown) => void;
}

const ON_ERROR = ['fallback', 'throw'] as const;
const KNOWN_OPTIONS = [
  'l1',
  'l2',
  'bus',
  'ttl',
  'staleIfError',
  'softTimeout',
  'distributedLoads',
  'onError',
  'onRedisError',
  'maxUnwritten',
];

/** What `#redis` answers when the call failed and was not thrown. */
const FAILED = Symbol('failed');

type Loader<V> = (key: string) => V | undefined | Promise<V | undefined>;

/**
 * A two-tier cache: L1 in process, L2 in Redis shared by every instance, read-through and
 * write-through. When Redis is down or slow, reads fall back to L1 and the loader and
 * writes go to L1; nothing waits longer than the tier's deadline.
 */
export class TieredCache<V> {
  readonly l1: TtlCache<string, V>;
  readonly #l2: RedisTier;
  readonly #bus: RedisBus | undefined;
  readonly #ttl: number;
  readonly #staleIfError: number;
  readonly #softTimeout: number;
  /** Stale values Redis answered to loads still running, for their callers' soft timeouts. */
  readonly #staleInL2 = new Map<string, V>();
  readonly #lease: Required<DistributedLoadOptions> | undefined;
  readonly #onRedisError: TieredCacheOptions<V>['onRedisError'];
  readonly #throwOnRedisError: boolean;
  readonly #flights = new SingleFlight<string, V | undefined>();
  readonly #events = new EventEmitter();
  /** Set while invalidations from other instances may have been missed (see `#redis`). */
  #mayHaveMissed = false;
  /** Writes that could not reach Redis, for `#replayUnwritten` when it answers again. */
  readonly #unwritten: UnwrittenWrites<V>;
  /** The replay running now, if any: one at a time. */
  #replaying: Promise<void> | undefined;
  /** Lease waits are real durations: a wall-clock step must not stretch or cut them. */
  readonly #clock: Clock = monotonicClock;
  #stats = {
    l2Hits: 0,
    l2Misses: 0,
    l2Errors: 0,
    loads: 0,
    loadErrors: 0,
    leaseWaits: 0,
    leaseTimeouts: 0,
    resyncs: 0,
    staleIfErrorAnswers: 0,
    softTimeoutAnswers: 0,
    replayed: 0,
  };

  constructor(options: TieredCacheOptions<V>) {
    if (typeof options !== 'object' || options === null)
      throw new TypeError('TieredCache: options must be an object');
    rejectUnknownOptions('TieredCache', options, KNOWN_OPTIONS);
    this.#staleIfError = duration('staleIfError', options.staleIfError, 'off');
    this.#softTimeout = duration('softTimeout', options.softTimeout, 'none');
    if (this.#softTimeout > 0 && this.#staleIfError === 0) {
      throw new TypeError(
        'softTimeout needs staleIfError: it answers the stale values that staleIfError keeps',
      );
    }
    this.l1 =
      options.l1 instanceof TtlCache
        ? options.l1
        : new TtlCache({ staleIfError: this.#staleIfError, ...options.l1 });
    if (!options.l2 || typeof options.l2.get !== 'function')
      throw new TypeError('l2 must be redisTier({ client, ... })');
    this.#l2 = options.l2;
    this.#bus = options.bus;
    if (typeof options.ttl !== 'number' || !Number.isFinite(options.ttl) || options.ttl < 0) {
      throw new RangeError(`ttl must be a finite number of ms >= 0; got ${String(options.ttl)}`);
    }
    this.#ttl = options.ttl;
    const d = options.distributedLoads;
    this.#lease = d
      ? { leaseMs: 5000, waitMs: 2000, pollMs: 25, ...(d === true ? {} : d) }
      : undefined;
    if (typeof options.onError === 'function') {
      throw new TypeError(
        'TieredCache.onError is the policy "fallback" or "throw"; pass your listener as onRedisError',
      );
    }
    this.#throwOnRedisError =
      oneOfOption('TieredCache.onError', options.onError ?? 'fallback', ON_ERROR) === 'throw';
    this.#onRedisError =
      options.onRedisError === undefined
        ? undefined
        : functionOption<NonNullable<TieredCacheOptions<V>['onRedisError']>>(
            'TieredCache.onRedisError',
            options.onRedisError,
          );

    const maxUnwritten = options.maxUnwritten ?? 10_000;
    if (!Number.isInteger(maxUnwritten) || maxUnwritten < 0) {
      throw new RangeError(
        `TieredCache.maxUnwritten must be an integer >= 0; got ${String(options.maxUnwritten)}`,
      );
    }
    this.#unwritten = new UnwrittenWrites(maxUnwritten);

    this.#bus?.listen({
      invalidate: (keys) => {
        for (const key of keys) this.l1.delete(key);
      },
      resync: () => {
        // The subscriber is back: Redis may be too. Write what waits, then start L1 afresh.
        this.#replayUnwritten().then(
          () => this.#resync(),
          () => this.#resync(),
        );
      },
      suspect: () => {
        this.#mayHaveMissed = true;
      },
    });
  }

  /** L1, then Redis (filling L1 with what it had left of its TTL). */
  async get(key: string): Promise<V | undefined> {
    const local = this.l1.get(key);
    if (local !== undefined) return local;
    return (await this.#fromL2(key))?.value as V | undefined;
  }

  /**
   * Writes both tiers and tells the other instances to drop their L1 copy. If Redis cannot
   * be reached (`onError: 'fallback'`), the write is kept and made when Redis answers
   * again, unless Redis by then holds a newer write of the key (see `maxUnwritten`).
   */
  async set(key: string, value: V, options: { ttl?: number } = {}): Promise<void> {
    const ttl = options.ttl ?? this.#ttl;
    this.#flights.forget(key);
    this.#unwritten.forget(key);
    this.l1.set(key, value, { ttl });
    const writtenAt = Date.now();
    const done = await this.#redis(
      'set',
      () => this.#l2.set(key, value, ttl, this.#staleIfError),
      FAILED,
    );
    if (done === FAILED) {
      this.#unwritten.record(key, { kind: 'set', value, ttl, writtenAt });
      return;
    }
    await this.#announce(key);
  }

  /** Deletes from both tiers; kept for later, as `set` is, while Redis cannot be reached. */
  async delete(key: string): Promise<void> {
    this.#flights.forget(key);
    this.#unwritten.forget(key);
    this.l1.delete(key);
    const writtenAt = Date.now();
    const done = await this.#redis('delete', () => this.#l2.delete(key), FAILED);
    if (done === FAILED) {
      this.#unwritten.record(key, { kind: 'delete', writtenAt });
      return;
    }
    await this.#announce(key);
  }

  /**
   * L1, then Redis, then `loader`, with one load per key in this instance (and, with
   * `distributedLoads`, one across all instances while the lease holder answers in time).
   */
  async fetch(
    key: string,
    loader: Loader<V>,
    options: { ttl?: number; signal?: AbortSignal } = {},
  ): Promise<V | undefined> {
    if (typeof loader !== 'function') throw new TypeError('loader must be a function');
    if (options.signal?.aborted) throw options.signal.reason;
    const local = this.l1.get(key);
    if (local !== undefined) return local;
    const ttl = options.ttl ?? this.#ttl;
    const flight = this.#flights.run(key, async (isCurrent) => {
      let seen: V | undefined;
      try {
        const found = await this.#fromL2(key, (hit) => {
          seen = hit.value as V;
          if (this.#staleIfError > 0) this.#staleInL2.set(key, seen);
        });
        if (found) return found.value as V;
        try {
          return (await this.#load(key, loader, ttl, isCurrent))?.value as V | undefined;
        } catch (error) {
          const stale = this.#staleFor(key);
          if (stale === undefined) throw error;
          this.#stats.staleIfErrorAnswers++;
          return stale;
        }
      } finally {
        // A set while this load ran may have started another load of the key: leave its value.
        if (seen !== undefined && this.#staleInL2.get(key) === seen) this.#staleInL2.delete(key);
      }
    });
    const waited = untilAborted(flight, options.signal);
    if (this.#softTimeout === 0) return waited;
    return answerOrStale(waited, {
      softTimeout: this.#softTimeout,
      stale: () => this.#staleFor(key),
      // No staleOnError: the flight has already answered a failed load stale if it could.
      servedStale: () => {
        this.#stats.softTimeoutAnswers++;
      },
    });
  }

  /** Listens for `redisError`, `load` or `loadError` (see `TieredCacheEvents`). */
  on<E extends keyof TieredCacheEvents>(event: E, listener: TieredCacheEvents[E]): this {
    this.#events.on(event, listener);
    return this;
  }

  once<E extends keyof TieredCacheEvents>(event: E, listener: TieredCacheEvents[E]): this {
    this.#events.once(event, listener);
    return this;
  }

  off<E extends keyof TieredCacheEvents>(event: E, listener: TieredCacheEvents[E]): this {
    this.#events.off(event, listener);
    return this;
  }

  stats(): TieredStats {
    return {
      l1: this.l1.stats(),
      ...this.#stats,
      unwritten: this.#unwritten.size,
      unwrittenDropped: this.#unwritten.dropped,
    };
  }

  /** Stops the bus subscriber and L1's sweep. The Redis client is yours to close. */
  close(): void {
    this.#bus?.close();
    this.l1.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
  }

  /** L1 may hold values others changed unheard: clear it. */
  #resync(): void {
    this.#mayHaveMissed = false;
    this.#stats.resyncs++;
    this.l1.clear();
  }

  /** The stale value a load may be answered with: L1's first (Redis may be down), then Redis's. */
  #staleFor(key: string): V | undefined {
    if (this.#staleIfError === 0) return undefined;
    return this.l1.fallback(key) ?? this.#staleInL2.get(key);
  }

  /** A fresh value from Redis; a stale one (kept for `staleIfError`) goes to `onStale` only. */
  async #fromL2(key: string, onStale?: (hit: TierHit) => void): Promise<TierHit | undefined> {
    const hit = await this.#redis('get', () => this.#l2.get(key), undefined);
    if (hit === undefined || hit.stale) {
      if (hit) onStale?.(hit);
      this.#stats.l2Misses++;
      return undefined;
    }
    this.#stats.l2Hits++;
    // L1 keeps the value no longer than Redis does.
    const ttl = Number.isFinite(hit.remainingTtl) ? Math.max(1, hit.remainingTtl) : 0;
    if (hit.remainingTtl > 0) this.l1.set(key, hit.value as V, { ttl });
    return hit;
  }

  async #load(
    key: string,
    loader: Loader<V>,
    ttl: number,
    isCurrent: () => boolean,
  ): Promise<TierHit | undefined> {
    if (this.#lease) {
      const token = randomUUID();
      const waitUntil = this.#clock.now() + this.#lease.waitMs;
      let waited = false;
      // Take the lease, or wait for the holder's value; take it over if the holder fails.
      while (
        !(await this.#redis(
          'lease',
          () => this.#l2.takeLease(key, token, this.#lease!.leaseMs),
          true,
        ))
      ) {
        if (!waited) this.#stats.leaseWaits++;
        waited = true;
        if (this.#clock.now() >= waitUntil) {
          this.#stats.leaseTimeouts++;
          return this.#callLoader(key, loader, ttl, isCurrent);
        }
        await delay(this.#lease.pollMs);
        const hit = await this.#fromL2(key);
        if (hit) return hit;
      }
      try {
        return await this.#callLoader(key, loader, ttl, isCurrent);
      } finally {
        await this.#redis('lease release', () => this.#l2.releaseLease(key, token), undefined);
      }
    }
    return this.#callLoader(key, loader, ttl, isCurrent);
  }

  async #callLoader(
    key: string,
    loader: Loader<V>,
    ttl: number,
    isCurrent: () => boolean,
  ): Promise<TierHit | undefined> {
    this.#stats.loads++;
    // Timed only while someone hears `load` (two clock readings).
    const started = this.#events.listenerCount('load') > 0 ? this.#clock.now() : -1;
    let value: V | undefined;
    try {
      value = await loader(key);
      if (started >= 0) this.#events.emit('load', key, this.#clock.now() - started, true);
    } catch (error) {
      this.#stats.loadErrors++;
      if (started >= 0) this.#events.emit('load', key, this.#clock.now() - started, false);
      this.#events.emit('loadError', key, error);
      throw error;
    }
    if (value === undefined) return undefined;
    if (isCurrent()) {
      this.l1.set(key, value, { ttl });
      // The caller has its value: it does not wait for Redis to take it too (on a hung
      // Redis that would be a second deadline). A failed write is kept for later, as a
      // set's is: other instances should not keep reading an older value.
      const writtenAt = Date.now();
      const keep = () => this.#unwritten.record(key, { kind: 'set', value, ttl, writtenAt });
      this.#redis('set', () => this.#l2.set(key, value, ttl, this.#staleIfError), FAILED).then(
        (done) => {
          if (done === FAILED) keep();
        },
        keep,
      );
    }
    return { value, remainingTtl: ttl || Number.POSITIVE_INFINITY, stale: false };
  }

  async #announce(key: string): Promise<void> {
    if (this.#bus) await this.#redis('publish', () => this.#bus!.publish([key]), undefined);
  }

  /**
   * Writes made while Redis was unreachable, oldest first, each only over an older write of
   * its key (by the writers' clocks), then tells the other instances to drop those keys
   * from L1. Stops at the first failure: Redis is away again, and the rest wait.
   */
  #replayUnwritten(): Promise<void> {
    if (this.#unwritten.size === 0) return Promise.resolve();
    this.#replaying ??= (async () => {
      const replayed: string[] = [];
      try {
        for (const [key, write] of this.#unwritten.snapshot()) {
          await this.#replay(key, write);
          this.#unwritten.settle(key, write);
          this.#stats.replayed++;
          replayed.push(key);
        }
      } catch (error) {
        this.#reportRedisError(error, 'replay');
      } finally {
        this.#replaying = undefined;
      }
      if (replayed.length > 0 && this.#bus) {
        await this.#bus.publish(replayed).catch((error: unknown) => {
          this.#reportRedisError(error, 'publish');
        });
      }
    })();
    return this.#replaying;
  }

  async #replay(key: string, write: UnwrittenWrite<V>): Promise<void> {
    if (write.kind === 'delete') return this.#l2.replayDelete(key, write.writtenAt);
    let ttlLeft = 0;
    if (write.ttl > 0) {
      ttlLeft = write.writtenAt + write.ttl - Date.now();
      if (ttlLeft <= 0) return; // it would have expired by now: nothing to write
    }
    await this.#l2.replaySet(key, write.value, ttlLeft, this.#staleIfError, write.writtenAt);
  }

  /** Counts a Redis failure and tells `onRedisError` and `redisError` listeners. */
  #reportRedisError(error: unknown, operation: string): void {
    this.#stats.l2Errors++;
    this.#onRedisError?.(error, operation);
    this.#events.emit('redisError', error, operation);
  }

  /** Runs a Redis call; on failure counts it, reports it, and answers `fallback` (or throws if configured). */
  async #redis<T, F>(operation: string, call: () => Promise<T>, fallback: F): Promise<T | F> {
    try {
      const answer = await call();
      // Redis answers again after a failure: first the writes it missed from this
      // instance; then, as what this instance's L1 holds may have been changed by others
      // meanwhile, unheard, L1 starts afresh before the answer fills it.
      if (this.#unwritten.size > 0) await this.#replayUnwritten();
      if (this.#mayHaveMissed) this.#resync();
      return answer;
    } catch (error) {
      // With a bus, other instances' invalidations may be missed while Redis fails.
      if (this.#bus) this.#mayHaveMissed = true;
      this.#reportRedisError(error, operation);
      if (this.#throwOnRedisError) throw error;
      return fallback;
    }
  }
}
