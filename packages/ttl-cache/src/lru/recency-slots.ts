/**
 * Where `LRUCache` keeps its entries: a `Map` from key to slot, parallel arrays per slot,
 * and the slots linked from least to most recently used. It only stores and orders;
 * `LRUCache` decides what each operation means.
 *
 * Slot numbers are observable through behaviour lru-cache users rely on (a fetch that
 * settles writes back only if its slot still holds it, or is empty), so slots are handed
 * out in lru-cache's order: slot 0 when empty, then the last freed slot, then the evicted
 * one, then the next unused.
 */
import type { BackgroundFetch } from './background-fetch.js';
import type { SlotValues } from './slot-values.js';

export class RecencySlots<K, V> {
  readonly index = new Map<K, number>();
  readonly keys: (K | undefined)[] = [];
  /** Per-slot TTLs and start times; created at the first entry with a TTL. */
  ttls: Float64Array | undefined;
  starts: Float64Array | undefined;
  /** Per-slot sizes; created when the cache bounds sizes. */
  sizes: Float64Array | undefined;
  /** Links: `older[i]` is nearer the least recently used end, `newer[i]` the other. */
  older = new Int32Array(16);
  newer = new Int32Array(16);
  /** The least and the most recently used slot (both 0 when empty). */
  oldest = 0;
  newest = 0;
  count = 0;
  readonly free: number[] = [];

  /** The values, kept by the engine: on the heap (js) or as bytes in the twin (native). */
  constructor(readonly values: SlotValues<V>) {}

  trackTtls(): void {
    this.ttls = new Float64Array(this.older.length);
    this.starts = new Float64Array(this.older.length);
  }

  trackSizes(): void {
    this.sizes = new Float64Array(this.older.length);
  }

  /** Whether slot `i` still holds the entry its key maps to (iterators check this). */
  isLive(i: number): boolean {
    return this.index.get(this.keys[i] as K) === i;
  }

  /** Links `key` in as the most recently used entry, in the slot the caller chose. */
  append(slot: number, key: K, value: V | BackgroundFetch<V>, encoded: unknown): void {
    this.#ensureCapacity(slot);
    this.keys[slot] = key;
    this.values.put(slot, value, encoded);
    this.index.set(key, slot);
    this.newer[this.newest] = slot;
    this.older[slot] = this.newest;
    this.newest = slot;
    this.count++;
  }

  touch(i: number): void {
    if (i === this.newest) return;
    if (i === this.oldest) {
      this.oldest = this.newer[i]!;
    } else {
      this.newer[this.older[i]!] = this.newer[i]!;
      this.older[this.newer[i]!] = this.older[i]!;
    }
    this.newer[this.newest] = i;
    this.older[i] = this.newest;
    this.newest = i;
  }

  /**
   * Unlinks slot `i` and frees it. Its own links stay as they were, so an iterator standing
   * on it still finds its way on.
   */
  remove(i: number, key: K): void {
    this.index.delete(key);
    this.keys[i] = undefined;
    this.values.drop(i);
    if (i === this.newest) {
      this.newest = this.older[i]!;
    } else if (i === this.oldest) {
      this.oldest = this.newer[i]!;
    } else {
      this.newer[this.older[i]!] = this.newer[i]!;
      this.older[this.newer[i]!] = this.older[i]!;
    }
    this.count--;
    this.free.push(i);
  }

  /**
   * Unlinks the least recently used slot. With `reuse`, its key and value stay for the
   * caller, who is about to overwrite them; otherwise it is freed.
   */
  removeOldest(reuse: boolean): number {
    const i = this.oldest;
    this.index.delete(this.keys[i] as K);
    if (!reuse) {
      this.keys[i] = undefined;
      this.values.drop(i);
      this.free.push(i);
    }
    if (this.count === 1) {
      this.oldest = 0;
      this.newest = 0;
      this.free.length = 0;
    } else {
      this.oldest = this.newer[i]!;
    }
    this.count--;
    return i;
  }

  reset(): void {
    this.index.clear();
    this.keys.length = 0;
    this.values.reset();
    this.ttls?.fill(0);
    this.starts?.fill(0);
    this.sizes?.fill(0);
    this.oldest = 0;
    this.newest = 0;
    this.free.length = 0;
    this.count = 0;
  }

  /** Live slots, most recently used first (`fromNewest`) or last. */
  *walk(fromNewest: boolean): Generator<number> {
    if (this.count === 0) return;
    const last = () => (fromNewest ? this.oldest : this.newest);
    for (let i = fromNewest ? this.newest : this.oldest; this.isLive(i); ) {
      yield i;
      // Read after the consumer ran: what it deleted or added decides where the walk ends.
      if (i === last()) break;
      i = fromNewest ? this.older[i]! : this.newer[i]!;
    }
  }

  #ensureCapacity(slot: number): void {
    if (slot < this.older.length) return;
    let length = this.older.length;
    while (length <= slot) length *= 2;
    const grow = <T extends Int32Array | Float64Array>(a: T, make: (n: number) => T): T => {
      const bigger = make(length);
      bigger.set(a);
      return bigger;
    };
    const ints = (n: number) => new Int32Array(n);
    const doubles = (n: number) => new Float64Array(n);
    this.older = grow(this.older, ints);
    this.newer = grow(this.newer, ints);
    if (this.ttls) this.ttls = grow(this.ttls, doubles);
    if (this.starts) this.starts = grow(this.starts, doubles);
    if (this.sizes) this.sizes = grow(this.sizes, doubles);
  }
}
