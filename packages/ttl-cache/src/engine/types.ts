/** Why an entry left the cache, as `dispose` is told. */
export type DisposeReason = 'evict' | 'expire' | 'delete' | 'set' | 'clear';

/** Behaviour both engines fix when they are built. */
export interface StorePolicy {
  /** Entry bound; 0 for none. */
  max: number;
  /** Bound on the sum of entry sizes; 0 for none. */
  maxSize: number;
  allowStale: boolean;
  updateAgeOnGet: boolean;
  updateAgeOnHas: boolean;
  noDeleteOnStaleGet: boolean;
  /**
   * How long a stale entry stays after its TTL, where only `peek` finds it (the cache's
   * `staleIfError`); reads treat it as gone. 0 removes entries as they go stale.
   */
  staleKeptMs: number;
  /** Keep removed entries for `takeRemoved`, which feeds `dispose`. */
  trackRemovals: boolean;
  /** Native only: size each entry by its bytes in the store; `set` ignores its `size`. */
  measureSizes: boolean;
  /** With `measureSizes`: the engine refuses entries measured above this; 0 for none. */
  maxEntrySize: number;
}

/** What each engine counts; `stats()` reports these with the cache's own figures. */
export interface StoreCounters {
  /** Reads that found a fresh value. */
  hits: number;
  /** Reads that found nothing usable (absent, or stale without `allowStale`). */
  misses: number;
  /** Reads answered with a stale value (`allowStale`, stale-while-revalidate). */
  staleHits: number;
  sets: number;
  deletes: number;
  /** Entries pushed out by a bound (`max`, `maxSize`, `shrink`). */
  evictions: number;
  /** Entries removed because they went stale. */
  expirations: number;
}

export interface StoredEntry<K, V> {
  key: K;
  value: V;
  size: number;
  /** The entry's TTL in ms; 0 for none. */
  ttl: number;
  /** ms left before it is stale; Infinity without a TTL. */
  remainingTtl: number;
}

export interface Removal<K, V> {
  key: K;
  value: V;
  reason: DisposeReason;
}

/**
 * What an engine implements: storage, recency, expiry and counters. Clock readings come in
 * as `now` so that both engines see the same time. `TtlCache` layers validation,
 * `dispose`, loads and timers on top, the same for both.
 */
export interface StoreEngine<K, V> {
  readonly size: number;
  readonly calculatedSize: number;
  get(key: K, now: number): V | undefined;
  /**
   * Reads without touching recency or age: a fresh value, or one stale for less than
   * `staleWithin` ms (0: fresh only; Infinity: any stale value still held).
   */
  peek(key: K, now: number, staleWithin: number): V | undefined;
  has(key: K, now: number): boolean;
  /**
   * Stores `value`; the caller has already refused given sizes above `maxEntrySize`. False
   * when a measured size was above it: nothing is stored and the key's old value is gone.
   */
  set(key: K, value: V, size: number, ttl: number, now: number): boolean;
  delete(key: K): boolean;
  clear(): void;
  /** Starts or stops keeping removed entries for `takeRemoved` (stopping drops the rest). */
  trackRemovals(on: boolean): void;
  remainingTtl(key: K, now: number): number;
  purgeStale(now: number): number;
  /** When the next entry with a TTL goes stale; Infinity if none has one. */
  earliestExpiry(): number;
  shrinkTo(maxEntries: number, maxSize: number): number;
  counters(): StoreCounters;
  /** Live entries, most recently used first (stale ones too under `allowStale`). */
  entries(now: number): StoredEntry<K, V>[];
  takeRemoved(): Removal<K, V>[];
}
