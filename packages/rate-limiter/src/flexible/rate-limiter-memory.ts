import { delay } from '@bulwark/engine-kit';
import { ExpiringCounters } from './expiring-counters.js';
import {
  COMMON_OPTIONS,
  type ConsumeOptions,
  type IRateLimiterOptions,
  RateLimiterAbstract,
} from './limiter-abstract.js';
import { pointsArgument } from './points-argument.js';
import { RateLimiterRes } from './rate-limiter-res.js';

/** What `dump()` gives and `restore()` takes: rate-limiter-flexible's format, version 1. */
export interface RateLimiterMemoryDump {
  version: 1;
  dumpedAt: number;
  storage: { key: string; value: number; expiresAt: number | null }[];
}

type RestoreBucket = 'invalid' | 'expired' | 'restored';
export type RestoreSummary = Record<RestoreBucket, number>;
export type RestoreDetail = Record<RestoreBucket, { count: number; keys: unknown[] }>;

const WHO = 'RateLimiterMemory';

/**
 * rate-limiter-flexible's RateLimiterMemory: a count per key that lives `duration` seconds
 * from the key's first consume, counting refused points too. Same options, methods,
 * answers and rejections (a `RateLimiterRes` when over the points). Underneath, records
 * live in one typed array with no timer per key (see ExpiringCounters).
 */
export class RateLimiterMemory extends RateLimiterAbstract {
  readonly #counters: ExpiringCounters;

  constructor(opts: IRateLimiterOptions) {
    super(opts, WHO, COMMON_OPTIONS);
    // Expired records are dropped within one duration (between 1 s and a minute).
    const sweepEveryMs =
      this.msDuration > 0 ? Math.min(Math.max(this.msDuration, 1000), 60_000) : 60_000;
    this.#counters = new ExpiringCounters(sweepEveryMs);
  }

  /**
   * Adds `pointsToConsume` to the key's count. Resolves with the count's state; rejects with
   * it (a RateLimiterRes) when the count is over `points`. With `blockDuration`, the call
   * that first goes over keeps the key refused for that long.
   */
  consume(
    key: string | number,
    pointsToConsume: number = 1,
    options?: ConsumeOptions,
  ): Promise<RateLimiterRes> {
    let points: number;
    try {
      points = pointsArgument(`${WHO}.consume`, 'pointsToConsume', pointsToConsume);
    } catch (error) {
      return Promise.reject(error);
    }
    const rlKey = tableKey(key);
    let res = this.#counters.incrby(rlKey, points, this.durationOf(options) * 1000);
    res.remainingPoints = Math.max(this.points - res.consumedPoints, 0);
    if (res.consumedPoints > this.points) {
      // Blocked by the call that goes over, not again by each refused call after it.
      if (this.blockDuration > 0 && res.consumedPoints <= this.points + points) {
        res = this.#counters.set(rlKey, res.consumedPoints, this.msBlockDuration);
      }
      return Promise.reject(res);
    }
    const wait = this.evenDelayMs(res);
    if (wait <= 0) return Promise.resolve(res);
    res.msBeforeNext = Math.max(res.msBeforeNext - wait, 0);
    return delay(wait).then(() => res);
  }

  /** Adds points to the key's count without refusing. */
  penalty(
    key: string | number,
    points: number = 1,
    options?: ConsumeOptions,
  ): Promise<RateLimiterRes> {
    return this.#add(`${WHO}.penalty`, key, points, 1, options);
  }

  /** Takes points off the key's count (it may go below zero). */
  reward(
    key: string | number,
    points: number = 1,
    options?: ConsumeOptions,
  ): Promise<RateLimiterRes> {
    return this.#add(`${WHO}.reward`, key, points, -1, options);
  }

  /** The key's count, or null when it has none. */
  get(key: string | number, _options?: ConsumeOptions): Promise<RateLimiterRes | null> {
    const res = this.#counters.get(tableKey(key));
    if (res !== null) res.remainingPoints = Math.max(this.points - res.consumedPoints, 0);
    return Promise.resolve(res);
  }

