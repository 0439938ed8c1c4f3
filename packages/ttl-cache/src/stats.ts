import type { StoreCounters } from './engine/types.js';

/** What `stats()` returns: counters since the cache was built, and its current fill. */
export interface CacheStats extends StoreCounters {
  /** Loader calls made by `fetch` and `cached`. */
  loads: number;
  loadErrors: number;
  size: number;
  calculatedSize: number;
  /** (hits + staleHits) / all reads; 0 before the first read. */
  hitRate: number;
}
