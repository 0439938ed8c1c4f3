// Each two-tier cache behind one shape: { get, set, close }, L1 bounded near 10k entries,
// L2 under `prefix` on the Redis at 127.0.0.1:`target` (a port), or on the Cluster whose
// nodes `target` lists, a 10-minute TTL.
const TTL_MS = 600_000;
/** The floor's name in the tables. */
export const FLOOR_L2 = 'floor: one MGET per tick + decode';

/** An ioredis client for `target`: a port, or a Cluster's nodes. */
async function ioredisClient(target, options = {}) {
  const { Redis, Cluster } = await import('ioredis');
  const client = Array.isArray(target)
    ? new Cluster(target, options)
    : new Redis(target, '127.0.0.1', options);
  await new Promise((resolve) => client.once('ready', resolve));
  return client;
}

/** @returns {Promise<{ get(k: string): Promise<unknown>, set(k: string, v: unknown): Promise<unknown>, close(): Promise<void> }>} */
export async function makeTiered(name, target, prefix) {
  switch (name) {
    case 'ours': {
      const { TieredCache, redisTier } = await import('../dist/index.js');
      const client = await ioredisClient(target, { enableOfflineQueue: false });
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
      const { BentoCache, bentostore } = await import('bentocache');
      const { memoryDriver } = await import('bentocache/drivers/memory');
      const { redisDriver } = await import('bentocache/drivers/redis');
      const connection = await ioredisClient(
        target,
        Array.isArray(target)
          ? { keyPrefix: prefix, redisOptions: { keyPrefix: prefix } }
          : { keyPrefix: prefix },
      );
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
      if (Array.isArray(target)) throw new Error('cache-manager is measured on one server only');
      const port = target;
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
    case FLOOR_L2: {
      // Not a cache: the least any cache must do to answer a wave of L2 reads, one round
      // trip for all the keys read in the same tick (one MGET) and a decode of each value.
      if (Array.isArray(target)) throw new Error('the floor is measured on one server only');
      const { serialize, deserialize } = await import('node:v8');
      const client = await ioredisClient(target);
      let wave = null;
      const flush = async (batch) => {
        const found = await client.mgetBuffer(...batch.keys);
        for (let i = 0; i < found.length; i++) {
          batch.resolves[i](found[i] === null ? undefined : deserialize(found[i]));
        }
      };
      return {
        get: (k) =>
          new Promise((resolve) => {
            if (wave === null) {
              wave = { keys: [], resolves: [] };
              const batch = wave;
              queueMicrotask(() => {
                wave = null;
                flush(batch);
              });
            }
            wave.keys.push(prefix + k);
            wave.resolves.push(resolve);
          }),
        set: (k, v) => client.set(prefix + k, serialize(v), 'PX', TTL_MS),
        close: async () => {
          client.disconnect();
        },
      };
    }
    default:
      throw new Error(`unknown contestant ${name}`);
  }
}
