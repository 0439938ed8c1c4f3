/**
 * What the Redis store uses of an ioredis `Redis` or `Cluster`, written out so that this
 * package needs no dependency on ioredis: pass in the client you already have.
 */
export interface RedisClient {
  readonly options: { enableOfflineQueue?: boolean };
  /** Set on an ioredis `Cluster`: decisions are then batched per hash slot. */
  readonly isCluster?: boolean;
  call(command: string, ...args: (string | number)[]): Promise<unknown>;
}

/**
 * The client must fail fast while Redis is down. With ioredis's default offline queue,
 * consumes issued during an outage wait, then all run against Redis when it returns: a
 * backlog replayed as if it were new traffic, and callers that hang instead of getting
 * the fallback.
 */
export function checkClient(client: RedisClient): void {
  if (typeof client?.call !== 'function') {
    throw new TypeError('redisStore: client must be an ioredis Redis or Cluster');
  }
  if (client.options?.enableOfflineQueue !== false) {
    throw new TypeError(
      'redisStore: create the ioredis client with { enableOfflineQueue: false } (for a Cluster, in its ' +
        'options): with the offline queue on, an outage backlog is replayed when Redis returns',
    );
  }
}
