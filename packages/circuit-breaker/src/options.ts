import type { EventEmitter } from 'node:events';
import {
  type Clock,
  clockOption,
  type EngineOption,
  validateEngineOption,
  wallClock,
  warnUnknownOptions,
} from '@bulwark/engine-kit';
import type { IBreaker } from 'cockatiel';
import type { CircuitStore } from './circuit/shared-circuit.js';
import { type CacheTransport, MemoryCache } from './response-cache.js';
import { DEFAULT_TIMED_CALLS_PER_BUCKET, type Stats, type Status } from './status.js';
import {
  integerAtLeast,
  nonNegativeNumber,
  optionalFunction,
  positiveNumber,
  requireNumber,
} from './validate.js';

/** What `toJSON().state` holds, and what `options.state` restores. */
export interface CircuitSnapshotState {
  name: string;
  enabled: boolean;
  closed: boolean;
  open: boolean;
  halfOpen: boolean;
  warmUp: boolean;
  shutdown: boolean;
  lastTimerAt: number | undefined;
}

export type CoalesceResetOn = 'error' | 'success' | 'timeout';

/**
 * Every option of opossum 8, with its default and meaning, plus Bulwark's own at the
 * end. Defaults are opossum's; where opossum has a known bug, the fix is the default
 * and the old behaviour is an option.
 */
export interface CircuitBreakerOptions<TI extends unknown[] = unknown[]> {
  /** ms before a call fails with ETIMEDOUT; `false` or 0 for none. Default 10000. Cost: none per call (one timer per breaker). */
  timeout?: number | false;
  /** ms the circuit stays open before it lets probes through (half-open). Default 30000. */
  resetTimeout?: number;
  /** Opens when more than this percentage of the window's calls failed. Default 50. */
  errorThresholdPercentage?: number;
  /** Length of the rolling statistics window, ms. Default 10000. */
  rollingCountTimeout?: number;
  /** Buckets the window is cut into. Default 10. */
  rollingCountBuckets?: number;
  /** Keep latency percentiles (a fixed-size histogram per bucket, under 1 KiB). Default true. */
  rollingPercentilesEnabled?: boolean;
  /**
   * Calls of each rolling bucket that are all timed (two clock reads, about 80 ns on a
   * VM). Past that, timing turns to a sample: 1 call in 2, then 1 in 4, ... at most 1 in
   * 64 as the bucket fills, each timed latency weighted by the calls it stands for, so
   * `stats` percentiles and mean estimate every call's latency while all counts stay
   * exact. Every call is timed anyway while a 'success' or 'failure' listener, a
   * `timeout`, a cache or a slow-call rule needs its latency. `Infinity` times every
   * call, as opossum does. Default 1000.
   */
  timedCallsPerBucket?: number;
  /** Calls the window must hold before the circuit may open. Default 0. */
  volumeThreshold?: number;
  /** Calls allowed in flight at once; more fail with ESEMLOCKED. Default unlimited. */
  capacity?: number;
  /** Do not open during the first `rollingCountTimeout` ms. Default false. */
  allowWarmUp?: boolean;
  /** Return true for errors that must not count as failures (they still reject the caller). */
  errorFilter?: (error: any, ...args: TI) => boolean;
  /** Cache successful results by `cacheGetKey(...args)`. Default false. */
  cache?: boolean;
  /** ms a cached result lives; 0 for ever. Default 0. */
  cacheTTL?: number;
  /** The cache and coalescing key. Default `JSON.stringify(args)`. */
  cacheGetKey?: (...args: TI) => string;
  /** Where cached results live: an object with get, set and flush. Default an in-memory Map. */
  cacheTransport?: CacheTransport;
  /** Entries the default cache transport holds. Default 2^24 - 1. */
  cacheSize?: number;
  /** Share one in-flight call between callers with the same key. Default false. */
  coalesce?: boolean;
  /** ms a coalesced call is shared. Default: `timeout`. */
  coalesceTTL?: number;
  /** Outcomes after which the coalesced call stops being shared. Default none. */
  coalesceResetOn?: CoalesceResetOn[];
  /** Entries the coalescing cache holds. Default 2^24 - 1. */
  coalesceSize?: number;
  /** Aborted when a call times out, so the action can stop its work. */
  abortController?: AbortController;
  /** Replace an aborted `abortController` when the circuit closes or goes half-open. Default false. */
  autoRenewAbortController?: boolean;
  /** Whether the breaker protects calls at all; disabled, calls go straight through. Default true. */
  enabled?: boolean;
  /** Default: the action's name, or a random UUID. */
  name?: string;
  /** Default: `name`. */
  group?: string;
  /** Emit `snapshot` (stats every bucket interval) to listeners. Default true; no timer runs without a listener. */
  enableSnapshots?: boolean;
  /** Rotate buckets when this emitter emits `rotate`, instead of by time. */
  rotateBucketController?: EventEmitter;
  /** A status (or its stats) to start from: see `CircuitBreaker.newStatus`. */
  status?: Status | Partial<Stats>;
  /** A state from `toJSON().state` to start in. */
  state?: Partial<CircuitSnapshotState>;
  /** @deprecated opossum ignores it too; use errorThresholdPercentage. */
  maxFailures?: number;