  /**
   * Sets the key's count to `points` for `secDuration` seconds. As in rate-limiter-flexible's
   * memory limiter, a duration that is not above 0 (or none) keeps the record forever,
   * while the answer reports the limiter's `duration`.
   */
  set(
    key: string | number,
    points: number,
    secDuration: number,
    _options?: ConsumeOptions,
  ): Promise<RateLimiterRes> {
    let value: number;
    try {
      value = pointsArgument(`${WHO}.set`, 'points', points);
    } catch (error) {
      return Promise.reject(error);
    }
    this.#counters.set(tableKey(key), value, secDuration * 1000);
    const msDuration = (secDuration >= 0 ? secDuration : this.duration) * 1000;
    return Promise.resolve(new RateLimiterRes(0, msDuration === 0 ? -1 : msDuration, value));
  }

  /** Refuses the key for `secDuration` seconds (0: until deleted): its count becomes `points + 1`. */
  block(
    key: string | number,
    secDuration: number,
    _options?: ConsumeOptions,
  ): Promise<RateLimiterRes> {
    const msDuration = secDuration * 1000;
    const blocked = this.points + 1;
    this.#counters.set(tableKey(key), blocked, msDuration);
    return Promise.resolve(new RateLimiterRes(0, msDuration === 0 ? -1 : msDuration, blocked));
  }

  /** Forgets the key; resolves whether it had a count. */
  delete(key: string | number, _options?: ConsumeOptions): Promise<boolean> {
    return Promise.resolve(this.#counters.delete(tableKey(key)));
  }

  /** Every live key's count, to `restore` after a restart. Keys without the prefix. */
  dump(): RateLimiterMemoryDump {
    const storage = [];
    for (const { key, value, expiresAt } of this.#counters.entries()) {
      storage.push({ key, value, expiresAt });
    }
    return { version: 1, dumpedAt: Date.now(), storage };
  }

  /**
   * Puts back what `dump` gave, skipping malformed and expired entries. Resolves nothing
   * (undefined) when `data` is not a version 1 dump; otherwise counts per outcome, and with
   * `detailResponse` the keys too.
   */
  restore(data: unknown, detailResponse?: false): RestoreSummary | undefined;
  restore(data: unknown, detailResponse: true): RestoreDetail | undefined;
  restore(data: unknown, detailResponse = false): RestoreSummary | RestoreDetail | undefined {
    const dump = data as Partial<RateLimiterMemoryDump> | null;
    if (!dump || typeof dump !== 'object' || dump.version !== 1) return undefined;
    const detail: RestoreDetail = {
      invalid: { count: 0, keys: [] },
      expired: { count: 0, keys: [] },
      restored: { count: 0, keys: [] },
    };
    const note = (bucket: RestoreBucket, key: unknown): void => {
      detail[bucket].count += 1;
      detail[bucket].keys.push(key);
    };
    for (const item of Array.isArray(dump.storage) ? (dump.storage as unknown[]) : []) {
      const entry = item as { key?: unknown; value?: unknown; expiresAt?: unknown } | null;
      if (!entry || typeof entry !== 'object') {
        note('invalid', 'N/A');
        continue;
      }
      const { key, value, expiresAt } = entry;
      const validKey = typeof key === 'string' || typeof key === 'number';
      const validExpiry = expiresAt === null || Number.isFinite(expiresAt);
      if (!validKey || !Number.isFinite(value) || !validExpiry) {
        note('invalid', key);
      } else if (expiresAt !== null && (expiresAt as number) <= Date.now()) {
        note('expired', key);
      } else {
        this.#counters.restore(
          tableKey(key as string),
          value as number,
          expiresAt as number | null,
        );
        note('restored', key);
      }
    }
    if (detailResponse) return detail;
    return {
      invalid: detail.invalid.count,
      expired: detail.expired.count,
      restored: detail.restored.count,
    };
  }

  #add(
    who: string,
    key: string | number,
    points: unknown,
    sign: 1 | -1,
    options: ConsumeOptions | undefined,
  ): Promise<RateLimiterRes> {
    let by: number;
    try {
      by = pointsArgument(who, 'points', points);
    } catch (error) {
      return Promise.reject(error);
    }
    const res = this.#counters.incrby(tableKey(key), sign * by, this.durationOf(options) * 1000);
    res.remainingPoints = Math.max(this.points - res.consumedPoints, 0);
    return Promise.resolve(res);
  }
}

/**
 * A key's place in this limiter's own table: the key itself, without `keyPrefix`. The
 * prefix tells limiters apart in a shared store, and a memory limiter shares its table
 * with no one; leaving it off spares building and hashing a new string on every call.
 */
function tableKey(key: string | number): string {
  return typeof key === 'string' ? key : String(key);
}
