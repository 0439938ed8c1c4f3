import { RedisLink, redisTimeoutMs } from '@bulwark/redis-kit';
import { AddBatcher } from './add-batcher.js';
import { redisKey } from './redis-key.js';
import { ADD_MANY, READ, SET } from './redis-scripts.js';
import type { IRateLimiterStoreOptions, StoreRecord } from './store-limiter-abstract.js';
import { RateLimiterStoreAbstract, STORE_OPTIONS } from './store-limiter-abstract.js';

/** rate-limiter-flexible's RateLimiterRedis options, and ours. */
export interface IRateLimiterRedisOptions extends IRateLimiterStoreOptions {
  /** An ioredis `Redis` or `Cluster`, made with any options. */
  storeClient: unknown;
  /**
   * ms each Redis call may take before it counts as failed (and goes to insurance).
   * Default 200. rate-limiter-flexible has none: a hung Redis holds its calls.
   */
  timeoutMs?: number;
  /** Accepted, and always in effect here: a call while Redis is not ready fails at once. */
  rejectIfRedisNotReady?: boolean;
}

const WHO = 'RateLimiterRedis';

/** Options rate-limiter-flexible has that change nothing here (see the README). */
const NO_EFFECT = ['rejectIfRedisNotReady', 'useRedisPackage', 'useRedis3AndLowerPackage'];

/**
 * rate-limiter-flexible's RateLimiterRedis over an ioredis client. Its records, keys and
 * answers, so processes on either library share counts. Underneath, calls go through our
 * Redis link (its own connection: no offline queue replaying a timed-out INCRBY after an
 * outage, a deadline on every call), keys stay distinct byte for byte, and insurance
 * starts where Redis left the key.
 */
export class RateLimiterRedis extends RateLimiterStoreAbstract {
  readonly #link: RedisLink;
  readonly #adds: AddBatcher;

  constructor(opts: IRateLimiterRedisOptions) {
    super(opts, WHO, [...STORE_OPTIONS, 'timeoutMs', 'customIncrTtlLuaScript', ...NO_EFFECT]);
    if ((opts as { customIncrTtlLuaScript?: unknown }).customIncrTtlLuaScript !== undefined) {
      throw new Error(
        `${WHO}: customIncrTtlLuaScript is not supported: the scripts are part of how this limiter keeps its counts exact`,
      );
    }
    const timeoutMs = redisTimeoutMs(WHO, opts.timeoutMs);
    this.#link = new RedisLink(`${WHO} storeClient`, opts.storeClient, timeoutMs);
    this.#adds = new AddBatcher(this.#link);
  }

  protected async upsert(
    rlKey: string,
    points: number,
    msDuration: number,
    forceExpire: boolean,
  ): Promise<StoreRecord> {
    const count = integerPoints(points);
    const ms = msDuration > 0 ? Math.ceil(msDuration) : 0;
    const key = redisKey(rlKey);
    if (!forceExpire && typeof key === 'string') return this.#adds.add(key, count, ms);
    const reply = (await this.#link.run(forceExpire ? SET : ADD_MANY, [key], [count, ms])) as [
      number,
      number,
    ];
    return [Number(reply[0]), Number(reply[1])];
  }

  protected async read(rlKey: string): Promise<StoreRecord | null> {
    const reply = (await this.#link.run(READ, [redisKey(rlKey)], [])) as [string, number] | null;
    if (reply === null) return null;
    return [Number.parseInt(reply[0], 10), Number(reply[1])];
  }

  protected async remove(rlKey: string): Promise<boolean> {
    return ((await this.#link.send('DEL', redisKey(rlKey))) as number) > 0;
  }
}

/**
 * Redis counts whole numbers. As in rate-limiter-flexible, a fraction or a string other than
 * digits is refused with its message (and, as there, goes to insurance if there is one).
 */
function integerPoints(points: number | string): string {
  if (typeof points === 'string') {
    if (!/^[1-9][0-9]*$/.test(points)) {
      throw new Error(
        'Consuming string different than integer values is not supported by this package',
      );
    }
    return points;
  }
  if (!Number.isInteger(points)) {
    throw new Error('Consuming decimal number of points is not supported by this package');
  }
  return String(points);
}