  // Bulwark's own options.

  /**
   * The rule that opens the circuit: any cockatiel `IBreaker`, including this package's
   * (`consecutiveBreaker`, `countWindowBreaker`, `timeWindowBreaker`, `slowCallBreaker`,
   * `adaptiveBreaker`). Default: opossum's rule over the rolling window
   * (`errorThresholdPercentage` and `volumeThreshold`).
   */
  breaker?: IBreaker;
  /**
   * Probes let through when half-open; the circuit closes when all of them succeed and
   * reopens on the first that fails. Default 1 (opossum's: one probe, other callers rejected).
   */
  halfOpenProbes?: number;
  /**
   * Opossum lets the result of any call close or reopen a half-open circuit, including
   * calls that started before it opened (its issue #381), and stays half-open for ever if
   * the probe never settles. Default true: only probes decide, and a probe that has not
   * settled after `resetTimeout` ms gives its slot to another caller. `false` restores
   * opossum's behaviour.
   */
  strictHalfOpen?: boolean;
  /** Milliseconds now: a `Clock` (`{ now() }`) or a function. Default: the wall clock (`Date.now()`, read at each call, so fake timers work). */
  clock?: Clock | (() => number);
  /**
   * Where the circuit's state lives. `js`: in this object. `native`: in the Rust twin,
   * where every breaker with the same `name` in any worker thread of the process shares
   * one circuit (state, window, half-open probes), so a dependency that fails in one
   * thread is cut off in all. Default `auto`: js (or `BULWARK_ENGINE`); a native call
   * costs a boundary crossing (~100 ns), so share only what should be shared.
   */
  engine?: EngineOption;
  /**
   * Keeps the circuit in a store shared by processes: `redisStore({ client })`. Breakers
   * with the same `name` on any machine then share one circuit (see the README). While
   * the store does not answer, each breaker breaks on its own state, and rejoins after.
   * Default: none.
   */
  store?: CircuitStore;
}

/**
 * The options as the breaker uses them: defaults filled in, and opossum's stand-ins
 * applied (`timeout: 0` is no timeout, `rollingCountBuckets: 0` is 10). Read by the
 * breaker only; users read `breaker.options` (see `optionsView`).
 */
export interface ResolvedOptions<TI extends unknown[]> {
  timeout: number | false;
  resetTimeout: number;
  /** How long `allowWarmUp` holds the circuit closed: `rollingCountTimeout` as given. */
  warmUpMs: number;
  errorThresholdPercentage: number;
  rollingCountTimeout: number;
  rollingCountBuckets: number;
  rollingPercentilesEnabled: boolean;
  timedCallsPerBucket: number;
  capacity: number;
  errorFilter: (error: any, ...args: TI) => boolean;
  cache: boolean;
  cacheTTL: number;
  cacheGetKey: (...args: TI) => string;
  coalesce: boolean;
  coalesceTTL: number;
  coalesceResetOn: CoalesceResetOn[];
  enableSnapshots: boolean;
  rotateBucketController: EventEmitter | undefined;
  abortController: AbortController | undefined;
  autoRenewAbortController: boolean;
  halfOpenProbes: number;
  strictHalfOpen: boolean;
  breaker?: IBreaker;
  engine: EngineOption;
  store: CircuitStore | undefined;
  /** The clock as a reading function (a `Clock` or a function given; else the wall clock). */
  clock: () => number;
  volumeThreshold: number;
  allowWarmUp: boolean;
  enabled: boolean;
  /** The response cache: the `cacheTransport` given, or a MemoryCache when `cache` is on. */
  cacheTransport: CacheTransport | undefined;
  /** The coalescing cache when `coalesce` is on (opossum's `options.coalesceCache`). */
  coalesceCache: MemoryCache | undefined;
  [option: string]: unknown;
}

