import { wallClock } from '@bulwark/engine-kit';
/**
 * What `cacheTransport` must provide: opossum's contract. `set` receives an absolute
 * expiry time in ms (0 for none), despite opossum naming the parameter `ttl`.
 */
export interface CacheTransport {
  get(key: string): unknown | undefined;
  set(key: string, value: unknown, expiresAt: number): void;
  flush(): void;
  delete?(key: string): void;
}

/** The largest number of entries a Map takes. */
const MAP_LIMIT = 2 ** 24 - 1;

/**
 * The default cache transport and the coalescing cache: a Map bounded by entry count
 * that drops its oldest entry when full, and expires entries when they are read.
 */
export class MemoryCache implements CacheTransport {
  readonly maxEntries: number;
  readonly #entries = new Map<string, { value: unknown; expiresAt: number }>();
  readonly #clock: () => number;

  constructor(maxEntries?: number, clock: () => number = wallClock.now) {
    this.maxEntries = maxEntries ?? MAP_LIMIT;
    this.#clock = clock;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(key: string): unknown | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt === 0 || entry.expiresAt > this.#clock()) return entry.value;
    this.#entries.delete(key);
    return undefined;
  }

  set(key: string, value: unknown, expiresAt: number): void {
    if (this.#entries.size >= this.maxEntries && !this.#entries.has(key)) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
    this.#entries.set(key, { value, expiresAt });
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }

  flush(): void {
    this.#entries.clear();
  }
}
