import { describeValue, warnUnknownOptions } from '@bulwark/engine-kit';

/**
 * generic-pool 3's options, read as generic-pool reads them wherever that gives a working
 * pool (strings of digits count, `max` below 1 means 1, `min` is capped at `max`,
 * non-boolean flags take their default, unknown names are ignored, since configurations
 * written for generic-pool 2 still carry them), with its defects fixed:
 * - `idleTimeoutMillis`, `numTestsPerEvictionRun` and `softIdleTimeoutMillis` take 0
 *   (generic-pool reads them with `||`, so 0 became 30000, 3 and -1);
 * - a negative or non-numeric `acquireTimeoutMillis` or `destroyTimeoutMillis` is refused
 *   here, naming the option (generic-pool took it, then every `acquire` threw);
 * - `testOnBorrow` or `testOnReturn` without `factory.validate` is refused here
 *   (generic-pool hung the first acquire).
 */
export interface Options {
  /** Most resources, borrowed and idle together. Default 1. */
  max?: number;
  /** Fewest resources kept, created at start and refilled. Default 0. */
  min?: number;
  /** Most acquires waiting; more are refused with `max waitingClients count exceeded`. Default: no limit. */
  maxWaitingClients?: number;
  /** Validate a resource before lending it; one that fails is destroyed. Default false. */
  testOnBorrow?: boolean;
  /** Validate a resource when it comes back; one that fails is destroyed. Default false. */
  testOnReturn?: boolean;
  /** ms an acquire waits before it rejects with a `TimeoutError`. Default: no limit (0 too). */
  acquireTimeoutMillis?: number;
  /** ms `factory.destroy` gets before `factoryDestroyError` reports `destroy timed out`. Default: no limit. */
  destroyTimeoutMillis?: number;
  /** Lend the resource idle longest (true) or shortest (false). Default true. */
  fifo?: boolean;
  /** How many priorities `acquire(priority)` takes, 0 the first served. Default 1. */
  priorityRange?: number;
  /** Start (create `min`, run the evictor) at once; otherwise at the first acquire or `start()`. Default true. */
  autostart?: boolean;
  /** ms between runs of the idle evictor; 0 never runs it. Default 0. */
  evictionRunIntervalMillis?: number;
  /** Idle resources each evictor run looks at. Default 3. */
  numTestsPerEvictionRun?: number;
  /** ms idle after which a resource is evicted if more than `min` are idle; 0 or less is off. Default -1. */
  softIdleTimeoutMillis?: number;
  /** ms idle after which a resource is evicted. Default 30000. */
  idleTimeoutMillis?: number;
  /** The Promise class the pool's methods return. Default the global `Promise`. */
  Promise?: PromiseConstructor;
  /** ms before the first retry of a failed create; doubled per failure in a row, with jitter. Default 10. */
  createRetryDelayMillis?: number;
  /** The longest wait between create retries, in ms. Default 10000. */
  createRetryMaxDelayMillis?: number;
}

export interface ResolvedOptions {
  max: number;
  min: number;
  maxWaitingClients: number | undefined;
  testOnBorrow: boolean;
  testOnReturn: boolean;
  acquireTimeoutMillis: number | undefined;
  destroyTimeoutMillis: number | undefined;
  fifo: boolean;
  priorityRange: number;
  autostart: boolean;
  evictionRunIntervalMillis: number;
  numTestsPerEvictionRun: number;
  softIdleTimeoutMillis: number;
  idleTimeoutMillis: number;
  Promise: PromiseConstructor;
  createRetryDelayMillis: number;
  createRetryMaxDelayMillis: number;
}

const flag = (value: unknown, fallback: boolean): boolean =>
  typeof value === 'boolean' ? value : fallback;

/** A number as generic-pool's `parseInt(value, 10)` reads it (`'10'` is 10, `2.9` is 2). */
const integer = (value: unknown): number => Number.parseInt(value as string, 10);

/** A duration that may be left out (or 0: none); anything else must be a positive number. */
function optionalDuration(name: string, value: unknown): number | undefined {
  if (value === undefined || value === null || value === 0 || value === '') return undefined;
  const ms = integer(value);
  if (!(ms > 0)) {
    throw new RangeError(
      `${name} must be a positive number of ms, or 0 for none; got ${describeValue(value)}`,
    );
  }
  return ms;
}

