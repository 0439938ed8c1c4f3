/** What `stats()` returns: counters since the cache was built, and its current fill. */
export interface CacheStats {
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
  /** Loader calls made by `fetch` and `cached`. */
  loads: number;
  loadErrors: number;
  size: number;
  calculatedSize: number;
  /** (hits + staleHits) / all reads; 0 before the first read. */
  hitRate: number;
}
