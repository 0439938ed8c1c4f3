import type { EngineOption } from '@bulwark/engine-kit';
import type { Serializer } from '../serializer.js';

/**
 * The types of lru-cache 11.3's `LRUCache` namespace, under the same names and shapes, so
 * that code written against lru-cache type-checks unchanged after switching the import.
 * Each option is documented once, on `OptionsBase`, with its default.
 */
export declare namespace LRUCache {
  type Size = number;
  type Milliseconds = number;
  type Count = number;

  /** Why a value left the cache, as `dispose` and `disposeAfter` are told. */
  type DisposeReason = 'evict' | 'set' | 'delete' | 'expire' | 'fetch';
  type Disposer<K, V> = (value: V, key: K, reason: DisposeReason) => void;
  /** How a value came in, as `onInsert` is told: a new key, the same value, another value. */
  type InsertReason = 'add' | 'update' | 'replace';
  type Inserter<K, V> = (value: V, key: K, reason: InsertReason) => void;
  type SizeCalculator<K, V> = (value: V, key: K) => Size;

  interface FetcherOptions<K, V, FC = unknown> {
    /** Aborted when the fetch is no longer wanted (deleted, replaced, evicted, the caller's signal). */
    signal: AbortSignal;
    /** The options the fetch's result will be stored with; changing them here takes effect. */
    options: FetcherFetchOptions<K, V, FC>;
    context: FC;
  }
  type Fetcher<K, V, FC = unknown> = (
    key: K,
    staleValue: V | undefined,
    options: FetcherOptions<K, V, FC>,
  ) => Promise<V | undefined | void> | V | undefined | void;

  interface MemoizerOptions<K, V, FC = unknown> {
    options: MemoizerMemoOptions<K, V, FC>;
    context: FC;
  }
  type Memoizer<K, V, FC = unknown> = (
    key: K,
    staleValue: V | undefined,
    options: MemoizerOptions<K, V, FC>,
  ) => V;

  /** What one call did, filled in when a `status` object is passed (or a diagnostics channel listens). */
  interface Status<K, V> {
    op?: 'get' | 'set' | 'memo' | 'fetch' | 'delete' | 'has' | 'peek';
    key?: K;
    value?: V;
    context?: unknown;
    forceRefresh?: boolean;
    set?: 'add' | 'update' | 'replace' | 'miss' | 'deleted';
    oldValue?: V;
    entrySize?: Size;
    totalCalculatedSize?: Size;
    maxEntrySizeExceeded?: true;
    ttl?: Milliseconds;
    start?: Milliseconds;
    now?: Milliseconds;
    remainingTTL?: Milliseconds;
    get?: 'stale' | 'hit' | 'miss' | 'fetching' | 'stale-fetching';
    has?: 'hit' | 'stale' | 'miss';
    peek?: 'stale' | 'hit' | 'miss';
    memo?: 'hit' | 'miss';
    fetch?: 'get' | 'inflight' | 'miss' | 'hit' | 'stale' | 'refresh';
    fetchDispatched?: true;
    fetchUpdated?: true;
    fetchError?: Error;
    fetchRejected?: true;
    fetchAborted?: true;
    fetchAbortIgnored?: true;
    fetchResolved?: true;
    returnedStale?: true;
    delete?: DisposeReason;
    trace?: boolean;
  }

  type FetchFlags =
    | 'allowStale'
    | 'updateAgeOnGet'
    | 'noDeleteOnStaleGet'
    | 'sizeCalculation'
    | 'ttl'
    | 'noDisposeOnSet'
    | 'noUpdateTTL'
    | 'noDeleteOnFetchRejection'
    | 'allowStaleOnFetchRejection'
    | 'ignoreFetchAbort'
    | 'allowStaleOnFetchAbort';

  interface FetcherFetchOptions<K, V, FC = unknown>
    extends Pick<OptionsBase<K, V, FC>, FetchFlags> {
    status?: Status<K, V>;
    size?: Size;
  }
  interface FetchOptions<K, V, FC> extends FetcherFetchOptions<K, V, FC> {
    /** Fetch again even when a fresh value is cached. */
    forceRefresh?: boolean;
    /** Passed to `fetchMethod` as `options.context`; never stored. */
    context?: any;
    signal?: AbortSignal;
    status?: Status<K, V>;
  }
  interface FetchOptionsWithContext<K, V, FC> extends FetchOptions<K, V, FC> {
    context: FC;
  }
  interface FetchOptionsNoContext<K, V> extends FetchOptions<K, V, undefined> {
    context?: undefined;
  }

  interface MemoOptions<K, V, FC = unknown> extends Pick<OptionsBase<K, V, FC>, FetchFlags> {
    forceRefresh?: boolean;
    context?: FC;
    status?: Status<K, V>;
  }
  interface MemoOptionsWithContext<K, V, FC> extends MemoOptions<K, V, FC> {
    context: FC;
  }
  interface MemoOptionsNoContext<K, V> extends MemoOptions<K, V, undefined> {
    context?: undefined;
  }
  interface MemoizerMemoOptions<K, V, FC = unknown>
    extends Pick<
      OptionsBase<K, V, FC>,
      | 'allowStale'
      | 'updateAgeOnGet'
      | 'noDeleteOnStaleGet'
      | 'sizeCalculation'
      | 'ttl'
      | 'noDisposeOnSet'
      | 'noUpdateTTL'
    > {
    status?: Status<K, V>;
    size?: Size;
    start?: Milliseconds;
  }

