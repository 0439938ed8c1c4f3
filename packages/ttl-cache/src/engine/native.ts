import type { NativeStore } from '../../binding.cjs';
import type { Serializer } from '../serializer.js';
import type { Removal, StoreCounters, StoredEntry, StoreEngine, StorePolicy } from './types.js';

export type NativeBinding = { NativeStore: typeof NativeStore };
type NativeKey = string | number | Buffer;
type NativeValue = string | Buffer | Uint8Array;

/**
 * The adapter over the Rust twin: entries live off the V8 heap as bytes. Strings and
 * Buffers cross as they are; any other value goes through the serializer, and comes back
 * as a fresh copy (the twin keeps a snapshot, not the object).
 */
export class NativeStoreEngine<K, V> implements StoreEngine<K, V> {
  readonly #store: NativeStore;
  readonly #serializer: Serializer;

  constructor(binding: NativeBinding, policy: StorePolicy, serializer: Serializer) {
    this.#store = new binding.NativeStore(policy);
    this.#serializer = serializer;
  }

  get size(): number {
    return this.#store.size;
  }

  get calculatedSize(): number {
    return this.#store.calculatedSize;
  }

  /** Bytes held off the V8 heap for the entries. */
  get memoryBytes(): number {
    return this.#store.memoryBytes;
  }

  get(key: K, now: number): V | undefined {
    return this.#decode(this.#store.get(nativeKey(key), now));
  }

  peek(key: K, now: number, includeStale: boolean): V | undefined {
    return this.#decode(this.#store.peek(nativeKey(key), now, includeStale));
  }

  has(key: K, now: number): boolean {
    return this.#store.has(nativeKey(key), now);
  }

  set(key: K, value: V, size: number, ttl: number, now: number): void {
    const k = nativeKey(key);
    // Strings cross as UTF-8, which cannot hold a lone surrogate: those go through the
    // serializer, so every JavaScript string reads back exactly as it was stored.
    if ((typeof value === 'string' && value.isWellFormed()) || Buffer.isBuffer(value)) {
      this.#store.set(k, value, false, size, ttl, now);
    } else {
      this.#store.set(k, asBuffer(this.#serializer.serialize(value)), true, size, ttl, now);
    }
  }

  delete(key: K): boolean {
    return this.#store.delete(nativeKey(key));
  }

  clear(): void {
    this.#store.clear();
  }

  remainingTtl(key: K, now: number): number {
    return this.#store.remainingTtl(nativeKey(key), now);
  }

  purgeStale(now: number): number {
    return this.#store.purgeStale(now);
  }

  earliestExpiry(): number {
    return this.#store.earliestExpiry();
  }

  shrinkTo(maxEntries: number, maxSize: number): number {
    return this.#store.shrinkTo(maxEntries, maxSize);
  }

  counters(): StoreCounters {
    return this.#store.counters();
  }

  entries(now: number): StoredEntry<K, V>[] {
    return this.#store.entries(now).map((e) => ({
      key: e.key as K,
      value: this.#decode(e.value) as V,
      size: e.size,
      ttl: e.ttl,
      remainingTtl: e.remainingTtl,
    }));
  }

  takeRemoved(): Removal<K, V>[] {
    return this.#store.takeRemoved().map((r) => ({
      key: r.key as K,
      value: this.#decode(r.value) as V,
      reason: r.reason as Removal<K, V>['reason'],
    }));
  }

  #decode(value: NativeValue | null): V | undefined {
    if (value === null) return undefined;
    if (typeof value === 'string' || Buffer.isBuffer(value)) return value as V;
    return this.#serializer.deserialize(value) as V;
  }
}

function nativeKey(key: unknown): NativeKey {
  if (typeof key === 'string' || typeof key === 'number' || Buffer.isBuffer(key)) return key;
  throw new TypeError(
    `key: the native engine takes string, number or Buffer keys; got ${typeName(key)}. ` +
      'Use engine: "js" for keys of other types.',
  );
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return value.constructor?.name ?? 'object';
  return typeof value;
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