const RESET_ON: CoalesceResetOn[] = ['error', 'success', 'timeout'];

/** Opossum's defaults, with each option checked; a bad value throws naming it. */
/** Every option name, checked against the interface by the compiler: a new option must be listed. */
const KNOWN_OPTIONS: Record<keyof CircuitBreakerOptions, true> = {
  timeout: true,
  resetTimeout: true,
  errorThresholdPercentage: true,
  rollingCountTimeout: true,
  rollingCountBuckets: true,
  rollingPercentilesEnabled: true,
  timedCallsPerBucket: true,
  volumeThreshold: true,
  capacity: true,
  allowWarmUp: true,
  errorFilter: true,
  cache: true,
  cacheTTL: true,
  cacheGetKey: true,
  cacheTransport: true,
  cacheSize: true,
  coalesce: true,
  coalesceTTL: true,
  coalesceResetOn: true,
  coalesceSize: true,
  abortController: true,
  autoRenewAbortController: true,
  enabled: true,
  name: true,
  group: true,
  enableSnapshots: true,
  rotateBucketController: true,
  status: true,
  state: true,
  maxFailures: true,
  breaker: true,
  halfOpenProbes: true,
  strictHalfOpen: true,
  clock: true,
  engine: true,
  store: true,
};

export function resolveOptions<TI extends unknown[]>(
  options: CircuitBreakerOptions<TI>,
): ResolvedOptions<TI> {
  // Opossum takes any key and ignores what it does not know, so a drop-in must too; but a
  // misspelt `timeOut: 10` silently leaves the 10 s default, so say so, once per name.
  warnUnknownOptions(
    'CircuitBreaker',
    options,
    Object.keys(KNOWN_OPTIONS),
    'BULWARK_UNKNOWN_OPTION',
  );
  const timeout = options.timeout ?? 10_000;
  if (timeout !== false) nonNegativeNumber('timeout', timeout);
  if (options.errorThresholdPercentage !== undefined) {
    const percentage = requireNumber('errorThresholdPercentage', options.errorThresholdPercentage);
    // Opossum takes 150 and never opens (failures can never pass 150% of calls): a typo
    // that disables the breaker, so it is refused here rather than found in an outage.
    if (!(percentage >= 0 && percentage <= 100)) {
      throw new RangeError(
        `errorThresholdPercentage must be a percentage from 0 to 100; got ${percentage}`,
      );
    }
  }
  if (options.capacity !== undefined) integerAtLeast('capacity', options.capacity, 0);
  if (options.volumeThreshold !== undefined)
    integerAtLeast('volumeThreshold', options.volumeThreshold, 0);
  if (options.cacheTTL !== undefined) nonNegativeNumber('cacheTTL', options.cacheTTL);
  if (options.coalesceTTL !== undefined) nonNegativeNumber('coalesceTTL', options.coalesceTTL);
  optionalFunction('errorFilter', options.errorFilter);
  optionalFunction('cacheGetKey', options.cacheGetKey);
  if (options.abortController && typeof options.abortController.abort !== 'function') {
    throw new TypeError('AbortController does not contain `abort()` method');
  }
  const transport = options.cacheTransport;
  if (
    transport !== undefined &&
    (typeof transport !== 'object' ||
      typeof transport.get !== 'function' ||
      typeof transport.set !== 'function' ||
      typeof transport.flush !== 'function')
  ) {
    throw new TypeError(
      'options.cacheTransport should be an object with `get`, `set` and `flush` methods',
    );
  }
  const breaker = options.breaker;
  if (
    breaker !== undefined &&
    (typeof breaker !== 'object' ||
      typeof breaker.success !== 'function' ||
      typeof breaker.failure !== 'function')
  ) {
    throw new TypeError(
      'breaker must be a cockatiel IBreaker: an object with success() and failure()',
    );
  }
  const clock = clockOption('clock', options.clock, wallClock);
  const cache = options.cache === true;
  const coalesce = options.coalesce === true;
  // Resolved once and frozen: nothing reads the raw options afterwards. The user's own
  // keys stay readable (opossum's `breaker.options` is the object it was given).
  return Object.freeze({
    ...options,
    clock,
    volumeThreshold:
      options.volumeThreshold === undefined
        ? 0
        : integerAtLeast('volumeThreshold', options.volumeThreshold, 0),
    allowWarmUp: options.allowWarmUp === true,
    enabled: options.enabled !== false,
    // 0 means none, as `false` does.
    timeout: timeout === 0 ? false : timeout,
    // 0: half-open at the next turn of the event loop, as in opossum.
    resetTimeout:
      options.resetTimeout === undefined
        ? 30_000
        : nonNegativeNumber('resetTimeout', options.resetTimeout),
    errorThresholdPercentage: options.errorThresholdPercentage ?? 50,
    // 0 falls back to the default window and buckets, as opossum's Status does; warm-up
    // lasts the value as given (0: it ends at the next turn).
    rollingCountTimeout:
      options.rollingCountTimeout === undefined || options.rollingCountTimeout === 0
        ? 10_000
        : positiveNumber('rollingCountTimeout', options.rollingCountTimeout),
    warmUpMs:
      options.rollingCountTimeout === undefined
        ? 10_000
        : nonNegativeNumber('rollingCountTimeout', options.rollingCountTimeout),
    rollingCountBuckets:
      options.rollingCountBuckets === undefined || options.rollingCountBuckets === 0
        ? 10
        : integerAtLeast('rollingCountBuckets', options.rollingCountBuckets, 1),
    rollingPercentilesEnabled: options.rollingPercentilesEnabled !== false,
    timedCallsPerBucket: timedCallsPerBucket(options.timedCallsPerBucket),
    capacity: options.capacity ?? Number.MAX_SAFE_INTEGER,
    errorFilter: options.errorFilter ?? (() => false),
    cache,
    cacheTTL: options.cacheTTL ?? 0,
    cacheGetKey: options.cacheGetKey ?? ((...args: TI) => JSON.stringify(args)),
    cacheTransport: transport ?? (cache ? new MemoryCache(options.cacheSize, clock) : undefined),
    coalesce,
    coalesceCache: coalesce ? new MemoryCache(options.coalesceSize, clock) : undefined,
    coalesceTTL: options.coalesceTTL ?? (timeout === false ? 0 : timeout),
    coalesceResetOn: (options.coalesceResetOn ?? []).filter((o) => RESET_ON.includes(o)),
    enableSnapshots: options.enableSnapshots !== false,
    rotateBucketController: options.rotateBucketController,
    abortController:
      options.abortController ??
      (options.autoRenewAbortController ? new AbortController() : undefined),
    autoRenewAbortController: options.autoRenewAbortController === true,
    halfOpenProbes:
      options.halfOpenProbes === undefined
        ? 1
        : integerAtLeast('halfOpenProbes', options.halfOpenProbes, 1),
    strictHalfOpen: options.strictHalfOpen !== false,
    engine: validateEngineOption(options.engine),
    store: validateStore(options.store),
  });
}

