import {
  nonNegativeNumber,
  optionsObject,
  rejectUnknownOptions,
  stringOption,
} from '@bulwark/engine-kit';
import {
  defaultPrefix,
  escapeKey,
  type RedisClient,
  RedisLink,
  redisTimeoutMs,
} from '@bulwark/redis-kit';
import { type Serializer, structuredCloneSerializer } from '../serializer.js';
import { ValueCodec } from './codec.js';
import { ReadBatcher } from './read-batcher.js';
import { RELEASE_LEASE, REPLAY_DELETE, REPLAY_SET, TAKE_LEASE } from './scripts.js';

export interface RedisTierOptions {
  /** An ioredis `Redis` or `Cluster`, made with any options (see "Redis" in the README). */
  client: RedisClient;
  /** Put before every key. Default: `bulwark:ttl-cache:`. */
  prefix?: string;
  /** Part of every key: change it to leave behind everything an older deploy wrote. Default: none. */
  version?: string | number;
  /** Deadline for each Redis call, in ms. Default: 200. */
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
  readonly timeoutMs: number;
  readonly #link: RedisLink;
  readonly #prefix: string;
  readonly #codec: ValueCodec;
  readonly #reads: ReadBatcher;

  constructor(options: RedisTierOptions) {
    const o = optionsObject<RedisTierOptions>('redisTier', options);
    rejectUnknownOptions('redisTier', o, KNOWN_OPTIONS);
    this.timeoutMs = redisTimeoutMs('redisTier', o.timeoutMs);
    this.#link = new RedisLink('redisTier', o.client, this.timeoutMs);
    this.#reads = new ReadBatcher(this.#link);
    if (o.version !== undefined && typeof o.version !== 'string' && typeof o.version !== 'number') {
      throw new TypeError(`redisTier.version must be a string or number; got ${typeof o.version}`);
    }
    const version = o.version === undefined ? '' : `v${o.version}:`;
    const prefix =
      o.prefix === undefined
        ? defaultPrefix('ttl-cache')
        : stringOption('redisTier.prefix', o.prefix);
    this.#prefix = `${prefix}${version}`;
    const compressAbove =
      o.compressAbove === undefined
        ? 1024
        : nonNegativeNumber('redisTier.compressAbove', o.compressAbove);
    this.#codec = new ValueCodec(o.serializer ?? structuredCloneSerializer, compressAbove);
  }

  /** Whether Redis calls go out now: the tier's connection is up (else they fall back at once). */
  get ready(): boolean {
    return this.#link.ready;
  }

  /** The client the tier was given. */
  get client(): RedisClient {
    return this.#link.userClient;
  }

  /** The Redis key for a cache key: escaped, so two keys never become one. */
  keyOf(key: string): string {
    return this.#prefix + escapeKey(key);
  }

  /** The key's value and the TTL it has left; reads made together share one round trip. */
  async get(key: string): Promise<TierHit | undefined> {
    const reply = await this.#reads.read(this.keyOf(key));
    if (!reply) return undefined;
    const { stored, pttl } = reply;
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
    // Stamped with the write's time, so a write replayed after a partition never
    // overwrites this one if this one is newer.
    const bytes = await this.#codec.encode(value, kept, Date.now());
    if (ttl > 0) await this.#link.send('SET', this.keyOf(key), bytes, 'PX', Math.ceil(ttl + kept));
    else await this.#link.send('SET', this.keyOf(key), bytes);
  }

  async delete(key: string): Promise<void> {
    await this.#link.send('DEL', this.keyOf(key));
  }

  /**
   * A set this instance made at `writtenAt` (`Date.now()`) while Redis was unreachable,
   * written now with what is left of its TTL (`ttlLeft`, 0: none), unless Redis holds a
   * newer write of the key. Whether it was written.
   */
  async replaySet(
    key: string,
    value: unknown,
    ttlLeft: number,
    keptMs: number,
    writtenAt: number,
  ): Promise<boolean> {
    const kept = ttlLeft > 0 ? keptMs : 0;
    const bytes = await this.#codec.encode(value, kept, writtenAt);
    const px = ttlLeft > 0 ? Math.ceil(ttlLeft + kept) : 0;
    return (await this.#link.run(REPLAY_SET, [this.keyOf(key)], [bytes, px, writtenAt])) === 1;
  }

  /** A delete made at `writtenAt` while Redis was unreachable, unless the key was written since. */
  async replayDelete(key: string, writtenAt: number): Promise<void> {
    await this.#link.run(REPLAY_DELETE, [this.keyOf(key)], [writtenAt]);
  }

  /** Claims the right to load `key` for `ms`; true if this caller has it. */
  async takeLease(key: string, token: string, ms: number): Promise<boolean> {
    return (await this.#link.run(TAKE_LEASE, [this.#leaseKey(key)], [token, ms])) === 1;
  }

  async releaseLease(key: string, token: string): Promise<void> {
    await this.#link.run(RELEASE_LEASE, [this.#leaseKey(key)], [token]);
  }

  /** The link the tier sends on, for the bus made from the same client. */
  get link(): RedisLink {
    return this.#link;
  }

  #leaseKey(key: string): string {
    return `${this.keyOf(key)}:lease`;
  }
}

const KNOWN_OPTIONS = ['client', 'prefix', 'version', 'timeoutMs', 'compressAbove', 'serializer'];

/** The Redis tier for a `TieredCache`. */
export function redisTier(options: RedisTierOptions): RedisTier {
  return new RedisTier(options);
}
