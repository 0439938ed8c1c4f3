import {
  booleanOption,
  describeValue,
  type EngineOption,
  functionOption,
  positiveInteger,
  positiveNumber,
  rejectUnknownOptions,
  validateEngineOption,
} from '@bulwark/engine-kit';
import { type Clock, coarseClock } from './clock.js';
import type { DisposeReason } from './engine/types.js';
import { type Serializer, serializerOption } from './serializer.js';

export interface TtlCacheOptions<K, V> {
  /** Most entries kept; the least recently used leaves first. Default: no entry bound. */
  max?: number;
  /**
   * Bound on the sum of entry sizes. With `sizeCalculation`, in its units; without it, in
   * bytes that the native engine measures itself (and `auto` picks native). Default: none.
   */
  maxSize?: number;
  /**
   * Size of one entry, counted against `maxSize`: a positive number. Needed on the js
   * engine; on native, leave it out to count each entry's real bytes. Default: none.
   */
  sizeCalculation?: (value: V, key: K) => number;
  /** Largest single entry; a larger one is refused, not stored. Default: `maxSize`. */
  maxEntrySize?: number;
  /** Time to live in ms for entries set without their own; 0 for none. Default: 0. */
  ttl?: number;
  /** Remove stale entries in the background (one unref'd timer per cache). Default: false. */
  ttlAutopurge?: boolean;
  /** Reading an entry restarts its TTL. Default: false. */
  updateAgeOnGet?: boolean;
  /** `has` restarts the TTL of an entry it finds. Default: false. */
  updateAgeOnHas?: boolean;
  /** `get` returns a stale value once (and deletes it) instead of nothing. Default: false. */
  allowStale?: boolean;
  /** A stale `get` leaves the entry in place. Default: false. */
  noDeleteOnStaleGet?: boolean;
  /**
   * Stale-if-error, in ms: an entry is kept this long past its TTL, and when a `fetch`
   * loader fails (throws or rejects) for a key whose value went stale less than this long
   * ago, `fetch` answers that value instead of the error. Meanwhile the entry is stale to
   * everything else (`get`, `has`, `peek` miss it, as after its TTL). Default: 0 (off).
   * Cost: expired entries hold their memory, and count in `size` and against `max` and
   * `maxSize`, for this long after their TTL.
   */
  staleIfError?: number;
  /**
   * Soft timeout, in ms, for `fetch` with `staleIfError`: when the key has a stale value
   * within that window and the loader has not answered in this long, `fetch` answers the
   * stale value; the load goes on and fills the cache for later calls. Default: 0 (wait
   * for the loader). Cost: one unref'd timer per waiting `fetch` that has a stale value.
   */
  softTimeout?: number;
  /** Called after an entry leaves, with why. Default: none. */
  dispose?: (value: V, key: K, reason: DisposeReason) => void;
  /** `auto` (default), `js` or `native`; `BULWARK_ENGINE` overrides `auto`. */
  engine?: EngineOption;
  /**
   * How the native engine stores values that are not strings or Buffers. Giving one makes
   * `auto` pick native. Default: `structuredCloneSerializer` (node:v8 serialize).
   */
  serializer?: Serializer;
  /** Source of time in ms; inject one to drive expiry in tests. Default: `performance.now`. */
  clock?: Clock;
  /**
   * With the default clock, read the time at most once per this many ms (0: on every call).
   * Default: 1. Ignored when `clock` is given.
   */
  ttlResolution?: number;
}

/** Options after validation, with every default filled in. */
export interface ResolvedOptions<K, V> {
  max: number;
  maxSize: number;
  sizeCalculation: ((value: V, key: K) => number) | undefined;
  maxEntrySize: number;
  ttl: number;
  ttlAutopurge: boolean;
  updateAgeOnGet: boolean;
  updateAgeOnHas: boolean;
  allowStale: boolean;
  noDeleteOnStaleGet: boolean;
  staleIfError: number;
  softTimeout: number;
  dispose: ((value: V, key: K, reason: DisposeReason) => void) | undefined;
  engine: EngineOption;
  serializer: Serializer;
  /** Whether the caller chose the serializer (and so chose to store values as bytes). */
  serializerGiven: boolean;
  clock: Clock;
}

