import { type EngineName, monotonicClock } from '@bulwark/engine-kit';
import { untilAborted } from './abort.js';
import { WithCacheCore } from './cache-core.js';
import { CacheEvents, type TtlCacheEvents } from './cache-events.js';
import type { StoreEngine } from './engine/types.js';
import { duration, type ResolvedOptions, type TtlCacheOptions } from './options.js';
import { SingleFlight } from './single-flight.js';
import { answerOrStale } from './stale-answer.js';
import type { CacheStats } from './stats.js';
import { Sweeper } from './sweeper.js';

export interface SetOptions {
  /** This entry's TTL in ms, instead of the cache's `ttl`; 0 for none. */
  ttl?: number;
  /**
   * This entry's size, instead of calling `sizeCalculation`. Ignored where the native
   * engine measures sizes (`maxSize` without `sizeCalculation`).
   */
  size?: number;
}

export interface FetchOptions {
  /** TTL of the loaded value, instead of the cache's `ttl`. */
  ttl?: number;
  /** Gives up waiting for this caller only; the load goes on for the others. */
  signal?: AbortSignal;
  /** Serve a stale value at once while one refresh runs. Default: the cache's `allowStale`. */
  staleWhileRevalidate?: boolean;
  /**
   * When the loader fails, answer the key's stale value if it went stale less than the
   * cache's `staleIfError` ms ago. Default: true when the cache has `staleIfError`.
   */
  staleIfError?: boolean;
  /**
   * Answer that same stale value if the loader has not answered within this many ms; the
   * load goes on and fills the cache. Default: the cache's `softTimeout`.
   */
  softTimeout?: number;
}

/** One entry of `dump()`: enough to `load()` it elsewhere with the time it had left. */
export interface DumpedEntry<V> {
  value: V;
  size: number;
  /** The entry's TTL in ms; 0 for none. */
  ttl: number;
  /** ms it had left when dumped; absent without a TTL. */
  remainingTtl?: number;
}

export type Loader<K, V> = (key: K) => V | undefined | Promise<V | undefined>;

/**
 * An LRU cache with TTLs, entry and size bounds, stats and single-flight loads, on the
 * engine that `engine` selects. Both engines behave identically; see the README for what
 * each costs.
 */
