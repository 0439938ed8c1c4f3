import { TtlHeap } from './ttl-heap.js';
import type { Removal, StoreCounters, StoredEntry, StoreEngine, StorePolicy } from './types.js';

const NIL = -1;
const INITIAL_SLOTS = 16;
/**
 * Up to this `max`, the slot arrays are made at full length up front and never replaced:
 * V8 optimizes reads of a field that is written once, by its initializer, better than one
 * written again (even by the constructor): measured here, 10-15% of a `get`. The memory is
 * untouched (so not resident) until slots are used. Above it, arrays grow by doubling.
 */
const PREALLOCATE_UP_TO = 1 << 24;

function initialSlots(policy: StorePolicy): number {
  return policy.max > 0 && policy.max <= PREALLOCATE_UP_TO ? policy.max : INITIAL_SLOTS;
}

/**
 * Holds the policy before `JsStore`'s field initializers run (a subclass's run right after
 * `super()`), so that they can size the slot arrays from it.
 */
class WithPolicy {
  constructor(protected readonly policy: StorePolicy) {}
}

/**
 * The reference engine: a `Map` from key to slot index, and parallel arrays for the slots
 * linked into a recency list by index. Parallel arrays of small integers and doubles keep
 * the entries out of per-entry objects, which is what makes lru-cache fast; this engine
 * does the same and follows `crates/ttl-cache/src/store.rs` rule for rule.
 */
export class JsStore<K, V> extends WithPolicy implements StoreEngine<K, V> {
  #index = new Map<K, number>();
  #keys: (K | undefined)[] = [];
  #values: (V | undefined)[] = [];
  // Per-slot numbers in typed arrays: unboxed; see PREALLOCATE_UP_TO for their length.
  #sizes = new Float64Array(initialSlots(this.policy));
  #starts = new Float64Array(initialSlots(this.policy));
  #ttls = new Float64Array(initialSlots(this.policy));
  // Recency links, interleaved: slot i's previous (more recent) at 2i, next at 2i + 1, so
  // moving an entry to the head reads both of its links from one cache line.
  #links = new Int32Array(2 * initialSlots(this.policy));
  #free: number[] = [];
  #head = NIL;
  #tail = NIL;
  #calculatedSize = 0;
  /** Whether any entry was ever stored with a TTL; until then no entry can be stale. */
  #anyTtl = false;
  #removed: Removal<K, V>[] = [];
  // Counters as plain fields: an increment on the hot path stays a field store.
  #hits = 0;
  #misses = 0;
  #staleHits = 0;
  #sets = 0;
  #deletes = 0;
  #evictions = 0;
  #expirations = 0;

  /** Which slot goes stale next; a freed slot's TTL is zeroed, which retires its items. */
  readonly #ttlHeap = new TtlHeap();
  readonly #isCurrent = (expiry: number, i: number): boolean =>
    this.#ttls[i]! > 0 && this.#starts[i]! + this.#ttls[i]! === expiry;
  // The policy's flags that reads test, as own fields: one load each on the hot path.
  readonly #updateAgeOnGet = this.policy.updateAgeOnGet;
  #trackRemovals = this.policy.trackRemovals;

  get size(): number {
    return this.#index.size;
  }

  get calculatedSize(): number {
    return this.#calculatedSize;
  }

  counters(): StoreCounters {
    return {
      hits: this.#hits,
      misses: this.#misses,
      staleHits: this.#staleHits,
      sets: this.#sets,
      deletes: this.#deletes,
      evictions: this.#evictions,
      expirations: this.#expirations,
    };
  }

  trackRemovals(on: boolean): void {
    this.#trackRemovals = on;
    if (!on) this.#removed = [];
  }

  takeRemoved(): Removal<K, V>[] {
    const removed = this.#removed;
    this.#removed = [];
    return removed;
  }

  #isStale(i: number, now: number): boolean {
    if (!this.#anyTtl) return false;
    const ttl = this.#ttls[i]!;
    return ttl > 0 && now - this.#starts[i]! >= ttl;
  }

  /** Stale for `kept` ms or more (with 0, just stale; with Infinity, never). */
  #isPast(i: number, now: number, kept: number): boolean {
    if (!this.#anyTtl) return false;
    const ttl = this.#ttls[i]!;
    return ttl > 0 && now - this.#starts[i]! >= ttl + kept;
  }

