import { delay } from '@bulwark/engine-kit';
import { BlockedKeys } from './blocked-keys.js';
import { InsuranceSeed } from './insurance-seed.js';
import {
  COMMON_OPTIONS,
  type ConsumeOptions,
  type IRateLimiterOptions,
  isRateLimiterCompatible,
  RateLimiterAbstract,
  type RateLimiterLike,
} from './limiter-abstract.js';
import { RateLimiterRes } from './rate-limiter-res.js';

/** Options of limiters over a store (Redis): rate-limiter-flexible's, durations in seconds. */
export interface IRateLimiterStoreOptions extends IRateLimiterOptions {
  /** The store's client. */
  storeClient: unknown;
  /** Count at which a key is blocked in the store for `blockDuration` (≥ points). Default: over `points`. */
  blockOnConsumed?: number;
  /** Count at which this process refuses a key without asking the store (≥ points). Default 0: off. */
  inMemoryBlockOnConsumed?: number;
  /** Seconds of that refusal. Default 0: until the key's record expires. */
  inMemoryBlockDuration?: number;
}

export const STORE_OPTIONS = [
  ...COMMON_OPTIONS,
  'storeClient',
  'storeType',
  'blockOnConsumed',
  'inMemoryBlockOnConsumed',
  'inMemoryBlockDuration',
];

/** A key's record in the store: its count and ms until it expires (-1: never). */
export type StoreRecord = readonly [consumed: number, msBeforeNext: number];

type Method = 'consume' | 'penalty' | 'reward' | 'get' | 'set' | 'block' | 'delete';

/**
 * What rate-limiter-flexible's store limiters share, over a store that does three things
 * (`upsert`, `read`, `remove`): refusing over `points`, blocking, `execEvenly`, blocking
 * in memory, and handing a call to `insuranceLimiter` when the store fails (a
 * RateLimiterRes rejection is an answer, not a failure). Insurance starts where the store
 * left the key (InsuranceSeed), which rate-limiter-flexible does not do.
 */
export abstract class RateLimiterStoreAbstract extends RateLimiterAbstract {
  #client: unknown;
  #blockOnConsumed = 0;
  #inMemoryBlockOnConsumed = 0;
  #inMemoryBlockDuration = 0;
  #insuranceLimiter: RateLimiterLike | undefined;
  readonly #inMemoryBlockedKeys = new BlockedKeys();
  readonly #seed = new InsuranceSeed();

  constructor(opts: IRateLimiterStoreOptions, who: string, known: readonly string[]) {
    super(opts, who, known);
    const options = opts ?? ({} as IRateLimiterStoreOptions);
    this.client = options.storeClient;
    this.blockOnConsumed = options.blockOnConsumed as number;
    this.inMemoryBlockOnConsumed = options.inMemoryBlockOnConsumed as number;
    this.inMemoryBlockDuration = options.inMemoryBlockDuration as number;
    this.insuranceLimiter = options.insuranceLimiter as RateLimiterLike;
  }

  /** Adds `points` to the key's record (`forceExpire`: sets it to `points`), in `msDuration` ms. */
  protected abstract upsert(
    rlKey: string,
    points: number,
    msDuration: number,
    forceExpire: boolean,
  ): Promise<StoreRecord>;
  /** The key's record, or null. */
  protected abstract read(rlKey: string): Promise<StoreRecord | null>;
  /** Deletes the key's record; whether there was one. */
  protected abstract remove(rlKey: string): Promise<boolean>;

  get client(): unknown {
    return this.#client;
  }

  set client(value: unknown) {
    if (value === undefined) throw new Error('storeClient is not set');
    this.#client = value;
  }

  get blockOnConsumed(): number {
    return this.#blockOnConsumed;
  }

  set blockOnConsumed(value: number) {
    this.#blockOnConsumed = this.#countFromPoints('blockOnConsumed', value);
  }

  get inMemoryBlockOnConsumed(): number {
    return this.#inMemoryBlockOnConsumed;
  }

  set inMemoryBlockOnConsumed(value: number) {
    this.#inMemoryBlockOnConsumed = this.#countFromPoints('inMemoryBlockOnConsumed', value);
  }

