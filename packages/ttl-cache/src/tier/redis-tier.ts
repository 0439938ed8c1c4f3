import { type Serializer, structuredCloneSerializer } from '../serializer.js';
import { ValueCodec } from './codec.js';
import { withDeadline } from './deadline.js';
import { GET_WITH_TTL, RELEASE_LEASE, TAKE_LEASE } from './lua-script.js';
import { checkClient, type RedisClient } from './redis-client.js';

export interface RedisTierOptions {
  /** An ioredis `Redis` or `Cluster`, created with `enableOfflineQueue: false`. */
  client: RedisClient;
  /** Put before every key. Default: `bulwark:`. */
  prefix?: string;
  /** Part of every key: change it to leave behind everything an older deploy wrote. Default: none. */
  version?: string | number;
  /** Deadline for each Redis call, in ms. Default: 100. */
  timeoutMs?: number;
  /** Values whose serialized form is larger than this many bytes are deflated. Default: 1024. */
  compressAbove?: number;
  /** How values become bytes. Default: V8 structured clone. */
  serializer?: Serializer;
}

/** A value read from Redis, with the ms it has left before it is stale (Infinity: no expiry). */
export interface TierHit {
  value: unknown;
  remainingTtl: number;
  /**
   * Past its TTL, and held only because it was written with a stale-if-error time:
   * `remainingTtl` is 0, and the value is for answering a failed load, nothing else.
   */
  stale: boolean;
}

/**
 * The L2 of a `TieredCache`: reads and writes one key at a time in Redis, each call under a
 * deadline. Errors are thrown to the caller (the `TieredCache`), which decides to fall back.
 */
export class RedisTier {
  readonly client: RedisClient;
  readonly timeoutMs: number;
  readonly #prefix: string;
  readonly #codec: ValueCodec;

  constructor(options: RedisTierOptions) {
    checkClient(options?.client, 'redisTier');
    this.client = options.client;
    const version = options.version === undefined ? '' : `v${options.version}:`;
    if (options.prefix !== undefined && typeof options.prefix !== 'string') {
      throw new TypeError(`prefix must be a string; got ${typeof options.prefix}`);
    }
    this.#prefix = `${options.prefix ?? 'bulwark:'}${version}`;
    this.timeoutMs = options.timeoutMs ?? 100;
    if (
      typeof this.timeoutMs !== 'number' ||
      !Number.isFinite(this.timeoutMs) ||
      this.timeoutMs <= 0
    ) {
      throw new RangeError(
        `timeoutMs must be a positive number of ms; got ${String(options.timeoutMs)}`,
      );
    }
    const compressAbove = options.compressAbove ?? 1024;
    if (typeof compressAbove !== 'number' || !(compressAbove >= 0)) {
      throw new RangeError(
        `compressAbove must be a number of bytes >= 0; got ${String(compressAbove)}`,
      );
    }
    this.#codec = new ValueCodec(options.serializer ?? structuredCloneSerializer, compressAbove);
  }

  /** The Redis key for a cache key. */
  keyOf(key: string): string {
    return this.#prefix + key;
  }

  async get(key: string): Promise<TierHit | undefined> {
    const reply = (await withDeadline(
      GET_WITH_TTL.run(this.client, this.keyOf(key)),
      this.timeoutMs,
      'get',
    )) as [Buffer, number] | null;
    if (!reply) return undefined;
    const [stored, pttl] = reply;
    const { value, keptMs } = await this.#codec.decode(stored);
    if (pttl < 0) return { value, remainingTtl: Number.POSITIVE_INFINITY, stale: false };
    // Redis holds it keptMs past its TTL: the TTL ended keptMs before Redis's expiry.
    const remainingTtl = pttl - keptMs;
    return remainingTtl > 0
      ? { value, remainingTtl, stale: false }
      : { value, remainingTtl: 0, stale: true };
  }

  /**
   * Writes `value` with a TTL in ms (0: none), kept `keptMs` longer in Redis for answering
   * failed loads (`TieredCache`'s `staleIfError`).
   */
  async set(key: string, value: unknown, ttl: number, keptMs = 0): Promise<void> {
    const kept = ttl > 0 ? keptMs : 0;
    const bytes = await this.#codec.encode(value, kept);
    const write =
      ttl > 0
        ? this.client.set(this.keyOf(key), bytes, 'PX', Math.ceil(ttl + kept))
        : this.client.set(this.keyOf(key), bytes);
    await withDeadline(write, this.timeoutMs, 'set');
  }

  async delete(key: string): Promise<void> {
    await withDeadline(this.client.del(this.keyOf(key)), this.timeoutMs, 'delete');
  }

  /** Claims the right to load `key` for `ms`; true if this caller has it. */
  async takeLease(key: string, token: string, ms: number): Promise<boolean> {
    const taken = await withDeadline(
      TAKE_LEASE.run(this.client, this.#leaseKey(key), token, ms),
      this.timeoutMs,
      'lease',
    );
    return taken === 1;
  }

  async releaseLease(key: string, token: string): Promise<void> {
    await withDeadline(
      RELEASE_LEASE.run(this.client, this.#leaseKey(key), token),
      this.timeoutMs,
      'lease release',
    );
  }

  #leaseKey(key: string): string {
    return `${this.keyOf(key)}:lease`;
  }
}

/** The Redis tier for a `TieredCache`. */
export function redisTier(options: RedisTierOptions): RedisTier {
  return new RedisTier(options);
}
