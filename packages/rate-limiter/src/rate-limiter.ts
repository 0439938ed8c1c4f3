import { EventEmitter } from 'node:events';
import type { EngineName } from '@bulwark/engine-kit';
import type { Algorithm } from './algorithms/index.js';
import { RateLimiterClosedError } from './errors.js';
import { type RateLimiterOptions, type ResolvedOptions, resolveOptions } from './options.js';
import type { RedisStoreListener } from './redis/redis-store.js';
import type { RateLimitResult } from './result.js';
import type { RateLimitStoreStats } from './stores/types.js';
import { WaitQueues } from './wait-queue.js';

export interface WaitOptions {
  /** Give up (rejecting with the signal's reason) when this aborts. */
  signal?: AbortSignal;
  /**
   * Reject with `RateLimitWaitTimeoutError` rather than wait longer than this, in ms; it is
   * known at once when the wait would be longer. Default: no bound.
   */
  maxWaitMs?: number;
}

export interface WrapOptions<A extends unknown[]> extends WaitOptions {
  /** The key of each call, from its arguments. Default: one key for every call. */
  key?: string | ((...args: A) => string);
  /** The cost of each call. Default 1. */
  cost?: number | ((...args: A) => number);
}

/** What `stats()` answers: counts since the limiter was made, and what waits now. */
export interface RateLimiterStats {
  /** Consumes admitted (`wait` and `wrap` included). */
  allowed: number;
  /** Consumes refused. */
  refused: number;
  /** Callers in `wait` (or `wrap`) now, over every key. */
  waiting: number;
  /** The store's own counts, for a store that keeps them (Redis: errors, insurance answers). */
  store: RateLimitStoreStats | undefined;
}

/** The events a limiter emits, and their arguments. */
export interface RateLimiterEvents {
  /** A consume was refused. */
  refused: (key: string, result: RateLimitResult) => void;
  /** Its Redis store failed (the consume was answered as `onError` says). */
  storeError: (error: unknown) => void;
  /** Its Redis store's insurance store answered for `key`. */
  insurance: (key: string) => void;
  /** Its Redis store finished a call to Redis (one call may decide many consumes). */
  redisCall: (durationMs: number, ok: boolean) => void;
}

/**
 * One rate limit, applied per key: `consume` answers at once whether a cost is allowed
 * now (never throwing for "limited"), `wait` waits its turn, `wrap` guards a function.
 * Counts what it decided (`stats()`) and emits `refused`, `storeError` and `insurance`.
 */
