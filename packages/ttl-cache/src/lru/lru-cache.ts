import type { EngineName } from '@bulwark/engine-kit';
import { BackgroundFetch } from './background-fetch.js';
import { anyListener, metricsChannel, tracing } from './diagnostics.js';
import { lruEngine } from './lru-engine.js';
import {
  checkBounded,
  checkMax,
  checkMethod,
  checkPerf,
  checkSizeBounds,
  checkSizeCalculation,
  checkTtl,
  isPositiveInteger,
  normalTtlResolution,
  warnIfUnbounded,
} from './lru-options.js';
import { RecencySlots } from './recency-slots.js';
import type { Perf, LRUCache as Types } from './types.js';

type Status<K, V> = Types.Status<K, V>;
type Slot<V> = V | BackgroundFetch<V>;
type DisposeTask<K, V> = [value: V, key: K, reason: Types.DisposeReason];
/** The options a fetch resolves with, which its `fetchMethod` may change. */
type FetchWriteOptions<K, V, FC> = Types.FetcherFetchOptions<K, V, FC> & {
  signal?: AbortSignal;
};

/**
 * A drop-in for lru-cache 11.3's `LRUCache`: the same constructor options, methods,
 * properties, errors, `status` fields, callback order and diagnostics channels, so a
 * program switches by changing the import. `TtlCache` is the package's own API; this class
 * is for code written against lru-cache. The README's migration section lists what differs.
 */
export class LRUCache<K extends {}, V extends {}, FC = unknown> {
  // Own, writable fields, in lru-cache's order: they are the defaults of each call, and a
  // program may change them on a live cache.
  ttl: Types.Milliseconds;
  ttlResolution: Types.Milliseconds;
  ttlAutopurge: boolean;
  updateAgeOnGet: boolean;
  updateAgeOnHas: boolean;
  allowStale: boolean;
  noDisposeOnSet: boolean;
  noUpdateTTL: boolean;
  maxEntrySize: Types.Size;
  sizeCalculation?: Types.SizeCalculator<K, V>;
  noDeleteOnFetchRejection: boolean;
  noDeleteOnStaleGet: boolean;
  allowStaleOnFetchAbort: boolean;
  allowStaleOnFetchRejection: boolean;
  ignoreFetchAbort: boolean;
  [Symbol.toStringTag] = 'LRUCache';

  readonly #max: number;
  readonly #maxSize: number;
  readonly #perf: Perf;
  readonly #dispose?: Types.Disposer<K, V>;
  readonly #disposeAfter?: Types.Disposer<K, V>;
  readonly #onInsert?: Types.Inserter<K, V>;
  readonly #fetchMethod?: Types.Fetcher<K, V, FC>;
  readonly #memoMethod?: Types.Memoizer<K, V, FC>;
  readonly #slots: RecencySlots<K, V>;
  readonly #engine: EngineName;
  readonly #engineReason: string;
  /** Only a cache with a fetchMethod holds placeholders: the others skip the test. */
  readonly #fetches: boolean;
  /** Whether a removal needs the removed value (to dispose it, or abort its fetch). */
  readonly #readsRemoved: boolean;
  /** disposeAfter calls waiting for the operation that queued them to finish. */
  readonly #disposed: DisposeTask<K, V>[] = [];
  #calculatedSize = 0;
  #purgeTimers: (ReturnType<typeof setTimeout> | undefined)[] | undefined;
  /** A clock reading reused for `ttlResolution` ms; 0 when there is none to reuse. */
  #cachedNow = 0;

