import {
  backgroundRepeat,
  nonNegativeInteger,
  rejectUnknownOptions,
  type Timer,
} from '@bulwark/engine-kit';
import type { Algorithm } from '../algorithms/index.js';
import type { SlotAlgorithm } from '../algorithms/types.js';
import type { RateLimitResult } from '../result.js';
import { IdleClock } from './idle-clock.js';
import { LeaseTable } from './lease-table.js';
import { SlotTable } from './slot-table.js';
import type { RateLimitStore } from './types.js';

export interface MemoryStoreOptions {
  /**
   * How often idle keys (whose state is back to a fresh key's, and not blocked) are
   * dropped, in ms. One unref'd timer per store, never one per key. Default 60000. Cost:
   * one pass over the keys each time.
   */
  sweepIntervalMs?: number;
}

/**
 * Keys' state in this process. Each algorithm's keys live in one table of doubles (a few
 * per key, see the README for bytes per key); idle keys are dropped by a periodic sweep,
 * so memory follows the keys in use, and no timer is ever set per key.
 */
export class MemoryStore implements RateLimitStore {
  readonly engine = 'js';
  readonly #tables = new Map<SlotAlgorithm, SlotTable>();
  readonly #leases = new Map<Algorithm, LeaseTable>();
  readonly #sweepIntervalMs: number;
  #timer: Timer | undefined;
  /** The callers' time, for the idle sweep. */
  readonly #idle = new IdleClock();

  constructor(options: MemoryStoreOptions = {}) {
    rejectUnknownOptions('memoryStore', options ?? {}, Object.keys(KNOWN_MEMORY_STORE_OPTIONS));
    this.#sweepIntervalMs =
      options.sweepIntervalMs === undefined
        ? 60_000
        : nonNegativeInteger('memoryStore.sweepIntervalMs', options.sweepIntervalMs);
  }

  /** Keys held now, over every algorithm that uses this store. */
  get size(): number {
    let size = 0;
    for (const table of this.#tables.values()) size += table.size;
    for (const table of this.#leases.values()) size += table.size;
    return size;
  }

  consume(
    key: string,
    cost: number,
    algorithm: Algorithm,
    now: number,
    blockMs: number,
  ): RateLimitResult {
    if (now > this.#idle.latest) this.#idle.latest = now;
    const out = result(algorithm.limit);
    if (algorithm.name === 'concurrency') {
      this.#leasesOf(algorithm).acquire(key, cost, now, out);
      return out;
    }
    const table = this.#tableOf(algorithm);
    const at = this.#slotOf(table, algorithm, key, now);
    const data = table.data;
    const blockedUntil = data[at] as number;
    if (blockedUntil > now) return blocked(out, blockedUntil - now);
    algorithm.consume(data, at + 1, now, cost, out);
    if (!out.allowed && blockMs > 0) {
      data[at] = now + blockMs;
      return blocked(out, blockMs);
    }
    return out;
  }

  peek(key: string, cost: number, algorithm: Algorithm, now: number): RateLimitResult {
    const out = result(algorithm.limit);
    if (algorithm.name === 'concurrency') {
      this.#leasesOf(algorithm).peek(key, cost, now, out);
      return out;
    }
    const table = this.#tableOf(algorithm);
    const at = table.find(key);
    if (at < 0) {
      // A key never seen: what a fresh one would answer, without keeping it.
      const fresh = new Float64Array(algorithm.width);
      algorithm.init(fresh, 0, now);
      algorithm.peek(fresh, 0, now, cost, out);
      return out;
    }
    const blockedUntil = table.data[at] as number;
    if (blockedUntil > now) return blocked(out, blockedUntil - now);
    algorithm.peek(table.data, at + 1, now, cost, out);
    return out;
  }

  refund(key: string, cost: number, algorithm: Algorithm, now: number): void {
    if (algorithm.name === 'concurrency') {
      this.#leasesOf(algorithm).release(key, cost, now);
      return;
    }
    const table = this.#tableOf(algorithm);
    const at = table.find(key);
    if (at >= 0) algorithm.refund(table.data, at + 1, now, cost);
  }

  reset(key: string, algorithm: Algorithm): void {
    if (algorithm.name === 'concurrency') this.#leases.get(algorithm)?.delete(key);
    else this.#tables.get(algorithm)?.delete(key);
  }

  block(key: string, algorithm: Algorithm, until: number, now: number): void {
    if (algorithm.name === 'concurrency') {
      this.#leasesOf(algorithm).block(key, until);
      return;
    }
    const table = this.#tableOf(algorithm);
    const at = this.#slotOf(table, algorithm, key, now);
    table.data[at] = until;
  }

  close(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
    this.#tables.clear();
    this.#leases.clear();
  }
  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
  }

  /** Drops idle keys now (the sweep timer calls this). */
  sweep(now = this.#idle.now()): void {
    for (const [algorithm, table] of this.#tables) {
      const data = table.data;
      table.sweep((at) => (data[at] as number) <= now && algorithm.idleAt(data, at + 1) <= now);
    }
    for (const table of this.#leases.values()) table.sweep(now);
  }

  #slotOf(table: SlotTable, algorithm: SlotAlgorithm, key: string, now: number): number {
    let at = table.find(key);
    if (at < 0) {
      at = table.add(key);
      algorithm.init(table.data, at + 1, now);
      this.#startSweeping();
    }
    return at;
  }

  #tableOf(algorithm: SlotAlgorithm): SlotTable {
    let table = this.#tables.get(algorithm);
    if (!table) {
      table = new SlotTable(algorithm.width);
      this.#tables.set(algorithm, table);
    }
    return table;
  }

  #leasesOf(algorithm: Algorithm & { name: 'concurrency' }): LeaseTable {
    let table = this.#leases.get(algorithm);
    if (!table) {
      table = new LeaseTable(algorithm.limit, algorithm.leaseMs);
      this.#leases.set(algorithm, table);
      this.#startSweeping();
    }
    return table;
  }

  #startSweeping(): void {
    if (this.#timer || this.#sweepIntervalMs === 0) return;
    this.#timer = backgroundRepeat(() => this.sweep(), this.#sweepIntervalMs);
  }
}

function result(limit: number): RateLimitResult {
  return { allowed: false, remaining: 0, limit, resetMs: 0, retryAfterMs: 0 };
}

function blocked(out: RateLimitResult, forMs: number): RateLimitResult {
  out.allowed = false;
  out.remaining = 0;
  out.retryAfterMs = forMs;
  out.resetMs = Math.max(out.resetMs, forMs);
  return out;
}

/** A store in this process, for one limiter or several (give each its own `prefix`). */
export function memoryStore(options?: MemoryStoreOptions): MemoryStore {
  return new MemoryStore(options);
}

/** Every option name, checked against the interface by the compiler. */
const KNOWN_MEMORY_STORE_OPTIONS: Record<keyof MemoryStoreOptions, true> = {
  sweepIntervalMs: true,
};
