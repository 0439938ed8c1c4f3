import type { NativeBinding } from '../engine/native.js';
import type { Serializer } from '../serializer.js';
import { BackgroundFetch } from './background-fetch.js';

/**
 * Where `LRUCache` keeps each slot's value: the one thing its two engines store
 * differently. Keys, recency, TTLs and sizes stay in `RecencySlots` either way, so both
 * engines run the very same lru-cache rules.
 */
export interface SlotValues<V> {
  /** The slot's value or fetch placeholder; undefined for an empty slot. */
  at(i: number): V | BackgroundFetch<V> | undefined;
  /**
   * What `put` stores for `value`, made before the cache changes anything, so that a value
   * the engine cannot store is refused with the cache as it was.
   */
  encode(value: V | BackgroundFetch<V>): unknown;
  /**
   * Stores `value` (as `encoded`, if given) in the slot; storing the slot's own value
   * again must keep its changes.
   */
  put(i: number, value: V | BackgroundFetch<V>, encoded?: unknown): void;
  drop(i: number): void;
  reset(): void;
  /** Whether the slot holds this very value: objects by identity, as lru-cache compares. */
  holds(i: number, value: V | BackgroundFetch<V>): boolean;
}

/** The js engine: values as they are, in an array on the V8 heap. */
export class HeapSlotValues<V> implements SlotValues<V> {
  readonly #values: (V | BackgroundFetch<V> | undefined)[] = [];

  at(i: number): V | BackgroundFetch<V> | undefined {
    return this.#values[i];
  }
  encode(): undefined {
    return undefined;
  }
  put(i: number, value: V | BackgroundFetch<V>): void {
    this.#values[i] = value;
  }
  drop(i: number): void {
    this.#values[i] = undefined;
  }
  reset(): void {
    this.#values.length = 0;
  }
  holds(i: number, value: V | BackgroundFetch<V>): boolean {
    return this.#values[i] === value;
  }
}

type Handle = ReturnType<NativeBinding['storeNew']>;

/**
 * The native engine: each value as bytes in the Rust twin's store (filed under its slot
 * number), off the V8 heap. Strings and Buffers cross as they are; other values go
 * through the serializer and come back as copies. A fetch in flight is a JavaScript
 * promise, so placeholders stay on this side.
 *
 * Sameness: lru-cache tells a replacement from an update by identity. The twin holds
 * bytes, so for objects this remembers, weakly, the object each slot was set to and the
 * copy it was last read as; setting either again is then an update, as on the js engine
 * (where both are the one stored object).
 */
export class NativeSlotValues<V> implements SlotValues<V> {
  readonly #b: NativeBinding;
  readonly #h: Handle;
  readonly #serializer: Serializer;
  readonly #pending: (BackgroundFetch<V> | undefined)[] = [];
  #pendingCount = 0;
  readonly #setObjects: (WeakRef<object> | undefined)[] = [];
  readonly #readObjects: (WeakRef<object> | undefined)[] = [];

  constructor(binding: NativeBinding, serializer: Serializer) {
    this.#b = binding;
    this.#serializer = serializer;
    // A plain map from slot to bytes: no bound, no TTL, nothing removed behind our back.
    this.#h = binding.storeNew({
      max: 0,
      maxSize: 0,
      allowStale: false,
      updateAgeOnGet: false,
      updateAgeOnHas: false,
      noDeleteOnStaleGet: false,
      staleKeptMs: 0,
      trackRemovals: false,
      measureSizes: false,
      maxEntrySize: 0,
    });
  }

  at(i: number): V | BackgroundFetch<V> | undefined {
    if (this.#pendingCount > 0 && this.#pending[i] !== undefined) return this.#pending[i];
    const stored = this.#b.storeGet(this.#h, i, 0);
    if (stored === null) return undefined;
    if (typeof stored === 'string') return stored as V;
    const value = (Buffer.isBuffer(stored) ? stored : this.#serializer.deserialize(stored)) as V;
    if (typeof value === 'object' && value !== null) this.#readObjects[i] = new WeakRef(value);
    return value;
  }

  /** A string or Buffer as it is, anything else as serialized bytes. */
  encode(value: V | BackgroundFetch<V>): string | Buffer | undefined {
    if (value instanceof BackgroundFetch) return undefined;
    // Strings cross as UTF-8, which has no lone surrogates: those take the serializer, so
    // every string reads back exactly as it was stored.
    if ((typeof value === 'string' && value.isWellFormed()) || Buffer.isBuffer(value)) {
      return value;
    }
    try {
      return asBuffer(this.#serializer.serialize(value));
    } catch (error) {
      throw new TypeError(
        `value: the native engine stores values as bytes, and this one cannot be serialized (${(error as Error).message}); use engine: "js" to keep values as they are`,
      );
    }
  }

  put(i: number, value: V | BackgroundFetch<V>, encoded = this.encode(value)): void {
    if (value instanceof BackgroundFetch) {
      this.#dropValue(i);
      if (this.#pending[i] === undefined) this.#pendingCount++;
      this.#pending[i] = value;
      return;
    }
    this.#dropPending(i);
    this.#setObjects[i] =
      typeof value === 'object' && value !== null ? new WeakRef(value) : undefined;
    this.#readObjects[i] = undefined;
    const bytes = encoded as string | Buffer;
    this.#b.storeSet(this.#h, i, bytes, bytes !== value, 0, 0, 0);
  }

  drop(i: number): void {
    this.#dropPending(i);
    this.#dropValue(i);
  }

  reset(): void {
    this.#b.storeClear(this.#h);
    this.#pending.length = 0;
    this.#pendingCount = 0;
    this.#setObjects.length = 0;
    this.#readObjects.length = 0;
  }

  holds(i: number, value: V | BackgroundFetch<V>): boolean {
    if (value instanceof BackgroundFetch) return this.#pending[i] === value;
    if (this.#pendingCount > 0 && this.#pending[i] !== undefined) return false;
    if (typeof value === 'object' && value !== null) {
      return this.#setObjects[i]?.deref() === value || this.#readObjects[i]?.deref() === value;
    }
    // A string, number or other primitive: equal is the same, as for ===.
    return this.at(i) === value;
  }

  #dropPending(i: number): void {
    if (this.#pending[i] !== undefined) {
      this.#pending[i] = undefined;
      this.#pendingCount--;
    }
  }

  #dropValue(i: number): void {
    this.#setObjects[i] = undefined;
    this.#readObjects[i] = undefined;
    this.#b.storeDelete(this.#h, i);
  }
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