/** Every option name, checked against the interface by the compiler: a new option must be listed. */
const KNOWN_OPTIONS: Record<keyof TtlCacheOptions<unknown, unknown>, true> = {
  max: true,
  maxSize: true,
  sizeCalculation: true,
  maxEntrySize: true,
  ttl: true,
  ttlAutopurge: true,
  updateAgeOnGet: true,
  updateAgeOnHas: true,
  allowStale: true,
  noDeleteOnStaleGet: true,
  staleIfError: true,
  softTimeout: true,
  dispose: true,
  engine: true,
  serializer: true,
  clock: true,
  ttlResolution: true,
};

export function resolveOptions<K, V>(options: TtlCacheOptions<K, V>): ResolvedOptions<K, V> {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(
      'TtlCache: options must be an object with at least one of max, maxSize, ttl',
    );
  }
  // `{ max: 10, tll: 1000 }` would be a cache that never expires.
  rejectUnknownOptions('TtlCache', options, Object.keys(KNOWN_OPTIONS));
  const max = optional(options.max, 0, (v) => positiveInteger('max', v));
  const maxSize = optional(options.maxSize, 0, (v) => positiveNumber('maxSize', v));
  const ttl = duration('ttl', options.ttl);
  if (max === 0 && maxSize === 0 && ttl === 0) {
    throw new TypeError(
      'TtlCache: set at least one of max, maxSize, ttl: an unbounded cache is a leak',
    );
  }
  const staleIfError = duration('staleIfError', options.staleIfError, 'off');
  const softTimeout = duration('softTimeout', options.softTimeout, 'none');
  if (softTimeout > 0 && staleIfError === 0) {
    throw new TypeError(
      'softTimeout needs staleIfError: it answers the stale values that staleIfError keeps',
    );
  }
  // maxSize without sizeCalculation is checked once the engine is known: native measures.
  const sizeCalculation = optional(options.sizeCalculation, undefined, (v) =>
    functionOption<(value: V, key: K) => number>('sizeCalculation', v),
  );
  const maxEntrySize =
    optional(options.maxEntrySize, 0, (v) => positiveNumber('maxEntrySize', v)) || maxSize;
  if (maxSize > 0 && maxEntrySize > maxSize) {
    throw new RangeError(`maxEntrySize (${maxEntrySize}) must not exceed maxSize (${maxSize})`);
  }
  const serializer = serializerOption(options.serializer);
  const ttlResolution =
    options.ttlResolution === undefined
      ? 1
      : duration('ttlResolution', options.ttlResolution, 'a clock read on every call');
  const clock = options.clock ?? coarseClock(ttlResolution);
  if (typeof clock?.now !== 'function') {
    throw new TypeError(`clock must have a now() function; got ${describeValue(clock)}`);
  }
  return Object.freeze({
    max,
    maxSize,
    sizeCalculation,
    maxEntrySize,
    ttl,
    ttlAutopurge: optional(options.ttlAutopurge, false, (v) => booleanOption('ttlAutopurge', v)),
    updateAgeOnGet: optional(options.updateAgeOnGet, false, (v) =>
      booleanOption('updateAgeOnGet', v),
    ),
    updateAgeOnHas: optional(options.updateAgeOnHas, false, (v) =>
      booleanOption('updateAgeOnHas', v),
    ),
    allowStale: optional(options.allowStale, false, (v) => booleanOption('allowStale', v)),
    noDeleteOnStaleGet: optional(options.noDeleteOnStaleGet, false, (v) =>
      booleanOption('noDeleteOnStaleGet', v),
    ),
    staleIfError,
    softTimeout,
    dispose: optional(options.dispose, undefined, (v) =>
      functionOption<(value: V, key: K, reason: DisposeReason) => void>('dispose', v),
    ),
    engine: validateEngineOption(options.engine),
    serializer,
    serializerGiven: options.serializer !== undefined,
    clock,
  });
}

/**
 * A duration in ms: 0 (none) or positive and finite; above 2^31 ms is fine, no timer holds
 * it. `zeroMeans` completes the error message.
 */
export function duration(name: string, value: unknown, zeroMeans = 'no expiry'): number {
  if (value === undefined) return 0;
  const wanted = `${name} must be a finite number of ms >= 0 (0 for ${zeroMeans})`;
  if (typeof value !== 'number') throw new TypeError(`${wanted}; got ${describeValue(value)}`);
  if (!Number.isFinite(value) || value < 0) {
    throw new RangeError(`${wanted}; got ${describeValue(value)}`);
  }
  return value;
}

/** An optional option: its default when not given, else checked by `check`. */
function optional<T>(value: unknown, fallback: T, check: (value: unknown) => T): T {
  return value === undefined ? fallback : check(value);
}
