import { backgroundRepeat, type Timer } from '@bulwark/engine-kit';
import { SlotTable } from '../stores/slot-table.js';
import { RateLimiterRes } from './rate-limiter-res.js';

/** A record that never expires (duration 0) keeps this as its expiry. */
const NEVER = Number.POSITIVE_INFINITY;

/**
 * Counters that expire, for RateLimiterMemory: a number per key and the time it expires.
 * Kept in one Float64Array (a slot of two numbers per key: [expiresAt, value]) found
 * through a Map, so a key costs its Map entry and 16 bytes, and no timer: expired records
 * are treated as absent when read and dropped by one sweep every `sweepEveryMs`, which runs
 * only while there are records. rate-limiter-flexible arms a timer per key instead, which
 * is most of what it spends per new key.
 *
 * Values are whole numbers, as rate-limiter-flexible keeps them (`parseInt`): adding 1.5
 * adds 1. Times are `Date.now()` ms, as there, so code that fakes `Date` in its tests
 * moves these records too.
 */
export class ExpiringCounters {
  readonly #table = new SlotTable(1);
  readonly #sweepEveryMs: number;
  #sweeper: Timer | undefined;

  constructor(sweepEveryMs: number) {
    this.#sweepEveryMs = sweepEveryMs;
  }

  /** Adds `by` to `key`'s live record, or starts a record of `by` lasting `durationMs`. */
  incrby(key: string, by: number, durationMs: number): RateLimiterRes {
    const at = this.#table.find(key);
    if (at >= 0) {
      const data = this.#table.data;
      const expiresAt = data[at] as number;
      const now = Date.now();
      if (expiresAt > now) {
        const value = wholeNumber((data[at + 1] as number) + by);
        data[at + 1] = value;
        return new RateLimiterRes(0, expiresAt === NEVER ? -1 : expiresAt - now, value, false);
      }
    }
    return this.set(key, by, durationMs);
  }

  /** Replaces `key`'s record with `value`, lasting `durationMs` (not above 0: forever). */
  set(key: string, value: number, durationMs: number): RateLimiterRes {
    const whole = wholeNumber(value);
    const lasts = durationMs > 0;
    this.#write(key, whole, lasts ? Date.now() + durationMs : NEVER);
    return new RateLimiterRes(0, lasts ? durationMs : -1, whole, true);
  }

  /** `key`'s live record, or null. */
  get(key: string): RateLimiterRes | null {
    const at = this.#table.find(key);
    if (at < 0) return null;
    const data = this.#table.data;
    const expiresAt = data[at] as number;
    if (expiresAt === NEVER) return new RateLimiterRes(0, -1, data[at + 1] as number, false);
    const now = Date.now();
    if (expiresAt <= now) return null;
    return new RateLimiterRes(0, expiresAt - now, data[at + 1] as number, false);
  }

  /** Whether a live record was there to delete. */
  delete(key: string): boolean {
    const live = this.get(key) !== null;
    this.#table.delete(key);
    return live;
  }

  /** Live records: key, value, and the `Date.now()` ms they expire at (null: never). */
  *entries(): IterableIterator<{ key: string; value: number; expiresAt: number | null }> {
    const now = Date.now();
    for (const [key, record] of this.#live(now)) yield { key, ...record };
  }

  /** Puts back a record as `entries` gave it (restore after a restart). */
  restore(key: string, value: number, expiresAt: number | null): void {
    this.#write(key, wholeNumber(value), expiresAt === null ? NEVER : expiresAt);
  }

  /** Drops expired records now (the sweep timer calls this). */
  sweep(): void {
    const data = this.#table.data;
    const now = Date.now();
    this.#table.sweep((at) => (data[at] as number) <= now);
    if (this.#table.size === 0) this.#stopSweeping();
  }

  *#live(now: number): IterableIterator<[string, { value: number; expiresAt: number | null }]> {
    const data = this.#table.data;
    for (const key of this.#table.keys()) {
      const at = this.#table.find(key);
      const expiresAt = data[at] as number;
      if (expiresAt <= now) continue;
      yield [
        key,
        { value: data[at + 1] as number, expiresAt: expiresAt === NEVER ? null : expiresAt },
      ];
    }
  }

  #write(key: string, value: number, expiresAt: number): void {
    let at = this.#table.find(key);
    if (at < 0) {
      at = this.#table.add(key);
      if (this.#sweeper === undefined) this.#startSweeping();
    }
    const data = this.#table.data;
    data[at] = expiresAt;
    data[at + 1] = value;
  }

  #startSweeping(): void {
    if (this.#sweepEveryMs <= 0) return;
    this.#sweeper = backgroundRepeat(() => this.sweep(), this.#sweepEveryMs);
  }

  #stopSweeping(): void {
    this.#sweeper?.cancel();
    this.#sweeper = undefined;
  }
}

/**
 * rate-limiter-flexible's records keep `parseInt(value, 10)`. For the numbers that matter
 * (safe integers and plain fractions) that is truncation; anything else (1e21, 5e-7) goes
 * through the same string conversion, so it ends where it ends there.
 */
function wholeNumber(value: number): number {
  // `+ 0` turns -0 into 0, as the string conversion does.
  if (Number.isInteger(value) && Math.abs(value) < 1e21) return value + 0;
  if (Number.isFinite(value) && Math.abs(value) >= 1e-6 && Math.abs(value) < 1e21) {
    return Math.trunc(value);
  }
  return Number.parseInt(String(value), 10);
}
