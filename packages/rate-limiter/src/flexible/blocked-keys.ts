/** Past this many entries, adding one first drops the expired ones. */
const COLLECT_ABOVE = 999;

/**
 * Keys a store limiter refuses in this process without asking its store
 * (`inMemoryBlockOnConsumed`): each with the `Date.now()` ms its block ends.
 */
export class BlockedKeys {
  readonly #until = new Map<string, number>();

  addMs(key: string, ms: number): void {
    this.#until.set(key, Date.now() + ms);
    if (this.#until.size > COLLECT_ABOVE) this.#collectExpired();
  }

  /** ms left of `key`'s block; 0 when it is not blocked. */
  msBeforeExpire(key: string): number {
    const until = this.#until.get(key);
    if (until === undefined) return 0;
    const now = Date.now();
    return until >= now ? until - now : 0;
  }

  delete(key: string): void {
    this.#until.delete(key);
  }

  clear(): void {
    this.#until.clear();
  }

  #collectExpired(): void {
    const now = Date.now();
    for (const [key, until] of this.#until) if (until <= now) this.#until.delete(key);
  }
}
