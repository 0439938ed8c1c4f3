/** A write this instance made while Redis could not be reached. */
export type UnwrittenWrite<V> =
  | {
      kind: 'set';
      value: V;
      /** The TTL it was set with (0: none). */
      ttl: number;
      /** `Date.now()` when it was made: the replay's claim to be the newer write. */
      writtenAt: number;
    }
  | { kind: 'delete'; writtenAt: number };

/**
 * The sets and deletes this instance made while Redis was unreachable, oldest first, one
 * per key (a key's later write replaces its earlier one and moves to the end), for
 * `TieredCache` to write to Redis when it answers again. At most `max` keys: past that the
 * oldest write is dropped, and counted.
 */
export class UnwrittenWrites<V> {
  readonly #writes = new Map<string, UnwrittenWrite<V>>();
  readonly #max: number;
  /** Writes dropped because `max` keys were already waiting. */
  dropped = 0;

  constructor(max: number) {
    this.#max = max;
  }

  get size(): number {
    return this.#writes.size;
  }

  /** Keeps `write` for `key`, unless a newer write of the key is already waiting. */
  record(key: string, write: UnwrittenWrite<V>): void {
    if (this.#max === 0) {
      this.dropped++;
      return;
    }
    const waiting = this.#writes.get(key);
    if (waiting && waiting.writtenAt > write.writtenAt) return;
    this.#writes.delete(key); // re-inserted last: the map's order is the writes' order
    this.#writes.set(key, write);
    if (this.#writes.size > this.#max) {
      this.#writes.delete(this.#writes.keys().next().value as string);
      this.dropped++;
    }
  }

  /** A newer write of `key` reached Redis: the older one must not be replayed over it. */
  forget(key: string): void {
    this.#writes.delete(key);
  }

  /** Drops `key`'s write if it is still `write` (a newer one may have replaced it meanwhile). */
  settle(key: string, write: UnwrittenWrite<V>): void {
    if (this.#writes.get(key) === write) this.#writes.delete(key);
  }

  /** The waiting writes, oldest first, as they are now. */
  snapshot(): [string, UnwrittenWrite<V>][] {
    return [...this.#writes];
  }
}
