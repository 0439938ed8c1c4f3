import { randomUUID } from 'node:crypto';
import { optionsObject, rejectUnknownOptions, stringOption } from '@bulwark/engine-kit';
import {
  defaultPrefix,
  type RedisClient,
  RedisLink,
  type RedisSubscriber,
  redisTimeoutMs,
} from '@bulwark/redis-kit';

export interface RedisBusOptions {
  /** The same kind of client as the tier's; the bus opens its own subscriber with `duplicate()`. */
  client: RedisClient;
  /** Pub/sub channel shared by every instance of one cache. Default: `bulwark:ttl-cache:invalidate`. */
  channel?: string;
  /** Deadline for a publish, in ms. Default: 200. */
  timeoutMs?: number;
}

export interface BusListener {
  /** Other instances changed these keys: drop them from L1. */
  invalidate(keys: string[]): void;
  /** The subscription was lost and is back: invalidations may have been missed. */
  resync(): void;
  /**
   * The subscription may be missing messages and there is no telling when it is back (a
   * Cluster moves its subscription to another node without a `close`): resync once Redis
   * answers again.
   */
  suspect(): void;
}

/**
 * Invalidation messages between the instances of a `TieredCache`: keys only, never values.
 * Each instance ignores its own messages (its L1 already has what it wrote).
 */
export class RedisBus {
  /** This instance's name on the bus. */
  readonly id = randomUUID();
  readonly #link: RedisLink;
  readonly #channel: string;
  #subscriber: RedisSubscriber | undefined;

  constructor(options: RedisBusOptions) {
    const o = optionsObject<RedisBusOptions>('redisBus', options);
    rejectUnknownOptions('redisBus', o, ['client', 'channel', 'timeoutMs']);
    this.#link = new RedisLink('redisBus', o.client, redisTimeoutMs('redisBus', o.timeoutMs));
    this.#channel =
      o.channel === undefined
        ? `${defaultPrefix('ttl-cache')}invalidate`
        : stringOption('redisBus.channel', o.channel);
  }

  async publish(keys: string[]): Promise<void> {
    const message = JSON.stringify({ from: this.id, keys });
    await this.#link.send('PUBLISH', this.#channel, message);
  }

  /**
   * Starts listening. ioredis subscribes again by itself after a reconnect; the first
   * `ready` after a lost connection is when L1 must resync.
   */
  listen(listener: BusListener): void {
    if (this.#subscriber) throw new Error('redisBus: one bus serves one TieredCache');
    const subscriber = this.#link.subscriber();
    this.#subscriber = subscriber;
    let lost = false;
    subscriber.on('message', (channel, message) => {
      if (channel !== this.#channel) return;
      const parsed = parse(message);
      if (parsed && parsed.from !== this.id) listener.invalidate(parsed.keys);
    });
    subscriber.on('close', () => {
      lost = true;
    });
    // Once SUBSCRIBE has answered again, not at 'ready': an invalidation sent between the
    // two would be missed by a resync made before it. (ioredis resubscribes too; a second
    // SUBSCRIBE is harmless.)
    subscriber.on('ready', () => {
      if (!lost) return;
      lost = false;
      subscriber.subscribe(this.#channel).then(
        () => listener.resync(),
        () => listener.suspect(),
      );
    });
    // A Cluster's node went away: its subscription may have been there.
    subscriber.on('-node', () => listener.suspect());
    subscriber.subscribe(this.#channel).catch(() => {});
  }

  close(): void {
    this.#subscriber?.disconnect();
    this.#subscriber = undefined;
  }
  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
  }
}

function parse(message: string): { from: string; keys: string[] } | undefined {
  try {
    const parsed = JSON.parse(message);
    if (typeof parsed?.from === 'string' && Array.isArray(parsed.keys)) return parsed;
  } catch {
    // Not ours: some other publisher on the channel.
  }
  return undefined;
}

/** The invalidation bus for a `TieredCache`. */
export function redisBus(options: RedisBusOptions): RedisBus {
  return new RedisBus(options);
}
