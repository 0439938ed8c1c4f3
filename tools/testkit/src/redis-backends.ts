import { Cluster, Redis } from 'ioredis';
import { type RedisCluster, startRedisCluster } from './redis-cluster.js';
import { type RedisServer, startRedis } from './redis-server.js';

/**
 * A real Redis for a package's distributed tests, as one server or a three-node Cluster,
 * with clients configured as the packages require (no offline queue, no retries per
 * request, quick reconnects), and the stop/start that fault tests use.
 */
export interface RedisBackend {
  readonly nodes: { host: string; port: number }[];
  readonly cluster: boolean;
  /** A new client; the caller disconnects it. */
  client(): Redis | Cluster;
  /**
   * A client made as a user would make one: every ioredis default (offline queue on,
   * retries per request, resend after reconnect). The caller disconnects it.
   */
  defaultClient(): Redis | Cluster;
  /** Stops every node, keeping the ports, for a test to `start()` them again. */
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function singleNodeBackend(): Promise<RedisBackend> {
  const server: RedisServer = await startRedis();
  return {
    nodes: [{ host: server.host, port: server.port }],
    cluster: false,
    client: () =>
      new Redis(server.port, server.host, {
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        retryStrategy: () => 50,
      }),
    defaultClient: () => quiet(new Redis(server.port, server.host)),
    stop: () => server.stop(),
    start: () => server.start(),
    close: () => server.close(),
  };
}

export async function threeNodeClusterBackend(): Promise<RedisBackend> {
  const cluster: RedisCluster = await startRedisCluster();
  return {
    nodes: cluster.nodes,
    cluster: true,
    client: () =>
      new Cluster(cluster.nodes, {
        enableOfflineQueue: false,
        clusterRetryStrategy: () => 100,
        redisOptions: { maxRetriesPerRequest: 0 },
      }),
    defaultClient: () => quiet(new Cluster(cluster.nodes)),
    stop: async () => {
      for (let i = 0; i < cluster.nodes.length; i++) await cluster.stopNode(i);
    },
    start: async () => {
      await Promise.all(cluster.nodes.map((_, i) => cluster.startNode(i)));
    },
    close: () => cluster.close(),
  };
}

/** Connection errors during fault tests are expected; unlistened, ioredis prints each one. */
function quiet<C extends Redis | Cluster>(client: C): C {
  client.on('error', () => {});
  return client;
}

/** Both backends, for `describe.each`: every distributed test runs on each. */
export const REDIS_BACKENDS = [
  ['single node', singleNodeBackend],
  ['three-node cluster', threeNodeClusterBackend],
] as const;

/** Waits for a condition that another connection or process makes true, up to a bound. */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  withinMs = 5_000,
): Promise<void> {
  const end = Date.now() + withinMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`condition not met within ${withinMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
