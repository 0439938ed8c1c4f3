import type { LRUCache, Perf } from './types.js';

/**
 * lru-cache's constructor checks, in its order and with its messages, so that a program
 * (or a test) that catches them sees the same errors after switching the import.
 */

/** A finite integer above 0: what lru-cache calls a positive integer. */
export function isPositiveInteger(n: unknown): n is number {
  return typeof n === 'number' && n > 0 && Number.isFinite(n) && Math.floor(n) === n;
}

/** The global clock as it was when this module loaded, as lru-cache captures it. */
const defaultPerf: Perf =
  typeof performance === 'object' && performance && typeof performance.now === 'function'
    ? performance
    : Date;

export function checkPerf(perf: unknown): Perf {
  if (perf === undefined) return defaultPerf;
  if (typeof (perf as Partial<Perf> | null)?.now !== 'function') {
    throw new TypeError('perf option must have a now() method if specified');
  }
  return perf as Perf;
}

export function checkMax(max: unknown): number {
  if (max !== 0 && !isPositiveInteger(max)) {
    throw new TypeError('max option must be a nonnegative integer');
  }
  if ((max as number) > Number.MAX_SAFE_INTEGER) throw new Error(`invalid max value: ${max}`);
  return max as number;
}

export function checkSizeCalculation(
  sizeCalculation: unknown,
  maxSize: unknown,
  maxEntrySize: unknown,
): void {
  if (!sizeCalculation) return;
  if (!maxSize && !maxEntrySize) {
    throw new TypeError('cannot set sizeCalculation without setting maxSize or maxEntrySize');
  }
  if (typeof sizeCalculation !== 'function') {
    throw new TypeError('sizeCalculation set to non-function');
  }
}

export function checkMethod(value: unknown, message: string): void {
  if (value !== undefined && typeof value !== 'function') throw new TypeError(message);
}

/** Checked only when sizes are tracked (`maxEntrySize`, which defaults to `maxSize`). */
export function checkSizeBounds(maxSize: unknown, maxEntrySize: unknown): void {
  if (maxSize !== 0 && !isPositiveInteger(maxSize)) {
    throw new TypeError('maxSize must be a positive integer if specified');
  }
  if (!isPositiveInteger(maxEntrySize)) {
    throw new TypeError('maxEntrySize must be a positive integer if specified');
  }
}

export function checkTtl(ttl: unknown): void {
  if (ttl && !isPositiveInteger(ttl)) {
    throw new TypeError('ttl must be a positive integer if specified');
  }
}

/** `ttlResolution` falls back to 1 unless it is 0 or a positive integer (no error). */
export function normalTtlResolution(ttlResolution: unknown): number {
  return isPositiveInteger(ttlResolution) || ttlResolution === 0 ? ttlResolution : 1;
}

export function checkBounded(max: number, ttl: number, maxSize: number): void {
  if (max === 0 && ttl === 0 && maxSize === 0) {
    throw new TypeError('At least one of max, maxSize, or ttl is required');
  }
}

const warned = new Set<string>();

/** Once per process (per copy of this module, as lru-cache): a cache bounded by TTL alone. */
export function warnIfUnbounded(
  options: { ttlAutopurge: boolean; max: number; maxSize: number },
  cacheClass: abstract new (...args: never[]) => unknown,
): void {
  if (options.ttlAutopurge || options.max || options.maxSize) return;
  const code = 'LRU_CACHE_UNBOUNDED';
  if (warned.has(code)) return;
  warned.add(code);
  const message =
    'TTL caching without ttlAutopurge, max, or maxSize can result in unbounded memory consumption.';
  if (typeof process === 'object' && typeof process?.emitWarning === 'function') {
    process.emitWarning(message, 'UnboundedCacheWarning', code, cacheClass);
  } else {
    console.error(`[${code}] UnboundedCacheWarning: ${message}`);
  }
}

export type ConstructorOptions<K, V, FC> =
  | LRUCache.Options<K, V, FC>
  | { [P in keyof LRUCache.OptionsBase<K, V, FC>]?: unknown };