  /** A count option as rate-limiter-flexible reads it: a whole number (0: off), not below `points`. */
  #countFromPoints(name: string, value: unknown): number {
    const count = value ? Number.parseInt(String(value), 10) : 0;
    if (count > 0 && this.points > count) {
      throw new Error(`${name} option must be greater or equal "points" option`);
    }
    return count;
  }

  get inMemoryBlockDuration(): number {
    return this.#inMemoryBlockDuration;
  }

  set inMemoryBlockDuration(value: number) {
    this.#inMemoryBlockDuration = value ? Number.parseInt(String(value), 10) : 0;
    if (this.#inMemoryBlockDuration > 0 && this.#inMemoryBlockOnConsumed === 0) {
      throw new Error('inMemoryBlockOnConsumed option must be set up');
    }
  }

  get msInMemoryBlockDuration(): number {
    return this.#inMemoryBlockDuration * 1000;
  }

  get insuranceLimiter(): RateLimiterLike | undefined {
    return this.#insuranceLimiter;
  }

  /** Insurance takes this limiter's `blockDuration` and `execEvenly`, as there. */
  set insuranceLimiter(value: RateLimiterLike | undefined) {
    if (value !== undefined && !isRateLimiterCompatible(value)) {
      throw new Error(
        'insuranceLimiter must be instance of RateLimiterAbstract or RateLimiterCompatibleAbstract',
      );
    }
    this.#insuranceLimiter = value;
    if (value) {
      value.blockDuration = this.blockDuration;
      value.execEvenly = this.execEvenly;
    }
  }

  /** ms left of the key's in-memory block (a stored key, prefix included); 0 if none. */
  getInMemoryBlockMsBeforeExpire(rlKey: string): number {
    return this.#inMemoryBlockOnConsumed > 0 ? this.#inMemoryBlockedKeys.msBeforeExpire(rlKey) : 0;
  }

  /** Ends every in-memory block of this limiter. */
  deleteInMemoryBlockedAll(): void {
    this.#inMemoryBlockedKeys.clear();
  }

  consume(
    key: string | number,
    pointsToConsume: number = 1,
    options: ConsumeOptions = {},
  ): Promise<RateLimiterRes> {
    return this.#insured('consume', [key, pointsToConsume, options], key, () =>
      this.#consume(key, pointsToConsume, options),
    );
  }

  penalty(
    key: string | number,
    points: number = 1,
    options: ConsumeOptions = {},
  ): Promise<RateLimiterRes> {
    return this.#insured('penalty', [key, points, options], key, () =>
      this.#change(key, points, options),
    );
  }

  reward(
    key: string | number,
    points: number = 1,
    options: ConsumeOptions = {},
  ): Promise<RateLimiterRes> {
    return this.#insured('reward', [key, points, options], key, () =>
      this.#change(key, -(points as number), options),
    );
  }

  /** The key's count, or null when it has none. */
  get(key: string | number, options: ConsumeOptions = {}): Promise<RateLimiterRes | null> {
    return this.#insured('get', [key, options], key, async () => {
      const rlKey = this.getKey(key);
      const record = await this.read(rlKey);
      if (record === null) return null;
      return this.#resOf(rlKey, 0, record);
    });
  }

  /** Sets the key's count to `points` for `secDuration` seconds (below 0: `duration`; 0: forever). */
  set(
    key: string | number,
    points: number,
    secDuration: number,
    options: ConsumeOptions = {},
  ): Promise<RateLimiterRes> {
    const msDuration = (secDuration >= 0 ? secDuration : this.duration) * 1000;
    return this.#insured('set', [key, points, msDuration / 1000, options], key, async () => {
      await this.upsert(this.getKey(key), points, msDuration, true);
      return new RateLimiterRes(0, msDuration > 0 ? msDuration : -1, points);
    });
  }

  /** Refuses the key for `secDuration` seconds (0: until deleted). */
  block(
    key: string | number,
    secDuration: number,
    options: ConsumeOptions = {},
  ): Promise<RateLimiterRes> {
    return this.#block(key, this.#blockedPoints(), secDuration * 1000, options);
  }

  /** Forgets the key (and its in-memory block); resolves whether it had a record. */
  delete(key: string | number, options: ConsumeOptions = {}): Promise<boolean> {
    const rlKey = this.getKey(key);
    return this.#insured('delete', [key, options], key, async () => {
      const deleted = await this.remove(rlKey);
      this.#inMemoryBlockedKeys.delete(rlKey);
      this.#seed.forget(rlKey);
      return deleted;
    });
  }

  async #consume(
    key: string | number,
    points: number,
    options: ConsumeOptions,
  ): Promise<RateLimiterRes> {
    const rlKey = this.getKey(key);
    const blockedMs = this.getInMemoryBlockMsBeforeExpire(rlKey);
    if (blockedMs > 0) throw new RateLimiterRes(0, blockedMs);
    const record = await this.upsert(rlKey, points, this.durationOf(options) * 1000, false);
    const res = this.#resOf(rlKey, points, record);
    const consumed = res.consumedPoints;

    // Blocked in memory for the rest of the record's life (no inMemoryBlockDuration).
    if (
      this.#inMemoryBlockOnConsumed > 0 &&
      !(this.#inMemoryBlockDuration > 0) &&
      consumed >= this.#inMemoryBlockOnConsumed
    ) {
      this.#inMemoryBlockedKeys.addMs(rlKey, res.msBeforeNext);
      if (consumed > this.points) throw res;
      return res;
    }
    if (consumed > this.points) {
      if (this.blockDuration > 0 && this.#crossedBlockThreshold(consumed, points)) {
        res.msBeforeNext = this.msBlockDuration;
        await this.#block(key, consumed, this.msBlockDuration, options);
      }
      if (this.#inMemoryBlockOnConsumed > 0 && consumed >= this.#inMemoryBlockOnConsumed) {
        this.#inMemoryBlockedKeys.addMs(rlKey, this.msInMemoryBlockDuration);
        res.msBeforeNext = this.msInMemoryBlockDuration;
      }
      throw res;
    }
    const wait = this.evenDelayMs(res);
    if (wait > 0) {
      res.msBeforeNext = Math.max(res.msBeforeNext - wait, 0);
      await delay(wait);
    }
    return res;
  }

  async #change(
    key: string | number,
    points: number,
    options: ConsumeOptions,
  ): Promise<RateLimiterRes> {
    const rlKey = this.getKey(key);
    const record = await this.upsert(rlKey, points, this.durationOf(options) * 1000, false);
    return this.#resOf(rlKey, points, record);
  }

  #block(
    key: string | number,
    points: number,
    msDuration: number,
    options: ConsumeOptions,
  ): Promise<RateLimiterRes> {
    return this.#insured('block', [key, msDuration / 1000, options], key, async () => {
      await this.upsert(this.getKey(key), points, msDuration, true);
      return new RateLimiterRes(0, msDuration > 0 ? msDuration : -1, points);
    });
  }

  #resOf(
    rlKey: string,
    changedPoints: number,
    [consumed, msBeforeNext]: StoreRecord,
  ): RateLimiterRes {
    this.#seed.seen(rlKey, consumed, msBeforeNext);
    return new RateLimiterRes(
      Math.max(this.points - consumed, 0),
      msBeforeNext,
      consumed,
      consumed === changedPoints,
    );
  }

  /** What `block` sets the count to: `blockOnConsumed` when it is on, else `points + 1`. */
  #blockedPoints(): number {
    return this.#blockOnConsumedOn() ? this.#blockOnConsumed : this.points + 1;
  }

  #blockOnConsumedOn(): boolean {
    return this.#blockOnConsumed > 0 && this.#blockOnConsumed > this.points;
  }

  /** Whether this consume is the one that went over the block threshold (not one after it). */
  #crossedBlockThreshold(consumed: number, changed: number): boolean {
    if (!this.#blockOnConsumedOn())
      return consumed > this.points && consumed <= this.points + changed;
    return consumed >= this.#blockOnConsumed && consumed - changed < this.#blockOnConsumed;
  }

  /**
   * Runs `call` on the store; when the store fails (anything but a RateLimiterRes), hands
   * the same call to the insurance limiter, started where the store left the key.
   */
  async #insured<T>(
    method: Method,
    args: unknown[],
    key: string | number,
    call: () => Promise<T>,
  ): Promise<T> {
    try {
      return await call();
    } catch (error) {
      const insurance = this.#insuranceLimiter;
      if (error instanceof RateLimiterRes || insurance === undefined) throw error;
      if (method === 'consume' || method === 'penalty' || method === 'reward') {
        await this.#seed.start(insurance, key, this.getKey(key)).catch(() => {});
      }
      const forward = insurance[method] as (...params: unknown[]) => Promise<T>;
      return forward.apply(insurance, args);
    }
  }
}
