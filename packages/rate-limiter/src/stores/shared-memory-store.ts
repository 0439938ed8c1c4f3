import {
  backgroundRepeat,
  losslessKey,
  NativeEngineUnavailableError,
  nonNegativeInteger,
  rejectUnknownOptions,
  type Timer,
} from '@bulwark/engine-kit';
import type { Algorithm } from '../algorithms/index.js';
import { type NativeBinding, twin } from '../native-binding.js';
import type { RateLimitResult } from '../result.js';
import { IdleClock } from './idle-clock.js';
import type { RateLimitStore } from './types.js';

export interface SharedMemoryStoreOptions {
  /**
   * Stores with the same name, in any worker thread of the process, are one store. Default
   * `default`.
   */
  name?: string;
  /** How often idle keys are dropped, in ms (one unref'd timer per thread's store). Default 60000. */
  sweepIntervalMs?: number;
}

type Handle = ReturnType<NativeBinding['rlOpen']>;

/**
 * Keys' state in the native twin, shared by every worker thread that opens the store by
 * the same name: N threads consuming one key admit exactly the limit together. Keys are
 * spread over 16 locked shards; a key costs its entry (32 bytes of state) and its name.
 */
export class SharedMemoryStore implements RateLimitStore {
  readonly engine = 'native';
  readonly name: string;
  readonly #native: NativeBinding;
  readonly #handle: Handle;
  readonly #ids = new WeakMap<Algorithm, number>();
  /** The twin writes each decision here: [allowed, remaining, resetMs, retryAfterMs]. */
  readonly #out = new Float64Array(4);
  #timer: Timer | undefined;
  /** The callers' time, for the idle sweep. */
  readonly #idle = new IdleClock();

  constructor(options: SharedMemoryStoreOptions = {}) {
    rejectUnknownOptions(
      'sharedMemoryStore',
      options ?? {},
      Object.keys(KNOWN_SHARED_MEMORY_STORE_OPTIONS),
    );
    const load = twin.load();
    if (!load.binding) {
      throw new NativeEngineUnavailableError(
        `@bulwark/rate-limiter: sharedMemoryStore() needs the native twin, but ${load.failure?.message}`,
      );
    }
    if (options.name !== undefined && typeof options.name !== 'string') {
      throw new TypeError(`sharedMemoryStore: name must be a string, got ${typeof options.name}`);
    }
    this.name = options.name ?? 'default';
    this.#native = load.binding;
    this.#handle = load.binding.rlOpen(this.name);
    const every =
      options.sweepIntervalMs === undefined
        ? 60_000
        : nonNegativeInteger('sharedMemoryStore.sweepIntervalMs', options.sweepIntervalMs);
    if (every > 0) {
      this.#timer = backgroundRepeat(() => this.sweep(), every);
    }
  }

  /** Keys held now, by every thread. */
  get size(): number {
    return this.#native.rlSize(this.#handle);
  }

  consume(
    key: string,
    cost: number,
    algorithm: Algorithm,
    now: number,
    blockMs: number,
  ): RateLimitResult {
    if (now > this.#idle.latest) this.#idle.latest = now;
    this.#native.rlConsume(
      this.#handle,
      this.#id(algorithm),
      losslessKey(key),
      cost,
      now,
      blockMs,
      this.#out,
    );
    return this.#result(algorithm);
  }

  peek(key: string, cost: number, algorithm: Algorithm, now: number): RateLimitResult {
    this.#native.rlPeek(this.#handle, this.#id(algorithm), losslessKey(key), cost, now, this.#out);
    return this.#result(algorithm);
  }

  refund(key: string, cost: number, algorithm: Algorithm, now: number): void {
    this.#native.rlRefund(this.#handle, this.#id(algorithm), losslessKey(key), cost, now);
  }

  reset(key: string, algorithm: Algorithm): void {
    this.#native.rlReset(this.#handle, this.#id(algorithm), losslessKey(key));
  }

  block(key: string, algorithm: Algorithm, until: number, now: number): void {
    this.#native.rlBlock(this.#handle, this.#id(algorithm), losslessKey(key), until, now);
  }

  /** Drops idle keys now (each thread's timer calls this). */
  sweep(now = this.#idle.now()): void {
    if (now > Number.NEGATIVE_INFINITY) this.#native.rlSweep(this.#handle, now);
  }

  /** Stops this thread's sweep timer; the store lives on while other threads hold it. */
  close(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
  }
  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
  }

  #result(algorithm: Algorithm): RateLimitResult {
    const out = this.#out;
    return {
      allowed: out[0] === 1,
      remaining: out[1] as number,
      limit: algorithm.limit,
      resetMs: out[2] as number,
      retryAfterMs: out[3] as number,
    };
  }

  #id(algorithm: Algorithm): number {
    let id = this.#ids.get(algorithm);
    if (id === undefined) {
      id = this.#native.rlAlgorithm(
        this.#handle,
        algorithm.name,
        algorithm.params[0],
        algorithm.params[1],
      );
      this.#ids.set(algorithm, id);
    }
    return id;
  }
}

/** A store shared by every worker thread of the process (the native twin), by `name`. */
export function sharedMemoryStore(options?: SharedMemoryStoreOptions): SharedMemoryStore {
  return new SharedMemoryStore(options);
}

/** Every option name, checked against the interface by the compiler. */
const KNOWN_SHARED_MEMORY_STORE_OPTIONS: Record<keyof SharedMemoryStoreOptions, true> = {
  name: true,
  sweepIntervalMs: true,
};