  constructor(options: Types.Options<K, V, FC> | LRUCache<K, V, FC>) {
    if (options === null || options === undefined) {
      throw new TypeError(`LRUCache options must be an object, got ${options}`);
    }
    // Read as lru-cache reads them: a missing option takes its default, any other value
    // (null included) is checked.
    const o = options as Types.OptionsBase<K, V, FC>;
    this.#perf = checkPerf(o.perf);
    const engine = lruEngine<V>(o.engine, o.serializer);
    this.#slots = new RecencySlots<K, V>(engine.values);
    this.#engine = engine.engine;
    this.#engineReason = engine.engineReason;
    this.#max = checkMax(o.max === undefined ? 0 : o.max);
    this.#maxSize = o.maxSize === undefined ? 0 : o.maxSize;
    this.maxEntrySize = o.maxEntrySize || this.#maxSize;
    this.sizeCalculation = o.sizeCalculation;
    checkSizeCalculation(this.sizeCalculation, this.#maxSize, this.maxEntrySize);
    checkMethod(o.memoMethod, 'memoMethod must be a function if defined');
    this.#memoMethod = o.memoMethod;
    checkMethod(o.fetchMethod, 'fetchMethod must be a function if specified');
    this.#fetchMethod = o.fetchMethod;
    this.#fetches = typeof o.fetchMethod === 'function';
    // Callbacks that are not functions are ignored, as lru-cache ignores them.
    if (typeof o.dispose === 'function') this.#dispose = o.dispose;
    if (typeof o.onInsert === 'function') this.#onInsert = o.onInsert;
    if (typeof o.disposeAfter === 'function') this.#disposeAfter = o.disposeAfter;
    this.#readsRemoved = this.#fetches || !!this.#dispose || !!this.#disposeAfter;
    this.noDisposeOnSet = !!o.noDisposeOnSet;
    this.noUpdateTTL = !!o.noUpdateTTL;
    this.noDeleteOnFetchRejection = !!o.noDeleteOnFetchRejection;
    this.allowStaleOnFetchRejection = !!o.allowStaleOnFetchRejection;
    this.allowStaleOnFetchAbort = !!o.allowStaleOnFetchAbort;
    this.ignoreFetchAbort = !!o.ignoreFetchAbort;
    if (this.maxEntrySize !== 0) {
      checkSizeBounds(this.#maxSize, this.maxEntrySize);
      this.#slots.trackSizes();
    }
    this.allowStale = !!o.allowStale;
    this.noDeleteOnStaleGet = !!o.noDeleteOnStaleGet;
    this.updateAgeOnGet = !!o.updateAgeOnGet;
    this.updateAgeOnHas = !!o.updateAgeOnHas;
    this.ttlResolution = normalTtlResolution(o.ttlResolution);
    this.ttlAutopurge = !!o.ttlAutopurge;
    this.ttl = o.ttl || 0;
    if (this.ttl) {
      checkTtl(this.ttl);
      this.#trackTtls();
    }
    checkBounded(this.#max, this.ttl, this.#maxSize);
    warnIfUnbounded(
      { ttlAutopurge: this.ttlAutopurge, max: this.#max, maxSize: this.#maxSize },
      LRUCache,
    );
  }

  #isFetch(value: unknown): value is BackgroundFetch<V> {
    return this.#fetches && value instanceof BackgroundFetch;
  }

  /** The value a reader can use from a slot: a placeholder's stale value, or the value. */
  #usable(value: Slot<V> | undefined): V | undefined {
    return this.#isFetch(value) ? value.stale : (value as V | undefined);
  }

  /** The engine this cache runs (an addition to lru-cache's API). */
  get engine(): EngineName {
    return this.#engine;
  }
  /** Why it runs that engine: the option, `BULWARK_ENGINE`, or the package's rule. */
  get engineReason(): string {
    return this.#engineReason;
  }

  get perf(): Perf {
    return this.#perf;
  }
  get max(): Types.Count {
    return this.#max;
  }
  get maxSize(): Types.Size {
    return this.#maxSize;
  }
  get calculatedSize(): Types.Size {
    return this.#calculatedSize;
  }
  get size(): Types.Count {
    return this.#slots.count;
  }
  get fetchMethod(): Types.Fetcher<K, V, FC> | undefined {
    return this.#fetchMethod;
  }
  get memoMethod(): Types.Memoizer<K, V, FC> | undefined {
    return this.#memoMethod;
  }
  get dispose(): Types.Disposer<K, V> | undefined {
    return this.#dispose;
  }
  get onInsert(): Types.Inserter<K, V> | undefined {
    return this.#onInsert;
  }
  get disposeAfter(): Types.Disposer<K, V> | undefined {
    return this.#disposeAfter;
  }

  // ---- time ----------------------------------------------------------------------------

  #trackTtls(): void {
    this.#slots.trackTtls();
    if (this.ttlAutopurge) this.#purgeTimers = [];
  }

  /** The clock for staleness: one reading serves for `ttlResolution` ms. */
  #now(): number {
    if (this.#cachedNow) return this.#cachedNow;
    const now = this.#perf.now();
    if (this.ttlResolution > 0) {
      this.#cachedNow = now;
      const timer = setTimeout(() => {
        this.#cachedNow = 0;
      }, this.ttlResolution);
      timer.unref?.();
    }
    return now;
  }

  /** Stale: it has a TTL and a start (start 0 never goes stale), and more than ttl ms passed. */
  #isStale(i: number): boolean {
    const { ttls, starts } = this.#slots;
    if (!ttls || !starts) return false;
    const ttl = ttls[i]!;
    const start = starts[i]!;
    return !!ttl && !!start && this.#now() - start > ttl;
  }