export class TtlCache<K = unknown, V = unknown> extends WithCacheCore<K, V> {
  /** The engine this instance runs. */
  readonly engine: EngineName = this.core.engine;
  /** Why it runs that engine: the option, `BULWARK_ENGINE`, or what `auto` saw. */
  readonly engineReason: string = this.core.engineReason;
  readonly #o: ResolvedOptions<K, V> = this.core.options;
  readonly #store: StoreEngine<K, V> = this.core.store;
  readonly #flights = new SingleFlight<K, V | undefined>();
  readonly #sweeper: Sweeper | undefined;
  #loads = 0;
  #loadErrors = 0;
  /** Misses and stale hits that `fetch` answers without asking the engine. */
  #fetchMisses = 0;
  #staleServed = 0;
  /**
   * Whether any entry may carry a TTL. Until one does, time cannot change any answer, so
   * reads skip the clock: on a cache without TTLs that call is a large share of a `get`.
   */
  #timed = this.core.options.ttl > 0;
  // Read on every call: kept as own fields, one load each, rather than through #o.
  readonly #clock = this.core.options.clock;
  readonly #dispose = this.core.options.dispose;
  readonly #measured = this.core.measured;
  /** Whether the engine keeps removed entries: for `dispose`, or while removals are heard. */
  #tracking = this.core.options.dispose !== undefined;
  readonly #events = new CacheEvents((listening) => {
    this.#tracking = listening || this.#dispose !== undefined;
    this.#store.trackRemovals(this.#tracking);
  });

  constructor(options: TtlCacheOptions<K, V>) {
    super(options);
    if (this.#o.ttlAutopurge) {
      this.#sweeper = new Sweeper(this.#o.clock, (now) => {
        this.#store.purgeStale(now);
        try {
          this.#flushRemovals();
        } catch (error) {
          // A sweep runs from a timer: there is no caller to rethrow to, and a throw would
          // end the process (as lru-cache's per-entry timers do). Say so and sweep on.
          process.emitWarning(
            `ttl-cache: dispose threw during a ttlAutopurge sweep: ${(error as Error)?.message ?? error}`,
            { code: 'BULWARK_CACHE_DISPOSE_FAILED', detail: (error as Error)?.stack },
          );
        }
        return this.#store.earliestExpiry();
      });
    }
  }

  get size(): number {
    return this.#store.size;
  }

  /** Sum of entry sizes, counted against `maxSize`. */
  get calculatedSize(): number {
    return this.#store.calculatedSize;
  }

  get(key: K): V | undefined {
    const value = this.#store.get(key, this.#now());
    if (this.#tracking) this.#flushRemovals();
    return value;
  }

  /** Listens for `evict`, `expire`, `load` or `loadError` (see `TtlCacheEvents`). */
  on<E extends keyof TtlCacheEvents<K, V>>(event: E, listener: TtlCacheEvents<K, V>[E]): this {
    this.#events.on(event, listener);
    return this;
  }

  once<E extends keyof TtlCacheEvents<K, V>>(event: E, listener: TtlCacheEvents<K, V>[E]): this {
    this.#events.once(event, listener);
    return this;
  }

  off<E extends keyof TtlCacheEvents<K, V>>(event: E, listener: TtlCacheEvents<K, V>[E]): this {
    this.#events.off(event, listener);
    return this;
  }

  /** Reads without changing recency or age; stale values only under `allowStale`. */
  peek(key: K): V | undefined {
    return this.#store.peek(key, this.#now(), this.#o.allowStale ? Number.POSITIVE_INFINITY : 0);
  }

  has(key: K): boolean {
    return this.#store.has(key, this.#now());
  }

  set(key: K, value: V, options?: SetOptions): this {
    const ttl = options?.ttl === undefined ? this.#o.ttl : duration('ttl', options.ttl);
    if (ttl > 0) this.#timed = true;
    return this.#setAt(key, value, ttl, options?.size, this.#now());
  }

  delete(key: K): boolean {
    this.#flights.forget(key);
    const deleted = this.#store.delete(key);
    this.#flushRemovals();
    return deleted;
  }

  clear(): void {
    this.#flights.clear();
    this.#store.clear();
    this.#flushRemovals();
  }

  /** ms until `key` goes stale: Infinity without a TTL, 0 when stale or absent. */
  getRemainingTTL(key: K): number {
    return this.#store.remainingTtl(key, this.#now());
  }

  /** Removes every stale entry now; returns how many. */
  purgeStale(): number {
    const purged = this.#store.purgeStale(this.#now());
    this.#flushRemovals();
    return purged;
  }

  /**
   * Evicts least recently used entries until the cache holds at most `toFraction` of its
   * bounds (of its current size where it has no entry bound): the hook a memory-pressure
   * monitor calls. Returns how many entries left.
   */
  shrink(toFraction: number): number {
    if (typeof toFraction !== 'number' || !(toFraction >= 0 && toFraction <= 1)) {
      throw new RangeError(`toFraction must be a number from 0 to 1; got ${String(toFraction)}`);
    }
    const entryBound = this.#o.max > 0 ? this.#o.max : this.size;
    const sizeBound = this.#o.maxSize > 0 ? this.#o.maxSize * toFraction : Number.POSITIVE_INFINITY;
    const evicted = this.#store.shrinkTo(Math.floor(entryBound * toFraction), sizeBound);
    this.#flushRemovals();
    return evicted;
  }

  /** Live entries, most recently used first. */
  *entries(): IterableIterator<[K, V]> {
    for (const e of this.#store.entries(this.#now())) yield [e.key, e.value];
  }

  *keys(): IterableIterator<K> {
    for (const e of this.#store.entries(this.#now())) yield e.key;
  }

  *values(): IterableIterator<V> {
    for (const e of this.#store.entries(this.#now())) yield e.value;
  }

  [Symbol.iterator](): IterableIterator<[K, V]> {
    return this.entries();
  }

  /** The live entries with their sizes and time left, most recently used first. */
  dump(): Array<[K, DumpedEntry<V>]> {
    return this.#store.entries(this.#now()).map((e) => {
      const entry: DumpedEntry<V> = { value: e.value, size: e.size, ttl: e.ttl };
      if (e.ttl > 0) entry.remainingTtl = e.remainingTtl;
      return [e.key, entry];
    });
  }

  /** Adds the entries of a `dump()`, keeping their order and the time they had left. */
  load(entries: Array<[K, DumpedEntry<V>]>): void {
    if (entries.some(([, e]) => e.ttl > 0)) this.#timed = true;
    const now = this.#now();
    for (let i = entries.length - 1; i >= 0; i--) {
      const [key, e] = entries[i]!;
      if (e.ttl > 0 && !((e.remainingTtl ?? 0) > 0)) continue;
      const elapsed = e.ttl > 0 ? e.ttl - (e.remainingTtl ?? 0) : 0;
      this.#setAt(key, e.value, duration('ttl', e.ttl), e.size, now - elapsed);
    }
  }

  /**
   * The value for `key`, loading it on a miss. Concurrent misses for one key share one
   * `loader` call; a loader error reaches every waiter and is not cached; `undefined` from
   * the loader is returned and not stored.
   */
  async fetch(key: K, loader: Loader<K, V>, options: FetchOptions = {}): Promise<V | undefined> {
    if (typeof loader !== 'function') throw new TypeError('loader must be a function');
    const { signal } = options;
    if (signal?.aborted) throw signal.reason;
    const now = this.#now();
    if (this.#store.remainingTtl(key, now) > 0) return this.get(key);
    if (options.staleWhileRevalidate ?? this.#o.allowStale) {
      const stale = this.#store.peek(key, now, Number.POSITIVE_INFINITY);
      if (stale !== undefined) {
        this.#staleServed++;
        // The refresh's failure is counted in loadErrors; the stale value stays in place.
        this.#load(key, loader, options.ttl).catch(() => {});
        return stale;
      }
    }
    this.#fetchMisses++;
    const loaded = untilAborted(this.#load(key, loader, options.ttl), signal);
    if (this.#o.staleIfError === 0 || options.staleIfError === false) return loaded;
    const softTimeout =
      options.softTimeout === undefined
        ? this.#o.softTimeout
        : duration('softTimeout', options.softTimeout, 'none');
    return answerOrStale(loaded, {
      // No timer when there is nothing kept to answer with.
      softTimeout: this.fallback(key) === undefined ? 0 : softTimeout,
      stale: () => this.fallback(key),
      // Giving up is this caller's choice, not the loader's failure.
      staleOnError: () => signal?.aborted !== true,
      servedStale: () => {
        // fetch counted a miss when it went to the loader; it is answered stale after all.
        this.#fetchMisses--;
        this.#staleServed++;
      },
    });
  }

  /**
   * What `fetch` answers for `key` when its loader fails now: the value if fresh, or if
   * stale for less than `staleIfError` ms; else undefined. Like `peek`, it changes neither
   * recency nor age, and counts nothing. (`TieredCache` uses it for its own loads.)
   */
  fallback(key: K): V | undefined {
    return this.#store.peek(key, this.#now(), this.#o.staleIfError);
  }

  /**
   * Wraps `fn` so its results are cached by `key(...args)` (default: the only argument, or
   * the JSON of all of them), with single-flight loads.
   */
  cached<A extends unknown[]>(
    fn: (...args: A) => V | Promise<V>,
    options: { key?: (...args: A) => K; ttl?: number } = {},
  ): (...args: A) => Promise<V | undefined> {
    if (typeof fn !== 'function') throw new TypeError('fn must be a function');
    const keyOf =
      options.key ?? ((...args: A) => (args.length === 1 ? args[0] : JSON.stringify(args)) as K);
    const ttl = options.ttl;
    return (...args: A) => this.fetch(keyOf(...args), () => fn(...args), { ttl });
  }

  stats(): CacheStats {
    const c = this.#store.counters();
    const misses = c.misses + this.#fetchMisses;
    const staleHits = c.staleHits + this.#staleServed;
    const lookups = c.hits + staleHits + misses;
    return {
      ...c,
      misses,
      staleHits,
      loads: this.#loads,
      loadErrors: this.#loadErrors,
      size: this.size,
      calculatedSize: this.calculatedSize,
      hitRate: lookups === 0 ? 0 : (c.hits + staleHits) / lookups,
    };
  }

  /** Stops the background sweep. The cache stays usable; nothing else holds resources. */
  close(): void {
    this.#sweeper?.stop();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
  }

  #now(): number {
    return this.#timed ? this.#clock.now() : 0;
  }

  #setAt(key: K, value: V, ttl: number, givenSize: number | undefined, start: number): this {
    if (value === undefined) {
      this.delete(key);
      return this;
    }
    const size = this.#sizeOf(key, value, givenSize);
    this.#flights.forget(key);
    if (!this.#measured && this.#o.maxEntrySize > 0 && size > this.#o.maxEntrySize) {
      // Refused, and the old value goes too: a caller who set a new value must not read the old one.
      this.delete(key);
      return this;
    }
    this.#store.set(key, value, size, ttl, start);
    if (ttl > 0) this.#sweeper?.expect(start + ttl, ttl);
    this.#flushRemovals();
    return this;
  }

  #sizeOf(key: K, value: V, given: number | undefined): number {
    // Measured sizes are the engine's to take: a size given here would not bound memory.
    if (this.#o.maxSize === 0 || this.#measured) return 0;
    const size = given ?? this.#o.sizeCalculation!(value, key);
    if (typeof size !== 'number' || !Number.isFinite(size) || size <= 0) {
      const source = given === undefined ? 'sizeCalculation returned' : 'size must be';
      throw new RangeError(`${source} a positive finite number; got ${String(size)}`);
    }
    return size;
  }

  #load(key: K, loader: Loader<K, V>, ttl: number | undefined): Promise<V | undefined> {
    return this.#flights.run(key, async (isCurrent) => {
      this.#loads++;
      // Timed only while someone hears `load` (two clock readings).
      const started = this.#events.listenerCount('load') > 0 ? monotonicClock.now() : -1;
      try {
        const value = await loader(key);
        if (started >= 0) this.#events.emit('load', key, monotonicClock.now() - started, true);
        if (value !== undefined && isCurrent()) this.set(key, value, { ttl });
        return value;
      } catch (error) {
        this.#loadErrors++;
        if (started >= 0) this.#events.emit('load', key, monotonicClock.now() - started, false);
        this.#events.emit('loadError', key, error);
        throw error;
      }
    });
  }

  /**
   * Hands removed entries to `dispose` and to `evict`/`expire` listeners, all of them,
   * before rethrowing the first error one of them threw.
   */
  #flushRemovals(): void {
    if (!this.#tracking) return;
    const dispose = this.#dispose;
    const events = this.#events;
    let failure: { error: unknown } | undefined;
    for (const r of this.#store.takeRemoved()) {
      try {
        dispose?.(r.value, r.key, r.reason);
        if (r.reason === 'evict' || r.reason === 'expire') events.emit(r.reason, r.key, r.value);
      } catch (error) {
        failure ??= { error };
      }
    }
    if (failure) throw failure.error;
  }
}