  interface HasOptions<K, V, FC> extends Pick<OptionsBase<K, V, FC>, 'updateAgeOnHas'> {
    status?: Status<K, V>;
  }
  interface GetOptions<K, V, FC>
    extends Pick<OptionsBase<K, V, FC>, 'allowStale' | 'updateAgeOnGet' | 'noDeleteOnStaleGet'> {
    status?: Status<K, V>;
  }
  interface PeekOptions<K, V, FC> extends Pick<OptionsBase<K, V, FC>, 'allowStale'> {
    status?: Status<K, V>;
  }
  interface SetOptions<K, V, FC>
    extends Pick<
      OptionsBase<K, V, FC>,
      'sizeCalculation' | 'ttl' | 'noDisposeOnSet' | 'noUpdateTTL'
    > {
    /** This entry's size; skips `sizeCalculation`. Only with `maxSize` or `maxEntrySize`. */
    size?: Size;
    /** When the entry's TTL started, in `perf.now()` units (0 makes it never go stale). */
    start?: Milliseconds;
    status?: Status<K, V>;
  }

  interface OptionsBase<K, V, FC> {
    /** Most entries held; the least recently used goes first. Default 0 (no count bound). */
    max?: Count;
    /** ms before an entry is stale. Default 0 (never). Costs a timestamp read per write and read. */
    ttl?: Milliseconds;
    /** How long one clock reading is reused for staleness checks, in ms. Default 1; 0 reads every time. */
    ttlResolution?: Milliseconds;
    /** Remove each entry with a TTL by a timer when it goes stale. Default false. One timer per entry. */
    ttlAutopurge?: boolean;
    /** A read restarts the entry's TTL. Default false. */
    updateAgeOnGet?: boolean;
    /** `has` restarts the entry's TTL. Default false. */
    updateAgeOnHas?: boolean;
    /** Reads return a stale value (once; `get` then removes it). Default false. */
    allowStale?: boolean;
    /** Called as each value leaves, with the reason. Default none. */
    dispose?: Disposer<K, V>;
    /** Called as each value comes in. Default none. */
    onInsert?: Inserter<K, V>;
    /** Like `dispose`, but after the operation has finished changing the cache. Default none. */
    disposeAfter?: Disposer<K, V>;
    /** Overwriting a key does not dispose its old value. Default false. */
    noDisposeOnSet?: boolean;
    /** Overwriting a key keeps its TTL running. Default false. */
    noUpdateTTL?: boolean;
    /** Bound on the sum of entry sizes. Default 0 (none). Needs `size` or `sizeCalculation`. */
    maxSize?: Size;
    /** Largest single entry; larger ones are not stored. Default `maxSize`. */
    maxEntrySize?: Size;
    /** Sizes an entry from its value and key. Default none. */
    sizeCalculation?: SizeCalculator<K, V>;
    /** Loads a missing or stale value for `fetch`. Default none (`fetch` is `get`). */
    fetchMethod?: Fetcher<K, V, FC>;
    /** Computes a missing value for `memo`. Default none (`memo` throws). */
    memoMethod?: Memoizer<K, V, FC>;
    /** A failed fetch keeps the stale value in the cache. Default false. */
    noDeleteOnFetchRejection?: boolean;
    /** A stale `get` does not remove the entry. Default false. */
    noDeleteOnStaleGet?: boolean;
    /** A failed fetch resolves with the stale value instead of rejecting. Default false. */
    allowStaleOnFetchRejection?: boolean;
    /** An aborted fetch resolves with the stale value. Default false. */
    allowStaleOnFetchAbort?: boolean;
    /** A fetch keeps going when aborted, and its result is still stored. Default false. */
    ignoreFetchAbort?: boolean;
    /** The clock: any `{ now(): number }` in ms. Default the global `performance`. */
    perf?: Perf;
    /**
     * Not in lru-cache: `auto` (js unless `serializer` is given or `BULWARK_ENGINE` says
     * otherwise), `js` (values on the V8 heap, as they are) or `native` (each value as
     * bytes off the V8 heap, read back as a copy). Default `auto`.
     */
    engine?: EngineOption;
    /** Not in lru-cache: how the native engine turns values other than strings and Buffers into bytes. Default V8 structured clone. */
    serializer?: Serializer;
  }
  interface OptionsMaxLimit<K, V, FC> extends OptionsBase<K, V, FC> {
    max: Count;
  }
  interface OptionsTTLLimit<K, V, FC> extends OptionsBase<K, V, FC> {
    ttl: Milliseconds;
    ttlAutopurge: boolean;
  }
  interface OptionsSizeLimit<K, V, FC> extends OptionsBase<K, V, FC> {
    maxSize: Size;
  }
  type Options<K, V, FC> =
    | OptionsMaxLimit<K, V, FC>
    | OptionsSizeLimit<K, V, FC>
    | OptionsTTLLimit<K, V, FC>;

  /** One entry as `info` and `dump` give it and `load` takes it. */
  interface Entry<V> {
    value: V;
    ttl?: Milliseconds;
    size?: Size;
    start?: Milliseconds;
  }
}

/** A clock: lru-cache's `perf` option. */
export interface Perf {
  now(): number;
}