/** The option values opossum keeps as given where the breaker uses a stand-in. */
const AS_GIVEN = {
  timeout: 10_000,
  rollingCountTimeout: 10_000,
  rollingCountBuckets: 10,
} as const;

/**
 * What `breaker.options` shows: every option with opossum's default written in, each
 * value as opossum reads it back (`timeout: 0` stays 0, `rollingCountBuckets: 0` stays
 * 0), plus the caches opossum puts there (`cacheTransport`, `coalesceCache`). Frozen:
 * options are read once, at construction (opossum reads `timeout` again at each call, so
 * there a later assignment changes it; here it throws).
 */
export function optionsView<TI extends unknown[]>(
  given: CircuitBreakerOptions<TI>,
  resolved: ResolvedOptions<TI>,
): Readonly<ResolvedOptions<TI>> {
  const view: Record<string, unknown> = { ...resolved };
  delete view.warmUpMs;
  for (const [name, fallback] of Object.entries(AS_GIVEN)) {
    view[name] = given[name as keyof typeof AS_GIVEN] ?? fallback;
  }
  return Object.freeze(view) as unknown as Readonly<ResolvedOptions<TI>>;
}

function timedCallsPerBucket(value: unknown): number {
  if (value === undefined) return DEFAULT_TIMED_CALLS_PER_BUCKET;
  if (value === Number.POSITIVE_INFINITY) return value;
  return integerAtLeast('timedCallsPerBucket (or Infinity)', value, 1);
}

function validateStore(store: unknown): CircuitStore | undefined {
  if (store === undefined) return undefined;
  if (
    typeof store !== 'object' ||
    store === null ||
    typeof (store as CircuitStore).join !== 'function'
  ) {
    throw new TypeError('store must be a circuit store, such as redisStore({ client })');
  }
  return store as CircuitStore;
}