  // The hit path is kept to a few lines so that V8 inlines it into `TtlCache.get`; the
  // rarer paths are methods of their own.
  get(key: K, now: number): V | undefined {
    const i = this.#index.get(key);
    if (i === undefined) {
      this.#misses++;
      return undefined;
    }
    if (this.#anyTtl && this.#isStale(i, now)) return this.#getStale(i, now);
    this.#hits++;
    if (this.#updateAgeOnGet) this.#restart(i, now);
    if (this.#head !== i) this.#moveToHead(i);
    return this.#values[i];
  }

  /**
   * A read that found a stale entry: served under `allowStale`; deleted unless told not to,
   * or unless it is still within the time stale entries are kept (`staleKeptMs`).
   */
  #getStale(i: number, now: number): V | undefined {
    const value = this.#values[i];
    let result: V | undefined;
    if (this.policy.allowStale) {
      this.#staleHits++;
      result = value;
    } else {
      this.#misses++;
    }
    if (!this.policy.noDeleteOnStaleGet && this.#isPast(i, now, this.policy.staleKeptMs)) {
      this.#remove(i, 'expire');
    }
    return result;
  }

  peek(key: K, now: number, staleWithin: number): V | undefined {
    const i = this.#index.get(key);
    if (i === undefined || this.#isPast(i, now, staleWithin)) return undefined;
    return this.#values[i];
  }

  has(key: K, now: number): boolean {
    const i = this.#index.get(key);
    if (i === undefined || this.#isStale(i, now)) return false;
    if (this.policy.updateAgeOnHas) this.#restart(i, now);
    return true;
  }

  remainingTtl(key: K, now: number): number {
    const i = this.#index.get(key);
    return i === undefined ? 0 : this.#remainingAt(i, now);
  }

  #remainingAt(i: number, now: number): number {
    const ttl = this.#ttls[i]!;
    // ttl minus the time elapsed, not start + ttl - now: with fractional clock readings the
    // latter can come out a hair above ttl.
    return ttl === 0 ? Number.POSITIVE_INFINITY : Math.max(0, ttl - (now - this.#starts[i]!));
  }

  set(key: K, value: V, size: number, ttl: number, now: number): boolean {
    this.#sets++;
    let i = this.#index.get(key);
    let expiryBefore = Number.NaN;
    if (i !== undefined) {
      if (this.#ttls[i]! > 0) expiryBefore = this.#starts[i]! + this.#ttls[i]!;
      const old = this.#values[i] as V;
      // Storing the same value again is not a removal: `dispose` must not see it.
      if (this.#trackRemovals && old !== value) {
        this.#removed.push({ key, value: old, reason: 'set' });
      }
      this.#calculatedSize += size - this.#sizes[i]!;
      this.#moveToHead(i);
    } else {
      // A full cache gives up its least recently used entry first and reuses that slot.
      if (this.policy.max > 0 && this.#index.size >= this.policy.max) this.#evictTail();
      i = this.#free.length > 0 ? this.#free.pop()! : this.#newSlot();
      this.#index.set(key, i);
      // As a Map keeps it (and the native twin): -0 is the key 0, and reads back as 0.
      this.#keys[i] = (key === 0 ? 0 : key) as K;
      this.#calculatedSize += size;
      this.#pushHead(i);
    }
    this.#values[i] = value;
    this.#sizes[i] = size;
    this.#starts[i] = now;
    this.#ttls[i] = ttl;
    if (ttl > 0) {
      this.#anyTtl = true;
      // An entry set again with the same expiry (same clock reading) keeps its heap item.
      if (now + ttl !== expiryBefore) this.#indexExpiry(i);
    }
    this.#evictOverBounds();
    return true;
  }

  delete(key: K): boolean {
    const i = this.#index.get(key);
    if (i === undefined) return false;
    this.#deletes++;
    this.#remove(i, 'delete');
    return true;
  }

  clear(): void {
    if (this.#trackRemovals) {
      for (let i = this.#head; i !== NIL; i = this.#links[2 * i + 1]!) {
        this.#removed.push({
          key: this.#keys[i] as K,
          value: this.#values[i] as V,
          reason: 'clear',
        });
      }
    }
    this.#index.clear();
    this.#ttlHeap.clear();
    // Emptied in place rather than replaced, so the fields stay constants (see above).
    this.#keys.length = 0;
    this.#values.length = 0;
    this.#free.length = 0;
    if (this.#links.length > 2 * initialSlots(this.policy)) {
      // Only grown arrays are replaced: a cleared cache gives back its high-water mark.
      this.#sizes = new Float64Array(INITIAL_SLOTS);
      this.#starts = new Float64Array(INITIAL_SLOTS);
      this.#ttls = new Float64Array(INITIAL_SLOTS);
      this.#links = new Int32Array(2 * INITIAL_SLOTS);
    }
    this.#head = NIL;
    this.#tail = NIL;
    this.#calculatedSize = 0;
  }

  /**
   * Removes entries stale for `staleKeptMs` or more, earliest expiry first: costs what it
   * removes, not the cache.
   */
  purgeStale(now: number): number {
    const kept = this.policy.staleKeptMs;
    // The heap orders by start + ttl, while staleness is now - start >= ttl; rounding can
    // put the two a few ulps apart, so look a little past `now` and let the exact test
    // decide, putting back what is not stale yet.
    const slack = 8 * Number.EPSILON * Math.max(1, Math.abs(now));
    const heap = this.#ttlHeap;
    const notYet: number[] = [];
    let purged = 0;
    for (;;) {
      const i = heap.firstCurrent(this.#isCurrent);
      const expiry = heap.topExpiry();
      if (i < 0 || expiry + kept > now + slack) break;
      heap.pop();
      if (this.#isPast(i, now, kept)) {
        this.#remove(i, 'expire');
        purged++;
      } else {
        notYet.push(expiry, i);
      }
    }
    for (let k = 0; k < notYet.length; k += 2) heap.push(notYet[k]!, notYet[k + 1]!);
    return purged;
  }

  earliestExpiry(): number {
    return this.#ttlHeap.firstCurrent(this.#isCurrent) < 0
      ? Number.POSITIVE_INFINITY
      : this.#ttlHeap.topExpiry() + this.policy.staleKeptMs;
  }

  /** Starts the TTL of slot `i` again from `now`. */
  #restart(i: number, now: number): void {
    // Within one clock reading the expiry does not move, and its heap item stands.
    if (this.#starts[i] === now) return;
    this.#starts[i] = now;
    if (this.#ttls[i]! > 0) this.#indexExpiry(i);
  }

  #indexExpiry(i: number): void {
    this.#ttlHeap.push(this.#starts[i]! + this.#ttls[i]!, i);
    this.#ttlHeap.compactIfNeeded(this.#index.size, this.#isCurrent);
  }

  shrinkTo(maxEntries: number, maxSize: number): number {
    let evicted = 0;
    while (this.#tail !== NIL && (this.size > maxEntries || this.#calculatedSize > maxSize)) {
      this.#evictTail();
      evicted++;
    }
    return evicted;
  }

  entries(now: number): StoredEntry<K, V>[] {
    const out: StoredEntry<K, V>[] = [];
    for (let i = this.#head; i !== NIL; i = this.#links[2 * i + 1]!) {
      if (!this.policy.allowStale && this.#isStale(i, now)) continue;
      const ttl = this.#ttls[i]!;
      out.push({
        key: this.#keys[i] as K,
        value: this.#values[i] as V,
        size: this.#sizes[i]!,
        ttl,
        remainingTtl: this.#remainingAt(i, now),
      });
    }
    return out;
  }

  /** A slot index past the last one in use, growing the typed arrays when they are full. */
  #newSlot(): number {
    const i = this.#keys.length;
    if (2 * i === this.#links.length) {
      const grow = <T extends Float64Array | Int32Array>(a: T): T => {
        const bigger = new (a.constructor as { new (n: number): T })(a.length * 2);
        bigger.set(a);
        return bigger;
      };
      this.#sizes = grow(this.#sizes);
      this.#starts = grow(this.#starts);
      this.#ttls = grow(this.#ttls);
      this.#links = grow(this.#links);
    }
    this.#keys.push(undefined);
    this.#values.push(undefined);
    return i;
  }

  #evictOverBounds(): void {
    const { max, maxSize } = this.policy;
    while (
      this.#tail !== NIL &&
      ((max > 0 && this.size > max) || (maxSize > 0 && this.#calculatedSize > maxSize))
    ) {
      this.#evictTail();
    }
  }

  #evictTail(): void {
    this.#evictions++;
    this.#remove(this.#tail, 'evict');
  }

  #remove(i: number, reason: Removal<K, V>['reason']): void {
    if (reason === 'expire') this.#expirations++;
    const key = this.#keys[i] as K;
    const value = this.#values[i] as V;
    this.#index.delete(key);
    this.#unlink(i);
    this.#calculatedSize -= this.#sizes[i]!;
    this.#ttls[i] = 0;
    // Drop the references so the GC can take key and value while the slot waits for reuse.
    this.#keys[i] = undefined;
    this.#values[i] = undefined;
    this.#free.push(i);
    if (this.#trackRemovals) this.#removed.push({ key, value, reason });
  }

  #unlink(i: number): void {
    const prev = this.#links[2 * i]!;
    const next = this.#links[2 * i + 1]!;
    if (prev === NIL) this.#head = next;
    else this.#links[2 * prev + 1] = next;
    if (next === NIL) this.#tail = prev;
    else this.#links[2 * next] = prev;
  }

  #pushHead(i: number): void {
    this.#links[2 * i] = NIL;
    this.#links[2 * i + 1] = this.#head;
    if (this.#head === NIL) this.#tail = i;
    else this.#links[2 * this.#head] = i;
    this.#head = i;
  }

  #moveToHead(i: number): void {
    if (this.#head !== i) {
      this.#unlink(i);
      this.#pushHead(i);
    }
  }
}
