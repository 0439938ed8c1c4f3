import { describeValue } from '@bulwark/engine-kit';

/**
 * What the packages use of an ioredis `Redis` or `Cluster`, written out so that no package
 * depends on ioredis: users pass the client they already have, made with any options,
 * the default offline queue included (see `RedisLink` for why that is safe).
 */
export interface RedisClient {
  /** ioredis's connection state: `wait` (lazyConnect), `connecting`, `connect`, `ready`, `reconnecting`, `close`, `end`. */
  readonly status: string;
  /** Set on an ioredis `Cluster`. */
  readonly isCluster?: boolean;
  /** The options it was made with (a Cluster's node options are its `redisOptions`). */
  readonly options?: object;
  /** Any command; replies as strings and numbers. */
  call(command: string, ...args: (string | Buffer | number)[]): Promise<unknown>;
  /** Any command; bulk replies as Buffers (for binary values). */
  callBuffer(command: string, ...args: (string | Buffer | number)[]): Promise<unknown>;
  /** Opens a `lazyConnect` client. */
  connect(): Promise<void>;
  /** `Redis#duplicate(options)`, or `Cluster#duplicate(startupNodes, options)`. */
  duplicate(first?: unknown, second?: unknown): RedisClient & RedisSubscriber;
  on(event: 'end' | 'ready' | 'close', listener: () => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  off(event: 'ready' | 'close', listener: () => void): unknown;
  disconnect(): void;
}

/** A connection for pub/sub, opened with `client.duplicate()`. */
export interface RedisSubscriber {
  readonly status: string;
  subscribe(channel: string): Promise<unknown>;
  on(event: 'message', listener: (channel: string, message: string) => void): unknown;
  on(event: 'ready' | 'close' | 'end' | '-node', listener: () => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  disconnect(): void;
}

/** Refuses anything that is not an ioredis client, naming the option that holds it. */
export function checkClient(who: string, client: unknown): RedisClient {
  const c = client as Partial<RedisClient> | undefined;
  if (
    typeof c !== 'object' ||
    c === null ||
    typeof c.call !== 'function' ||
    typeof c.callBuffer !== 'function' ||
    typeof c.duplicate !== 'function' ||
    typeof c.status !== 'string'
  ) {
    throw new TypeError(
      `${who}: client must be an ioredis Redis or Cluster (new Redis(...) / new Cluster(...)); got ${describeValue(client)}`,
    );
  }
  return client as RedisClient;
}
