/**
 * What the tiers use of an ioredis `Redis` or `Cluster`, written out so that this package
 * needs no dependency on ioredis: pass in the client you already have.
 */
export interface RedisClient {
  readonly options: { enableOfflineQueue?: boolean };
  readonly status: string;
  readonly isCluster: boolean;
  set(key: string, value: Buffer | string): Promise<unknown>;
  set(key: string, value: Buffer | string, px: 'PX', ms: number): Promise<unknown>;
  set(key: string, value: string, px: 'PX', ms: number, nx: 'NX'): Promise<'OK' | null>;
  del(...keys: string[]): Promise<number>;
  publish(channel: string, message: string): Promise<number>;
  /** Any command, replies as Buffers: how scripts run, since their values may be binary. */
  callBuffer(command: string, ...args: (string | Buffer | number)[]): Promise<unknown>;
  /** `Redis#duplicate(options)`, or `Cluster#duplicate(startupNodes, options)`. */
  duplicate(first?: unknown, second?: unknown): RedisSubscriber;
}

/** The subscriber connection the bus opens with `client.duplicate()`. */
export interface RedisSubscriber {
  readonly status: string;
  subscribe(channel: string): Promise<unknown>;
  on(event: 'message', listener: (channel: string, message: string) => void): unknown;
  on(event: 'ready' | 'close' | 'end', listener: () => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  disconnect(): void;
}

/**
 * The client settings the tiers need, checked when a tier is built.
 *
 * `enableOfflineQueue: false`: with ioredis's default, commands issued while Redis is down
 * wait in a queue and all run when it returns: a backlog of stale writes replayed after
 * the outage, and callers that wait instead of falling back. With the queue off, a
 * command fails at once while the connection is down, and the tier falls back to L1.
 */
export function checkClient(client: RedisClient, who: string): void {
  if (typeof client?.callBuffer !== 'function' || typeof client?.duplicate !== 'function') {
    throw new TypeError(`${who}: client must be an ioredis Redis or Cluster`);
  }
  if (client.options?.enableOfflineQueue !== false) {
    throw new TypeError(
      `${who}: create the ioredis client with { enableOfflineQueue: false } ` +
        '(for a Cluster, in the Cluster options): with the offline queue on, commands issued during ' +
        'an outage are replayed as a backlog when Redis returns',
    );
  }
}
