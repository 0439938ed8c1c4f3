// Each two-tier cache behind one shape: { get, set, close }, L1 bounded near 10k entries,
// L2 on the Redis at 127.0.0.1:port under `prefix`, a 10-minute TTL.
const TTL_MS = 600_000;

/** @returns {Promise<{ get(k: string): Promise<unknown>, set(k: string, v: unknown): Promise<unknown>, close(): Promise<void> }>} */
export async function makeTiered(name, port, prefix) {
  switch (name) {
    case 'ours': {
      const { Redis } = await import('ioredis');
      const { TieredCache, redisTier } = await import('../dist/index.js');
      const client = new Redis(port, '127.0.0.1', { enableOfflineQueue: false });
      await new Promise((resolve) => client.once('ready', resolve));
      const l2 = redisTier({ client, prefix });
      // The tier sends on a connection of its own; until it is up, calls fall back to L1.
      while (!l2.ready) await new Promise((resolve) => setTimeout(resolve, 5));
      const cache = new TieredCache({ l1: { max: 10_000 }, l2, ttl: TTL_MS });
      return {
        get: (k) => cache.get(k),
        set: (k, v) => cache.set(k, v),
        close: async () => {
          cache.close();
          client.disconnect();
        },
      };
    }
    case 'bentocache': {
      const { Redis } = await import('ioredis');
      const { BentoCache, bentostore } = await import('bentocache');
      const { memoryDriver } = await import('bentocache/drivers/memory');
      const { redisDriver } = await import('bentocache/drivers/redis');
      const connection = new Redis(port, '127.0.0.1', { keyPrefix: prefix });
      const bento = new BentoCache({
        default: 'tiered',
        stores: {
          tiered: bentostore()
            .useL1Layer(memoryDriver({ maxItems: 10_000 }))
            .useL2Layer(redisDriver({ connection })),
        },
      });
      return {
        get: (k) => bento.get({ key: k }),
        set: (k, v) => bento.set({ key: k, value: v, ttl: TTL_MS }),
        close: async () => {
          await bento.disconnectAll();
        },
      };
    }
    case 'cache-manager': {
      const { createCache } = await import('cache-manager');
      const { Keyv } = await import('keyv');
      const { default: KeyvRedis } = await import('@keyv/redis');
      const l2 = new KeyvRedis(`redis://127.0.0.1:${port}`);
      const cache = createCache({
        stores: [new Keyv(), new Keyv({ store: l2, namespace: prefix })],
      });
      return {
        get: (k) => cache.get(k),
        set: (k, v) => cache.set(k, v, TTL_MS),
        close: async () => {
          await cache.disconnect();
        },
      };
    }
    default:
      throw new Error(`unknown contestant ${name}`);
  }
}