  #setItemTtl(i: number, ttl: number, start?: number): void {
    const begin = start === undefined ? this.#perf.now() : start;
    this.#slots.starts![i] = ttl !== 0 ? begin : 0;
    this.#slots.ttls![i] = ttl;
    this.#armPurgeTimer(i, ttl);
  }

  #restartAge(i: number): void {
    const { ttls, starts } = this.#slots;
    if (!ttls || !starts) return;
    starts[i] = ttls[i] !== 0 ? this.#perf.now() : 0;
    this.#armPurgeTimer(i, ttls[i]!);
  }

  #armPurgeTimer(i: number, ttl: number): void {
    const timers = this.#purgeTimers;
    if (!timers) return;
    this.#clearPurgeTimer(i);
    if (!ttl) return;
    const timer = setTimeout(() => {
      if (this.#isStale(i)) this.#delete(this.#slots.keys[i] as K, 'expire');
    }, ttl + 1);
    timer.unref?.();
    timers[i] = timer;
  }

  #clearPurgeTimer(i: number): void {
    const timers = this.#purgeTimers;
    if (timers?.[i]) {
      clearTimeout(timers[i]);
      timers[i] = undefined;
    }
  }

  #statusTtl(status: Status<K, V>, i: number): void {
    const { ttls, starts } = this.#slots;
    if (!ttls || !starts || !ttls[i] || !starts[i]) return;
    status.ttl = ttls[i];
    status.start = starts[i];
    status.now = this.#now();
    status.remainingTTL = ttls[i]! - (status.now - starts[i]!);
  }

  getRemainingTTL(key: K): number {
    const i = this.#slots.index.get(key);
    if (i === undefined) return 0;
    const { ttls, starts } = this.#slots;
    if (!ttls || !starts || !ttls[i] || !starts[i]) return Number.POSITIVE_INFINITY;
    return ttls[i]! - (this.#now() - starts[i]!);
  }

  // ---- sizes ---------------------------------------------------------------------------

  #requireSize(
    key: K,
    value: Slot<V>,
    size: number,
    sizeCalculation: Types.SizeCalculator<K, V> | undefined,
  ): number {
    if (!this.#slots.sizes) {
      if (size || sizeCalculation) {
        throw new TypeError('cannot set size without setting maxSize or maxEntrySize on cache');
      }
      return 0;
    }
    // A placeholder is sized when its value arrives.
    if (this.#isFetch(value)) return 0;
    if (isPositiveInteger(size)) return size;
    if (!sizeCalculation) {
      throw new TypeError(
        'invalid size value (must be positive integer). When maxSize or maxEntrySize is used, sizeCalculation or size must be set.',
      );
    }
    if (typeof sizeCalculation !== 'function') {
      throw new TypeError('sizeCalculation must be a function');
    }
    const calculated = sizeCalculation(value, key);
    if (!isPositiveInteger(calculated)) {
      throw new TypeError('sizeCalculation return invalid (expect positive integer)');
    }
    return calculated;
  }

  /** Makes room under `maxSize` (evicting the oldest), then counts slot `i`'s size. */
  #addSize(i: number, size: number, status: Status<K, V> | undefined): void {
    const sizes = this.#slots.sizes;
    if (!sizes) return;
    sizes[i] = size;
    if (this.#maxSize) {
      while (this.#calculatedSize > this.#maxSize - size) this.#evictOldest(false);
    }
    this.#calculatedSize += size;
    if (status) {
      status.entrySize = size;
      status.totalCalculatedSize = this.#calculatedSize;
    }
  }

  #removeSize(i: number): void {
    const sizes = this.#slots.sizes;
    if (!sizes) return;
    this.#calculatedSize -= sizes[i]!;
    sizes[i] = 0;
  }

  // ---- removal and dispose -------------------------------------------------------------

  #disposeValue(value: V, key: K, reason: Types.DisposeReason): void {
    this.#dispose?.(value, key, reason);
    if (this.#disposeAfter) this.#disposed.push([value, key, reason]);
  }

  #runDisposeAfter(): void {
    const after = this.#disposeAfter;
    if (!after) return;
    for (let task = this.#disposed.shift(); task; task = this.#disposed.shift()) after(...task);
  }

  /**
   * Removes the least recently used entry for room. With `reuse`, its slot goes straight
   * to the entry being added (lru-cache's order of slots, see RecencySlots).
   */
  #evictOldest(reuse: boolean): number {
    const slots = this.#slots;
    const i = slots.oldest;
    if (this.#readsRemoved) {
      const value = slots.values.at(i);
      if (this.#isFetch(value)) value.controller.abort(new Error('evicted'));
      else this.#disposeValue(value as V, slots.keys[i] as K, 'evict');
    }
    this.#removeSize(i);
    this.#clearPurgeTimer(i);
    return slots.removeOldest(reuse);
  }

  #delete(key: K, reason: Types.DisposeReason): boolean {
    if (metricsChannel.hasSubscribers)
      metricsChannel.publish({ op: 'delete', delete: reason, key });
    const slots = this.#slots;
    const i = slots.count === 0 ? undefined : slots.index.get(key);
    if (i !== undefined) {
      this.#clearPurgeTimer(i);
      if (slots.count === 1) {
        this.#clear(reason);
      } else {
        this.#removeSize(i);
        const value = slots.values.at(i);
        if (this.#isFetch(value)) value.controller.abort(new Error('deleted'));
        else this.#disposeValue(value as V, key, reason);
        slots.remove(i, key);
      }
    }
    if (this.#disposed.length > 0) this.#runDisposeAfter();
    return i !== undefined;
  }

  delete(key: K): boolean {
    return this.#delete(key, 'delete');
  }

  clear(): void {
    this.#clear('delete');
  }

  #clear(reason: Types.DisposeReason): void {
    const slots = this.#slots;
    for (const i of slots.walk(false)) {
      const value = slots.values.at(i);
      if (this.#isFetch(value)) value.controller.abort(new Error('deleted'));
      else this.#disposeValue(value as V, slots.keys[i] as K, reason);
    }
    slots.reset();
    if (this.#purgeTimers) {
      for (const timer of this.#purgeTimers) if (timer !== undefined) clearTimeout(timer);
      this.#purgeTimers.length = 0;
    }
    this.#calculatedSize = 0;
    this.#runDisposeAfter();
  }

  pop(): V | undefined {
    try {
      while (this.#slots.count > 0) {
        const value = this.#slots.values.at(this.#slots.oldest);
        this.#evictOldest(false);
        if (this.#isFetch(value)) {
          // lru-cache 11.3 returns a placeholder's stale value only when it is truthy.
          if (value.stale) return value.stale;
        } else if (value !== undefined) {
          return value;
        }
      }
      return undefined;
    } finally {
      this.#runDisposeAfter();
    }
  }

  purgeStale(): boolean {
    let deleted = false;
    for (const i of this.#slots.walk(false)) {
      if (this.#isStale(i)) {
        this.#delete(this.#slots.keys[i] as K, 'expire');
        deleted = true;
      }
    }
    return deleted;
  }

  // ---- set -----------------------------------------------------------------------------

  set(key: K, value: V | undefined, options: Types.SetOptions<K, V, FC> = {}): this {
    const status = statusFor(options, metricsChannel.hasSubscribers);
    if (status) {
      status.op = 'set';
      status.key = key;
      if (value !== undefined) status.value = value;
    }
    this.#set(key, value, options);
    if (status && metricsChannel.hasSubscribers) metricsChannel.publish(status);
    return this;
  }

  #set(key: K, value: Slot<V> | undefined, options: Types.SetOptions<K, V, FC> = {}): void {
    const {
      ttl = this.ttl,
      start,
      noDisposeOnSet = this.noDisposeOnSet,
      sizeCalculation = this.sizeCalculation,
      status,
    } = options;
    if (value === undefined) {
      if (status) status.set = 'deleted';
      this.delete(key);
      return;
    }
    let { noUpdateTTL = this.noUpdateTTL } = options;
    const isPlaceholder = this.#isFetch(value);
    if (status && !isPlaceholder) status.value = value;
    const size = this.#requireSize(key, value, options.size || 0, sizeCalculation);
    const slots = this.#slots;
    // Before anything changes: a value the engine cannot store leaves the cache as it was.
    const encoded = slots.values.encode(value);
    if (this.maxEntrySize && size > this.maxEntrySize) {
      // Too big to keep: whatever the key held goes too.
      this.#delete(key, 'set');
      if (status) {
        status.set = 'miss';
        status.maxEntrySizeExceeded = true;
      }
      return;
    }
    let i = slots.count === 0 ? undefined : slots.index.get(key);
    if (i === undefined) {
      i =
        slots.count === 0
          ? slots.newest
          : slots.free.length > 0
            ? slots.free.pop()!
            : slots.count === this.#max
              ? this.#evictOldest(true)
              : slots.count;
      slots.append(i, key, value, encoded);
      this.#addSize(i, size, status);
      if (status) status.set = 'add';
      noUpdateTTL = false;
      // lru-cache 11.3 tells onInsert of a fetch's placeholder too, as its promise.
      this.#onInsert?.((isPlaceholder ? value.promise : value) as V, key, 'add');
    } else {
      slots.touch(i);
      // Sameness first: on native, reading the old value would replace what it remembers.
      const same = slots.values.holds(i, value);
      const old = same ? value : slots.values.at(i);
      if (!same) {
        if (this.#isFetch(old)) {
          old.controller.abort(new Error('replaced'));
          if (old.stale !== undefined && !noDisposeOnSet) this.#disposeValue(old.stale, key, 'set');
        } else if (!noDisposeOnSet) {
          this.#disposeValue(old as V, key, 'set');
        }
        this.#removeSize(i);
        this.#addSize(i, size, status);
        slots.values.put(i, value, encoded);
        if (status) {
          status.set = 'replace';
          const oldValue = this.#usable(old);
          if (oldValue !== undefined) status.oldValue = oldValue;
        }
      } else {
        // The same value again: on js a no-op; on native the object may have changed since
        // it was stored, and the twin holds bytes, so they are written again.
        slots.values.put(i, value, encoded);
        if (status) status.set = 'update';
      }
      this.#onInsert?.(value as V, key, same ? 'update' : 'replace');
    }
    if (ttl !== 0 && !slots.ttls) this.#trackTtls();
    if (slots.ttls) {
      if (!noUpdateTTL) this.#setItemTtl(i, ttl, start);
      if (status) this.#statusTtl(status, i);
    }
    if (!noDisposeOnSet) this.#runDisposeAfter();
  }

  // ---- reads ---------------------------------------------------------------------------

  has(key: K, options: Types.HasOptions<K, V, FC> = {}): boolean {
    const status = statusFor(options, metricsChannel.hasSubscribers);
    if (status) {
      status.op = 'has';
      status.key = key;
    }
    const found = this.#has(key, options.updateAgeOnHas ?? this.updateAgeOnHas, status);
    if (metricsChannel.hasSubscribers) metricsChannel.publish(status);
    return found;
  }

  #has(key: K, updateAgeOnHas: boolean, status: Status<K, V> | undefined): boolean {
    const i = this.#slots.index.get(key);
    if (i === undefined) {
      if (status) status.has = 'miss';
      return false;
    }
    const value = this.#slots.values.at(i);
    if (this.#isFetch(value) && value.stale === undefined) return false;
    if (this.#isStale(i)) {
      if (status) {
        status.has = 'stale';
        this.#statusTtl(status, i);
      }
      return false;
    }
    if (updateAgeOnHas) this.#restartAge(i);
    if (status) {
      status.has = 'hit';
      this.#statusTtl(status, i);
    }
    return true;
  }

  peek(key: K, options: Types.PeekOptions<K, V, FC> = {}): V | undefined {
    const status = statusFor(options, anyListener());
    if (status) {
      status.op = 'peek';
      status.key = key;
    }
    const i = this.#slots.index.get(key);
    let value: V | undefined;
    if (i === undefined || (!(options.allowStale ?? this.allowStale) && this.#isStale(i))) {
      if (status) status.peek = i === undefined ? 'miss' : 'stale';
    } else {
      value = this.#usable(this.#slots.values.at(i));
      if (status) {
        status.peek = value === undefined ? 'miss' : 'hit';
        if (value !== undefined) status.value = value;
      }
    }
    if (metricsChannel.hasSubscribers) metricsChannel.publish(status);
    return value;
  }

  get(key: K, options: Types.GetOptions<K, V, FC> = {}): V | undefined {
    const status = statusFor(options, metricsChannel.hasSubscribers);
    if (status) {
      status.op = 'get';
      status.key = key;
    }
    const value = this.#get(key, options);
    if (status) {
      if (value !== undefined) status.value = value;
      if (metricsChannel.hasSubscribers) metricsChannel.publish(status);
    }
    return value;
  }

  #get(key: K, options: Types.GetOptions<K, V, FC>): V | undefined {
    const {
      allowStale = this.allowStale,
      updateAgeOnGet = this.updateAgeOnGet,
      noDeleteOnStaleGet = this.noDeleteOnStaleGet,
      status,
    } = options;
    const i = this.#slots.index.get(key);
    if (i === undefined) {
      if (status) status.get = 'miss';
      return undefined;
    }
    const value = this.#slots.values.at(i);
    const fetching = this.#isFetch(value);
    if (status) this.#statusTtl(status, i);
    if (this.#isStale(i)) {
      if (fetching) {
        if (status) status.get = 'stale-fetching';
        if (allowStale && value.stale !== undefined) {
          if (status) status.returnedStale = true;
          return value.stale;
        }
        return undefined;
      }
      // Served at most once: the entry goes unless told to stay.
      if (!noDeleteOnStaleGet) this.#delete(key, 'expire');
      if (status) status.get = 'stale';
      if (!allowStale) return undefined;
      if (status) status.returnedStale = true;
      return value as V;
    }
    if (status) status.get = fetching ? 'fetching' : 'hit';
    this.#slots.touch(i);
    if (updateAgeOnGet) this.#restartAge(i);
    // A fresh entry with a fetch in flight is a forced refresh: its old value still serves.
    return fetching ? value.stale : (value as V);
  }

  info(key: K): Types.Entry<V> | undefined {
    const i = this.#slots.index.get(key);
    if (i === undefined) return undefined;
    const value = this.#usable(this.#slots.values.at(i));
    if (value === undefined) return undefined;
    const entry: Types.Entry<V> = { value };
    const { ttls, starts, sizes } = this.#slots;
    if (ttls && starts && ttls[i] && starts[i]) {
      entry.ttl = ttls[i]! - (this.#perf.now() - starts[i]!);
      entry.start = Date.now();
    }
    if (sizes) entry.size = sizes[i];
    return entry;
  }

  // ---- iteration -----------------------------------------------------------------------

  /** Live slots in order, without stale ones unless `allowStale` (the cache's by default). */
  *#indexes(fromNewest: boolean, allowStale = this.allowStale): Generator<number> {
    for (const i of this.#slots.walk(fromNewest)) {
      if (allowStale || !this.#isStale(i)) yield i;
    }
  }

  /** Entries with a settled value: iterators skip keys whose fetch is in flight. */
  *#settled(fromNewest: boolean): Generator<[K, V]> {
    const { keys, values } = this.#slots;
    for (const i of this.#indexes(fromNewest)) {
      const value = values.at(i);
      if (value !== undefined && keys[i] !== undefined && !this.#isFetch(value)) {
        yield [keys[i] as K, value as V];
      }
    }
  }

  *entries(): Generator<[K, V], void, unknown> {
    yield* this.#settled(true);
  }
  *rentries(): Generator<[K, V], void, unknown> {
    yield* this.#settled(false);
  }
  *keys(): Generator<K, void, unknown> {
    for (const [key] of this.#settled(true)) yield key;
  }
  *rkeys(): Generator<K, void, unknown> {
    for (const [key] of this.#settled(false)) yield key;
  }
  *values(): Generator<V, void, unknown> {
    for (const [, value] of this.#settled(true)) yield value;
  }
  *rvalues(): Generator<V, void, unknown> {
    for (const [, value] of this.#settled(false)) yield value;
  }
  [Symbol.iterator](): Generator<[K, V], void, unknown> {
    return this.entries();
  }

  /** Entries with a value a reader could use: in-flight refreshes give their stale value. */
  *#usableEntries(fromNewest: boolean): Generator<[K, V]> {
    for (const i of this.#indexes(fromNewest)) {
      const value = this.#usable(this.#slots.values.at(i));
      if (value !== undefined) yield [this.#slots.keys[i] as K, value];
    }
  }

  find(
    fn: (value: V, key: K, cache: this) => boolean | undefined | void,
    getOptions: Types.GetOptions<K, V, FC> = {},
  ): V | undefined {
    for (const [key, value] of this.#usableEntries(true)) {
      if (fn(value, key, this)) return this.#get(key, getOptions);
    }
    return undefined;
  }

  forEach(fn: (value: V, key: K, cache: this) => unknown, thisp: unknown = this): void {
    for (const [key, value] of this.#usableEntries(true)) fn.call(thisp, value, key, this);
  }

  rforEach(fn: (value: V, key: K, cache: this) => unknown, thisp: unknown = this): void {
    for (const [key, value] of this.#usableEntries(false)) fn.call(thisp, value, key, this);
  }

  /**
   * Every entry, stale ones too, least recently used first so that `load` restores the
   * order; `start` is wall-clock ms, so a dump survives a restart.
   */
  dump(): [K, Types.Entry<V>][] {
    const out: [K, Types.Entry<V>][] = [];
    const { keys, values, ttls, starts, sizes } = this.#slots;
    for (const i of this.#indexes(true, true)) {
      const key = keys[i];
      const value = this.#usable(values.at(i));
      if (value === undefined || key === undefined) continue;
      const entry: Types.Entry<V> = { value };
      if (ttls && starts) {
        entry.ttl = ttls[i];
        entry.start = Math.floor(Date.now() - (this.#perf.now() - starts[i]!));
      }
      if (sizes) entry.size = sizes[i];
      out.unshift([key, entry]);
    }
    return out;
  }

  /** Empties the cache, then sets each entry in order (mutating each `start` to this clock). */
  load(entries: [K, Types.Entry<V>][]): void {
    this.clear();
    for (const [key, entry] of entries) {
      if (entry.start) entry.start = this.#perf.now() - (Date.now() - entry.start);
      this.#set(key, entry.value, entry as Types.SetOptions<K, V, FC>);
    }
  }

  // ---- memo ----------------------------------------------------------------------------

  memo(key: K, options: Types.MemoOptions<K, V, FC> = {}): V {
    const status = statusFor(options, metricsChannel.hasSubscribers);
    if (status) {
      status.op = 'memo';
      status.key = key;
      if (options.context) status.context = options.context;
    }
    const result = this.#memo(key, options);
    if (status) status.value = result;
    if (metricsChannel.hasSubscribers) metricsChannel.publish(status);
    return result;
  }

  #memo(key: K, memoOptions: Types.MemoOptions<K, V, FC>): V {
    const memoMethod = this.#memoMethod;
    if (!memoMethod) throw new Error('no memoMethod provided to constructor');
    const { context, status, forceRefresh, ...options } = memoOptions;
    if (status && forceRefresh) status.forceRefresh = true;
    const current = this.#get(key, options);
    const refresh = forceRefresh || current === undefined;
    if (status) {
      status.memo = refresh ? 'miss' : 'hit';
      if (!refresh) status.value = current;
    }
    if (!refresh) return current as V;
    const computed = memoMethod(key, current, { options, context: context as FC });
    if (status) status.value = computed;
    this.#set(key, computed, options);
    return computed;
  }

  // ---- fetch ---------------------------------------------------------------------------

  fetch(key: K, options: Types.FetchOptions<K, V, FC> = {}): Promise<V | undefined> {
    const status = this.#fetchStatus(options);
    const result = this.#fetch(key, options);
    this.#trace(result, status);
    return result;
  }

  forceFetch(key: K, options: Types.FetchOptions<K, V, FC> = {}): Promise<V> {
    const status = this.#fetchStatus(options);
    const result = this.#fetch(key, options).then((value) => {
      if (value === undefined) throw new Error('fetch() returned undefined');
      return value;
    });
    this.#trace(result, status);
    return result;
  }

  #fetchStatus(options: Types.FetchOptions<K, V, FC>): Status<K, V> | undefined {
    const status = statusFor(options, anyListener());
    if (status && options.context) status.context = options.context;
    return status;
  }

  #trace(result: Promise<unknown>, status: Status<K, V> | undefined): void {
    if (!status || !tracing.hasSubscribers) return;
    status.trace = true;
    tracing.tracePromise(() => result, status).catch(() => {});
  }

  async #fetch(key: K, fetchOptions: Types.FetchOptions<K, V, FC>): Promise<V | undefined> {
    const {
      allowStale = this.allowStale,
      updateAgeOnGet = this.updateAgeOnGet,
      noDeleteOnStaleGet = this.noDeleteOnStaleGet,
      ttl = this.ttl,
      noDisposeOnSet = this.noDisposeOnSet,
      size = 0,
      sizeCalculation = this.sizeCalculation,
      noUpdateTTL = this.noUpdateTTL,
      noDeleteOnFetchRejection = this.noDeleteOnFetchRejection,
      allowStaleOnFetchRejection = this.allowStaleOnFetchRejection,
      ignoreFetchAbort = this.ignoreFetchAbort,
      allowStaleOnFetchAbort = this.allowStaleOnFetchAbort,
      context,
      forceRefresh = false,
      status,
      signal,
    } = fetchOptions;
    if (status) {
      status.op = 'fetch';
      status.key = key;
      if (forceRefresh) status.forceRefresh = true;
    }
    if (!this.#fetchMethod) {
      if (status) status.fetch = 'get';
      return this.#get(key, { allowStale, updateAgeOnGet, noDeleteOnStaleGet, status });
    }
    // Exactly the fields lru-cache hands the fetchMethod as `options`.
    const options: FetchWriteOptions<K, V, FC> = {
      allowStale,
      updateAgeOnGet,
      noDeleteOnStaleGet,
      ttl,
      noDisposeOnSet,
      size,
      sizeCalculation,
      noUpdateTTL,
      noDeleteOnFetchRejection,
      allowStaleOnFetchRejection,
      allowStaleOnFetchAbort,
      ignoreFetchAbort,
      status,
      signal,
    };
    const i = this.#slots.index.get(key);
    if (i === undefined) {
      if (status) status.fetch = 'miss';
      return this.#awaitFetch(this.#backgroundFetch(key, undefined, options, context));
    }
    const current = this.#slots.values.at(i);
    if (this.#isFetch(current)) {
      const stale = allowStale && current.stale !== undefined;
      if (status) {
        status.fetch = 'inflight';
        if (stale) status.returnedStale = true;
      }
      return stale ? current.stale : this.#awaitFetch(current);
    }
    const isStale = this.#isStale(i);
    if (!forceRefresh && !isStale) {
      if (status) status.fetch = 'hit';
      this.#slots.touch(i);
      if (updateAgeOnGet) this.#restartAge(i);
      if (status) this.#statusTtl(status, i);
      return current;
    }
    // Stale, or a forced refresh: fetch in the background, serving the old value if allowed.
    const pending = this.#backgroundFetch(key, i, options, context);
    const serveStale = pending.stale !== undefined && allowStale;
    if (status) {
      status.fetch = isStale ? 'stale' : 'refresh';
      if (serveStale && isStale) status.returnedStale = true;
    }
    return serveStale ? pending.stale : this.#awaitFetch(pending);
  }

  /** Puts back the value a finished fetch was replacing (none: the slot is left empty). */
  #restoreStale(i: number, pending: BackgroundFetch<V>): void {
    if (pending.stale === undefined) this.#slots.values.drop(i);
    else this.#slots.values.put(i, pending.stale);
  }

  #awaitFetch(pending: BackgroundFetch<V>): Promise<V | undefined> {
    pending.awaited = true;
    return pending.promise;
  }

  /** Starts `fetchMethod` for `key` and puts the placeholder in its slot. */
  #backgroundFetch(
    key: K,
    slot: number | undefined,
    options: FetchWriteOptions<K, V, FC>,
    context: unknown,
  ): BackgroundFetch<V> {
    const current = slot === undefined ? undefined : this.#slots.values.at(slot);
    if (this.#isFetch(current)) return current;
    const pending = new BackgroundFetch<V>(current);
    const { controller } = pending;
    // The caller's signal aborts ours, until ours is aborted (which removes this listener).
    options.signal?.addEventListener('abort', () => controller.abort(options.signal?.reason), {
      signal: controller.signal,
    });
    const fetcherOptions = { signal: controller.signal, options, context: context as FC };
    let index = slot;

    const fail = (error: unknown, proceed: boolean): V | undefined => {
      const aborted = controller.signal.aborted;
      const allowStaleAborted = aborted && options.allowStaleOnFetchAbort;
      const allowStale = allowStaleAborted || options.allowStaleOnFetchRejection;
      const noDelete = allowStale || options.noDeleteOnFetchRejection;
      if (this.#slots.values.at(index!) === pending) {
        if (!noDelete || (!proceed && pending.stale === undefined)) {
          this.#delete(key, 'fetch');
        } else if (!allowStaleAborted) {
          // Done with the placeholder: the stale value takes its place again. (Under
          // allowStaleOnFetchAbort it stays, for the late result to replace.)
          this.#restoreStale(index!, pending);
        }
      }
      if (allowStale) {
        if (options.status && pending.stale !== undefined) options.status.returnedStale = true;
        return pending.stale;
      }
      // Nobody waits on a fetch that served its stale value: no unhandled rejection.
      if (pending.awaited) throw error;
      return undefined;
    };

    const settle = (value: V | undefined, writeLate = false): V | undefined => {
      const aborted = controller.signal.aborted;
      const ignoreAbort = options.ignoreFetchAbort && value !== undefined;
      const proceed =
        options.ignoreFetchAbort || !!(options.allowStaleOnFetchAbort && value !== undefined);
      if (options.status) {
        if (aborted && !writeLate) {
          options.status.fetchAborted = true;
          options.status.fetchError = controller.signal.reason;
          if (ignoreAbort) options.status.fetchAbortIgnored = true;
        } else {
          options.status.fetchResolved = true;
        }
      }
      if (aborted && !ignoreAbort && !writeLate) return fail(controller.signal.reason, !!proceed);
      const held = this.#slots.values.at(index!);
      if (held === pending || (held === undefined && ignoreAbort && writeLate)) {
        if (value === undefined) {
          if (pending.stale !== undefined) this.#restoreStale(index!, pending);
          else this.#delete(key, 'fetch');
        } else {
          if (options.status) options.status.fetchUpdated = true;
          this.#set(key, value, options);
        }
      }
      return value;
    };

    const run = (resolve: (v: V | undefined) => void, reject: (e: unknown) => void): void => {
      let deliver = resolve;
      const result = this.#fetchMethod!(key, current, fetcherOptions);
      if (result instanceof Promise || isThenable(result)) {
        (result as PromiseLike<V | undefined | void>).then(
          (v) => deliver(v === undefined ? undefined : v),
          reject,
        );
      } else if (result !== undefined) {
        // lru-cache 11.3 ignores a value returned synchronously (the fetch hangs); 11.4
        // and we resolve with it.
        resolve(result);
      }
      controller.signal.addEventListener('abort', () => {
        if (!options.ignoreFetchAbort || options.allowStaleOnFetchAbort) {
          resolve(undefined);
          // The fetchMethod's late result still lands in the cache.
          if (options.allowStaleOnFetchAbort) deliver = (v) => settle(v, true);
        }
      });
    };

    if (options.status) options.status.fetchDispatched = true;
    pending.promise = new Promise(run).then(settle, (error) => {
      if (options.status) {
        options.status.fetchRejected = true;
        options.status.fetchError = error;
      }
      return fail(error, false);
    });
    if (index === undefined) {
      // The placeholder enters like a set (it may evict), without reporting a status.
      this.#set(key, pending, { ...options, status: undefined });
      index = this.#slots.index.get(key);
    } else {
      this.#slots.values.put(index, pending);
    }
    return pending;
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/**
 * The call's status object: the caller's, or a fresh one while a diagnostics channel
 * listens. lru-cache writes it back onto the options object, and so do we.
 */
function statusFor<K, V>(
  options: { status?: Status<K, V> },
  listening: boolean,
): Status<K, V> | undefined {
  const status = options.status !== undefined ? options.status : listening ? {} : undefined;
  options.status = status;
  return status;
}

/**
 * lru-cache's type namespace, merged with the class as lru-cache merges it, so that
 * `LRUCache.Options<K, V, FC>` and the rest resolve after switching the import.
 */
export declare namespace LRUCache {
  type Size = Types.Size;
  type Milliseconds = Types.Milliseconds;
  type Count = Types.Count;
  type DisposeReason = Types.DisposeReason;
  type Disposer<K, V> = Types.Disposer<K, V>;
  type InsertReason = Types.InsertReason;
  type Inserter<K, V> = Types.Inserter<K, V>;
  type SizeCalculator<K, V> = Types.SizeCalculator<K, V>;
  type FetcherOptions<K, V, FC = unknown> = Types.FetcherOptions<K, V, FC>;
  type Fetcher<K, V, FC = unknown> = Types.Fetcher<K, V, FC>;
  type MemoizerOptions<K, V, FC = unknown> = Types.MemoizerOptions<K, V, FC>;
  type Memoizer<K, V, FC = unknown> = Types.Memoizer<K, V, FC>;
  type Status<K, V> = Types.Status<K, V>;
  type FetcherFetchOptions<K, V, FC = unknown> = Types.FetcherFetchOptions<K, V, FC>;
  type FetchOptions<K, V, FC> = Types.FetchOptions<K, V, FC>;
  type FetchOptionsWithContext<K, V, FC> = Types.FetchOptionsWithContext<K, V, FC>;
  type FetchOptionsNoContext<K, V> = Types.FetchOptionsNoContext<K, V>;
  type MemoOptions<K, V, FC = unknown> = Types.MemoOptions<K, V, FC>;
  type MemoOptionsWithContext<K, V, FC> = Types.MemoOptionsWithContext<K, V, FC>;
  type MemoOptionsNoContext<K, V> = Types.MemoOptionsNoContext<K, V>;
  type MemoizerMemoOptions<K, V, FC = unknown> = Types.MemoizerMemoOptions<K, V, FC>;
  type HasOptions<K, V, FC> = Types.HasOptions<K, V, FC>;
  type GetOptions<K, V, FC> = Types.GetOptions<K, V, FC>;
  type PeekOptions<K, V, FC> = Types.PeekOptions<K, V, FC>;
  type SetOptions<K, V, FC> = Types.SetOptions<K, V, FC>;
  type OptionsBase<K, V, FC> = Types.OptionsBase<K, V, FC>;
  type OptionsMaxLimit<K, V, FC> = Types.OptionsMaxLimit<K, V, FC>;
  type OptionsTTLLimit<K, V, FC> = Types.OptionsTTLLimit<K, V, FC>;
  type OptionsSizeLimit<K, V, FC> = Types.OptionsSizeLimit<K, V, FC>;
  type Options<K, V, FC> = Types.Options<K, V, FC>;
  type Entry<V> = Types.Entry<V>;
}