/** A number of ms or a count where 0 is a real value; missing takes the default. */
function numberOr(name: string, value: unknown, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  const n = Number(value);
  if (Number.isNaN(n))
    throw new RangeError(`${name} must be a number; got ${describeValue(value)}`);
  return n;
}

/** Every name `Options` has: the rest are warned about once (generic-pool ignored them silently). */
const KNOWN_OPTIONS: Record<keyof Options, true> = {
  max: true,
  min: true,
  maxWaitingClients: true,
  testOnBorrow: true,
  testOnReturn: true,
  acquireTimeoutMillis: true,
  destroyTimeoutMillis: true,
  fifo: true,
  priorityRange: true,
  autostart: true,
  evictionRunIntervalMillis: true,
  numTestsPerEvictionRun: true,
  softIdleTimeoutMillis: true,
  idleTimeoutMillis: true,
  Promise: true,
  createRetryDelayMillis: true,
  createRetryMaxDelayMillis: true,
};

export function resolveOptions(options: Options | null | undefined): ResolvedOptions {
  const o = (options ?? {}) as Record<string, unknown>;
  // generic-pool ignores names it does not know, and configurations written for version 2
  // still carry some (`log`, `refreshIdle`, `returnToHead`): taken, but said once, since a
  // misspelt `idleTimeoutMilis` silently keeps the 30 s default.
  warnUnknownOptions('createPool', o, Object.keys(KNOWN_OPTIONS), 'BULWARK_UNKNOWN_OPTION');
  const parsedMax = integer(o.max);
  const max = Math.max(Number.isNaN(parsedMax) ? 1 : parsedMax, 1);
  const parsedMin = integer(o.min);
  // Capped at max, and, as in generic-pool, not raised to 0: a negative min reads back as
  // given and means the same as 0.
  const min = Math.min(Number.isNaN(parsedMin) ? 0 : parsedMin, max);
  const PromiseClass = (o.Promise ?? Promise) as PromiseConstructor;
  if (typeof PromiseClass !== 'function') {
    throw new TypeError(`Promise must be a Promise class; got ${describeValue(o.Promise)}`);
  }
  const createRetryDelayMillis = numberOr('createRetryDelayMillis', o.createRetryDelayMillis, 10);
  const createRetryMaxDelayMillis = numberOr(
    'createRetryMaxDelayMillis',
    o.createRetryMaxDelayMillis,
    10_000,
  );
  if (createRetryDelayMillis < 0 || createRetryMaxDelayMillis < createRetryDelayMillis) {
    throw new RangeError(
      `createRetryDelayMillis (${createRetryDelayMillis}) must be 0 or more and at most createRetryMaxDelayMillis (${createRetryMaxDelayMillis})`,
    );
  }
  return {
    max,
    min,
    maxWaitingClients: o.maxWaitingClients === undefined ? undefined : integer(o.maxWaitingClients),
    testOnBorrow: flag(o.testOnBorrow, false),
    testOnReturn: flag(o.testOnReturn, false),
    acquireTimeoutMillis: optionalDuration('acquireTimeoutMillis', o.acquireTimeoutMillis),
    destroyTimeoutMillis: optionalDuration('destroyTimeoutMillis', o.destroyTimeoutMillis),
    fifo: flag(o.fifo, true),
    priorityRange: (o.priorityRange as number) || 1,
    autostart: flag(o.autostart, true),
    evictionRunIntervalMillis: Number(o.evictionRunIntervalMillis) || 0,
    numTestsPerEvictionRun: numberOr('numTestsPerEvictionRun', o.numTestsPerEvictionRun, 3),
    softIdleTimeoutMillis: numberOr('softIdleTimeoutMillis', o.softIdleTimeoutMillis, -1),
    idleTimeoutMillis: numberOr('idleTimeoutMillis', o.idleTimeoutMillis, 30_000),
    Promise: PromiseClass,
    createRetryDelayMillis,
    createRetryMaxDelayMillis,
  };
}
