/**
 * What the Redis store uses of an ioredis `Redis` or `Cluster`, written out so that this
 * package needs no dependency on ioredis: pass in the client you already have.
 */
export interface RedisClient {
  readonly options: { enableOfflineQueue?: boolean };
  readonly isCluster?: boolean;
  call(command: string, ...args: (string | number)[]): Promise<unknown>;
  /** `Redis#duplicate(options)`, or `Cluster#duplicate(startupNodes, options)`. */
  duplicate(first?: unknown, second?: unknown): RedisSubscriber;
}

/** The connection the store subscribes to circuit notices with (`client.duplicate()`). */
export interface RedisSubscriber {
  subscribe(channel: string): Promise<unknown>;
  on(event: 'message', listener: (channel: string, message: string) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'ready', listener: () => void): unknown;
  disconnect(): void;
}

/**
 * The client must fail fast while Redis is down: with ioredis's default offline queue,
 * reports issued during an outage wait and are all replayed when Redis returns, and the
 * breaker waits on them instead of falling back to its local state.
 */
export function checkClient(client: RedisClient): void {
  if (typeof client?.call !== 'function' || typeof client?.duplicate !== 'function') {
    throw new TypeError('redisStore: client must be an ioredis Redis or Cluster');
  }
  if (client.options?.enableOfflineQueue !== false) {
    throw new TypeError(
      'redisStore: create the ioredis client with { enableOfflineQueue: false } (for a Cluster, in ' +
        'its options): with the offline queue on, reports issued during an outage are replayed as ' +
        'a backlog when Redis returns',
    );
  }
}
