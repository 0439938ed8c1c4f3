import { randomUUID } from 'node:crypto';
import {
  type Clock,
  clockOption,
  type EngineOption,
  nonNegativeInteger,
  positiveInteger,
  positiveNumber,
  rejectUnknownOptions,
  validateEngineOption,
  wallClock,
} from '@bulwark/engine-kit';
import {
  ALGORITHMS,
  type Algorithm,
  type AlgorithmName,
  Concurrency,
  FixedWindow,
  Gcra,
  SlidingWindow,
  TokenBucket,
} from './algorithms/index.js';
import { twin } from './native-binding.js';
import { MemoryStore } from './stores/memory-store.js';
import { SharedMemoryStore } from './stores/shared-memory-store.js';
import type { RateLimitStore } from './stores/types.js';

export interface RateLimiterOptions {
  /** Default `token-bucket`. See the README for when to choose each. */
  algorithm?: AlgorithmName;
  /** token-bucket, gcra: units earned per `intervalMs`. Required. */
  rate?: number;
  /** token-bucket, gcra: the period `rate` is per, in ms. Default 1000. */
  intervalMs?: number;
  /** token-bucket, gcra: the most spent at once. Default: `rate`, rounded up. */
  burst?: number;
  /** fixed-window, sliding-window: units per window; concurrency: units in flight. Required. */
  limit?: number;
  /** fixed-window, sliding-window: the window, in ms. Required. */
  windowMs?: number;
  /** concurrency: a lease not released ends by itself after this, in ms. Default 60000. */
  leaseMs?: number;
  /**
   * Where keys' state lives. Default: a store of this limiter's own, in the engine that
   * `engine` picks: `memoryStore()` (js) or a private `sharedMemoryStore()` (native).
   */
  store?: RateLimitStore;
  /**
   * The engine of the limiter's own store, when `store` is not given (the store is the
   * engine). Default `auto`: js, unless `BULWARK_ENGINE` says otherwise.
   */
  engine?: EngineOption;
  /** Put before every key, so limiters can share a store. Default ''. */
  prefix?: string;
  /** A denied key stays denied this long, in ms (for abuse, not for pacing). Default 0: off. */
  blockDurationMs?: number;
  /** Milliseconds now: a `Clock` (`{ now() }`) or a function. Default: the wall clock (`Date.now`). */
  clock?: Clock | (() => number);
}

export interface ResolvedOptions {
  algorithm: Algorithm;
  store: RateLimitStore;
  ownStore: boolean;
  /** Why the store runs the engine it does. */
  engineReason: string;
  prefix: string;
  blockDurationMs: number;
  clock: () => number;
}

const RATE_OPTIONS = ['rate', 'intervalMs', 'burst'] as const;
const WINDOW_OPTIONS = ['limit', 'windowMs'] as const;

/** Builds the algorithm from its options, refusing options that belong to another one. */
export function resolveOptions(options: RateLimiterOptions): ResolvedOptions {
  if (options === null || typeof options !== 'object') {
    throw new TypeError('RateLimiter needs options, e.g. { rate: 10, burst: 20 }');
  }
  const name = options.algorithm ?? 'token-bucket';
  if (!ALGORITHMS.includes(name)) {
    throw new TypeError(
      `algorithm must be one of ${ALGORITHMS.map((a) => `"${a}"`).join(', ')}; got ${JSON.stringify(name)}`,
    );
  }
  rejectUnknownOptions('RateLimiter', options, KNOWN_OPTIONS);
  const { store, engineReason } = storeFor(options);
  if (typeof store.consume !== 'function' || typeof store.refund !== 'function') {
    throw new TypeError(
      'store must be a rate limit store: memoryStore(), sharedMemoryStore() or redisStore()',
    );
  }
  if (options.prefix !== undefined && typeof options.prefix !== 'string') {
    throw new TypeError(`prefix must be a string, got ${typeof options.prefix}`);
  }
  // Resolved once, complete and frozen: nothing reads the raw options afterwards.
  return Object.freeze({
    algorithm: buildAlgorithm(name, options),
    store,
    ownStore: options.store === undefined,
    engineReason,
    prefix: options.prefix ?? '',
    blockDurationMs:
      options.blockDurationMs === undefined
        ? 0
        : nonNegativeInteger('blockDurationMs', options.blockDurationMs),
    clock: clockOption('clock', options.clock, wallClock),
  });
}

const KNOWN_OPTIONS = [
  'algorithm',
  'rate',
  'intervalMs',
  'burst',
  'limit',
  'windowMs',
  'leaseMs',
  'store',
  'engine',
  'prefix',
  'blockDurationMs',
  'clock',
];

/** The given store, or one of the limiter's own in the engine `engine` resolves to. */
function storeFor(options: RateLimiterOptions): { store: RateLimitStore; engineReason: string } {
  if (options.store !== undefined) {
    if (options.engine !== undefined) {
      throw new TypeError(
        'engine picks the store a limiter makes for itself; with store given, the store is the engine ' +
          '(memoryStore() is js, sharedMemoryStore() is native)',
      );
    }
    return { store: options.store, engineReason: 'the store option' };
  }
  const resolution = twin.resolve(validateEngineOption(options.engine));
  if (resolution.error) throw resolution.error;
  const store =
    resolution.engine === 'native'
      ? // A name of its own: the limiter's keys are its own, as with memoryStore().
        new SharedMemoryStore({ name: `limiter:${randomUUID()}` })
      : new MemoryStore();
  return { store, engineReason: resolution.reason };
}

function buildAlgorithm(name: AlgorithmName, o: RateLimiterOptions): Algorithm {
  if (name === 'token-bucket' || name === 'gcra') {
    refuse(name, o, [...WINDOW_OPTIONS, 'leaseMs'], 'rate, intervalMs and burst');
    const rate = positiveNumber('rate', o.rate);
    const intervalMs =
      o.intervalMs === undefined ? 1000 : positiveNumber('intervalMs', o.intervalMs);
    const burst = o.burst === undefined ? Math.ceil(rate) : positiveInteger('burst', o.burst);
    return name === 'gcra'
      ? new Gcra(rate, intervalMs, burst)
      : new TokenBucket(rate, intervalMs, burst);
  }
  if (name === 'concurrency') {
    refuse(name, o, [...RATE_OPTIONS, 'windowMs'], 'limit and leaseMs');
    const leaseMs = o.leaseMs === undefined ? 60_000 : positiveInteger('leaseMs', o.leaseMs);
    return new Concurrency(positiveInteger('limit', o.limit), leaseMs);
  }
  refuse(name, o, [...RATE_OPTIONS, 'leaseMs'], 'limit and windowMs');
  const limit = positiveInteger('limit', o.limit);
  const windowMs = positiveInteger('windowMs', o.windowMs);
  return name === 'fixed-window'
    ? new FixedWindow(limit, windowMs)
    : new SlidingWindow(limit, windowMs);
}

function refuse(
  name: string,
  o: RateLimiterOptions,
  foreign: readonly string[],
  takes: string,
): void {
  for (const option of foreign) {
    if ((o as Record<string, unknown>)[option] !== undefined) {
      throw new TypeError(
        `${option} does not apply to the ${name} algorithm, which takes ${takes}`,
      );
    }
  }
}
