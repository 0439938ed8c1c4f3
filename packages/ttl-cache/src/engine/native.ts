import { losslessKey, restoreKey } from '@bulwark/engine-kit';
import type * as Binding from '../../binding.cjs';
import type { Serializer } from '../serializer.js';
import type { Removal, StoreCounters, StoredEntry, StoreEngine, StorePolicy } from './types.js';

export type NativeBinding = typeof Binding;
type Handle = ReturnType<NativeBinding['storeNew']>;
type NativeKey = string | number | Buffer;
type NativeValue = string | Buffer | Uint8Array;

/**
 * The adapter over the Rust twin: entries live off the V8 heap as bytes. Strings and
 * Buffers cross as they are; any other value goes through the serializer, and comes back
 * as a fresh copy (the twin keeps a snapshot, not the object).
 */
export class NativeStoreEngine<K, V> implements StoreEngine<K, V> {
  readonly #b: NativeBinding;
  /** The Rust store; freed by its finalizer when this adapter is collected. */
  readonly #h: Handle;
  readonly #serializer: Serializer;
  /**
   * While removals are tracked: the object (or Buffer) each key was last set to or read
   * as, weakly held, so that setting that same object again is not a replacement, as on
   * the js engine (where sameness is identity). The twin, holding bytes, cannot tell.
   */
  #lastObjects: Map<string | number, WeakRef<object>> | undefined;

  constructor(binding: NativeBinding, policy: StorePolicy, serializer: Serializer) {
    this.#b = binding;
    this.#h = binding.storeNew(policy);
    if (policy.trackRemovals) this.#lastObjects = new Map();
    this.#serializer = serializer;
  }

  get size(): number {
    return this.#b.storeSize(this.#h);
  }

  get calculatedSize(): number {
    return this.#b.storeCalculatedSize(this.#h);
  }

  /** Bytes held off the V8 heap for the entries. */
  get memoryBytes(): number {
    return this.#b.storeMemoryBytes(this.#h);
  }

  get(key: K, now: number): V | undefined {
    const value = this.#decode(this.#b.storeGet(this.#h, nativeKey(key), now));
    if (this.#lastObjects !== undefined) this.#remember(key, value);
    return value;
  }

  peek(key: K, now: number, staleWithin: number): V | undefined {
    return this.#decode(this.#b.storePeek(this.#h, nativeKey(key), now, staleWithin));
  }

  has(key: K, now: number): boolean {
    return this.#b.storeHas(this.#h, nativeKey(key), now);
  }

  set(key: K, value: V, size: number, ttl: number, now: number): boolean {
    const k = nativeKey(key);
    const same = this.#lastObjects !== undefined ? this.#sameObject(key, value) : undefined;
    // Strings cross as UTF-8, which cannot hold a lone surrogate: those go through the
    // serializer, so every JavaScript string reads back exactly as it was stored.
    if ((typeof value === 'string' && value.isWellFormed()) || Buffer.isBuffer(value)) {
      return this.#b.storeSet(this.#h, k, value, false, size, ttl, now, same);
    }
    return this.#b.storeSet(
      this.#h,
      k,
      asBuffer(this.#serializer.serialize(value)),
      true,
      size,
      ttl,
      now,
      same,
    );
  }

  /** Whether `value` is the object `key` holds now (then remembered as it); undefined for strings. */
  #sameObject(key: K, value: V): boolean | undefined {
    if (typeof value !== 'object' || value === null) return undefined;
    const id = identityKey(key);
    if (id === undefined) return undefined;
    const same = this.#lastObjects!.get(id)?.deref() === value;
    this.#lastObjects!.set(id, new WeakRef(value));
    return same;
  }

  #remember(key: K, value: V | undefined): void {
    const id = identityKey(key);
    if (id === undefined) return;
    if (typeof value === 'object' && value !== null) this.#lastObjects!.set(id, new WeakRef(value));
  }

  delete(key: K): boolean {
    const id = identityKey(key);
    if (id !== undefined) this.#lastObjects?.delete(id);
    return this.#b.storeDelete(this.#h, nativeKey(key));
  }

  clear(): void {
    this.#lastObjects?.clear();
    this.#b.storeClear(this.#h);
  }

  trackRemovals(on: boolean): void {
    this.#lastObjects = on ? new Map() : undefined;
    this.#b.storeTrackRemovals(this.#h, on);
  }

  remainingTtl(key: K, now: number): number {
    return this.#b.storeRemainingTtl(this.#h, nativeKey(key), now);
  }

  purgeStale(now: number): number {
    return this.#b.storePurgeStale(this.#h, now);
  }

  earliestExpiry(): number {
    return this.#b.storeEarliestExpiry(this.#h);
  }

  shrinkTo(maxEntries: number, maxSize: number): number {
    return this.#b.storeShrinkTo(this.#h, maxEntries, maxSize);
  }

  counters(): StoreCounters {
    return this.#b.storeCounters(this.#h);
  }

  entries(now: number): StoredEntry<K, V>[] {
    return this.#b.storeEntries(this.#h, now).map((e) => ({
      key: userKey(e.key) as K,
      value: this.#decode(e.value) as V,
      size: e.size,
      ttl: e.ttl,
      remainingTtl: e.remainingTtl,
    }));
  }

  takeRemoved(): Removal<K, V>[] {
    return this.#b.storeTakeRemoved(this.#h).map((r) => {
      const key = userKey(r.key) as K;
      const id = identityKey(key);
      // Gone, unless replaced by a set (which has already remembered the new object).
      if (id !== undefined && r.reason !== 'set') this.#lastObjects?.delete(id);
      return {
        key,
        value: this.#decode(r.value) as V,
        reason: r.reason as Removal<K, V>['reason'],
      };
    });
  }

  #decode(value: NativeValue | null): V | undefined {
    if (value === null) return undefined;
    if (typeof value === 'string' || Buffer.isBuffer(value)) return value as V;
    return this.#serializer.deserialize(value) as V;
  }
}

/**
 * A key as the twin takes it. Strings cross as UTF-8, which has no lone surrogates: they
 * are percent-escaped first (`losslessKey`), so `'\uD800'` and `'\uFFFD'` stay two keys.
 */
function nativeKey(key: unknown): NativeKey {
  if (typeof key === 'string') return losslessKey(key);
  if (typeof key === 'number' || Buffer.isBuffer(key)) return key;
  throw new TypeError(
    `key: the native engine takes string, number or Buffer keys; got ${typeName(key)}. ` +
      'Use engine: "js" for keys of other types.',
  );
}

/** What `#lastObjects` files a key under: strings and numbers as they are (Buffer keys are not tracked). */
function identityKey(key: unknown): string | number | undefined {
  return typeof key === 'string' || typeof key === 'number' ? key : undefined;
}

/** A key back from the twin, as the user gave it. */
function userKey(key: NativeKey): NativeKey {
  return typeof key === 'string' ? restoreKey(key) : key;
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