export class RateLimiter extends EventEmitter {
  readonly #o: ResolvedOptions;
  readonly #algorithm: Algorithm;
  readonly #waits: WaitQueues;
  #closed = false;
  #allowed = 0;
  #refused = 0;
  /** Whether anyone listens for 'refused': emitting to nobody still costs a call. */
  #hearsRefused = false;
  #stopListeningToStore: (() => void) | undefined;
  readonly #counted = (result: RateLimitResult): RateLimitResult => {
    if (result.allowed) this.#allowed++;
    else this.#refused++;
    return result;
  };

  constructor(options: RateLimiterOptions) {
    super();
    this.#o = resolveOptions(options);
    this.#algorithm = this.#o.algorithm;
    this.#waits = new WaitQueues({
      consume: (key, cost) => this.#consume(key, cost),
      refund: (key, cost) => this.refund(key, cost),
      now: this.#o.clock,
    });
    this.on('newListener', (event: string | symbol) => {
      if (event === 'refused') this.#hearsRefused = true;
      const fromStore = event === 'storeError' || event === 'insurance' || event === 'redisCall';
      if (fromStore && !this.#stopListeningToStore) {
        this.#forwardStoreEvents();
      }
    });
    this.on('removeListener', (event: string | symbol) => {
      if (event === 'refused') this.#hearsRefused = this.listenerCount('refused') > 0;
    });
  }

  /** Counts since the limiter was made, and what waits now. */
  stats(): RateLimiterStats {
    return {
      allowed: this.#allowed,
      refused: this.#refused,
      waiting: this.#waits.waiting,
      store: this.#o.store.stats?.(),
    };
  }

  override on<E extends keyof RateLimiterEvents>(event: E, listener: RateLimiterEvents[E]): this;
  override on(event: string | symbol, listener: (...args: any[]) => void): this;
  override on(event: string | symbol, listener: (...args: any[]) => void): this {
    return super.on(event, listener);
  }

  #forwardStoreEvents(): void {
    const store = this.#o.store as { listen?: (l: RedisStoreListener) => () => void };
    this.#stopListeningToStore = store.listen?.({
      redisError: (error) => this.emit('storeError', error),
      insurance: (key) => this.emit('insurance', key),
      redisCall: (durationMs, ok) => this.emit('redisCall', durationMs, ok),
    });
  }

  /** The engine that decides in this process: its store's (`js` memoryStore, `native` sharedMemoryStore). */
  get engine(): EngineName {
    return this.#o.store.engine ?? 'js';
  }

  /** Why it runs that engine. */
  get engineReason(): string {
    return this.#o.engineReason;
  }

  /** The algorithm's name. */
  get algorithm(): Algorithm['name'] {
    return this.#algorithm.name;
  }

  /** The most a key may spend at once: the burst, the window's limit, or the concurrency. */
  get limit(): number {
    return this.#algorithm.limit;
  }

  /** Spends `cost` of `key`'s allowance if it is there; answers either way. */
  consume(key: string, cost = 1): Promise<RateLimitResult> {
    try {
      this.#check(key, cost);
      return this.#consume(key, cost);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * `consume` without the promise, for stores in this process (the memory stores): the
   * answer in the same tick, for hot paths such as a per-request check. Throws a
   * TypeError on a store that answers asynchronously (Redis).
   */
  consumeSync(key: string, cost = 1): RateLimitResult {
    this.#check(key, cost);
    const o = this.#o;
    const result = o.store.consume(
      this.#key(key),
      cost,
      this.#algorithm,
      o.clock(),
      o.blockDurationMs,
    );
    if (result instanceof Promise) {
      result.catch(() => {});
      throw new TypeError(
        'consumeSync needs a store in this process (memoryStore); this store answers asynchronously: use consume',
      );
    }
    this.#counted(result);
    if (!result.allowed && this.#hearsRefused) this.emit('refused', key, result);
    return result;
  }

  /**
   * What `consume(key, cost)` would answer now, spending nothing. `peek(key, 0)` reads the
   * key's state as it is (`remaining` is what is left).
   */
  async peek(key: string, cost = 1): Promise<RateLimitResult> {
    this.#check(key, cost, 0);
    return this.#o.store.peek(this.#key(key), cost, this.#algorithm, this.#o.clock());
  }

  /** Gives back `cost` (a call that did not happen after all, or a concurrency lease that ended). */
  async refund(key: string, cost = 1): Promise<void> {
    this.#check(key, cost);
    await this.#o.store.refund(this.#key(key), cost, this.#algorithm, this.#o.clock());
    this.#waits.nudge(key);
  }

  /** Forgets `key`: it starts again with a full allowance. */
  async reset(key: string): Promise<void> {
    this.#check(key, 1);
    await this.#o.store.reset(this.#key(key), this.#algorithm);
    this.#waits.nudge(key);
  }

  /** Denies `key` for `ms`, whatever its allowance. */
  async block(key: string, ms: number): Promise<void> {
    this.#check(key, 1);
    if (typeof ms !== 'number' || !(ms >= 0) || !Number.isFinite(ms)) {
      throw new RangeError(`block: ms must be a finite number >= 0, got ${String(ms)}`);
    }
    const now = this.#o.clock();
    await this.#o.store.block(this.#key(key), this.#algorithm, now + ms, now);
  }

  /**
   * Resolves when `cost` of `key` has been spent, callers of one key served in order; or
   * rejects when `signal` aborts or the wait would pass `maxWaitMs`.
   */
  wait(key: string, cost = 1, options: WaitOptions = {}): Promise<RateLimitResult> {
    try {
      this.#check(key, cost);
      const maxWaitMs = options.maxWaitMs ?? Number.POSITIVE_INFINITY;
      if (!(maxWaitMs >= 0)) {
        throw new RangeError(
          `wait: maxWaitMs must be a number >= 0, got ${String(options.maxWaitMs)}`,
        );
      }
      return this.#waits.wait(key, cost, maxWaitMs, options.signal);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * `fn` behind this limit: each call waits its turn (see `wait`) and then runs. Under the
   * concurrency algorithm the units are given back when the call settles.
   */
  wrap<A extends unknown[], R>(
    fn: (...args: A) => R | Promise<R>,
    options: WrapOptions<A> = {},
  ): (...args: A) => Promise<R> {
    if (typeof fn !== 'function') throw new TypeError('wrap: fn must be a function');
    const { key = 'wrap', cost = 1 } = options;
    const releases = this.#algorithm.name === 'concurrency';
    return async (...args: A) => {
      const k = typeof key === 'function' ? key(...args) : key;
      const c = typeof cost === 'function' ? cost(...args) : cost;
      await this.wait(k, c, options);
      if (!releases) return fn(...args);
      try {
        return await fn(...args);
      } finally {
        await this.refund(k, c).catch(() => {});
      }
    };
  }

  /**
   * Rejects pending waits with `RateLimiterClosedError` and closes the store if the limiter
   * made it. Closed is a state: every later call rejects (or throws) that error too.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#waits.rejectAll(new RateLimiterClosedError('a wait pending'));
    this.#stopListeningToStore?.();
    if (this.#o.ownStore) await this.#o.store.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #consume(key: string, cost: number): Promise<RateLimitResult> {
    const o = this.#o;
    const result = o.store.consume(
      this.#key(key),
      cost,
      this.#algorithm,
      o.clock(),
      o.blockDurationMs,
    );
    if (result instanceof Promise) {
      const counted = result.then(this.#counted);
      return this.#hearsRefused ? counted.then((r) => this.#tellRefused(key, r)) : counted;
    }
    this.#counted(result);
    return Promise.resolve(this.#hearsRefused ? this.#tellRefused(key, result) : result);
  }

  #tellRefused(key: string, result: RateLimitResult): RateLimitResult {
    if (!result.allowed) this.emit('refused', key, result);
    return result;
  }

  #key(key: string): string {
    return this.#o.prefix === '' ? key : this.#o.prefix + key;
  }

  #check(key: string, cost: number, leastCost = 1): void {
    if (this.#closed) throw new RateLimiterClosedError('a call');
    if (typeof key !== 'string') throw new TypeError(`key must be a string, got ${typeof key}`);
    if (typeof cost !== 'number' || !Number.isSafeInteger(cost) || cost < leastCost) {
      throw new RangeError(`cost must be an integer >= ${leastCost}, got ${String(cost)}`);
    }
    if (cost > this.#algorithm.limit) {
      throw new RangeError(
        `cost ${cost} can never be admitted: it is more than the limit of ${this.#algorithm.limit} (${this.#algorithm.name === 'token-bucket' || this.#algorithm.name === 'gcra' ? 'burst' : 'limit'})`,
      );
    }
  }
}
