// The tiered cache against bentocache and cache-manager, all on one real Redis that the
// runner starts once, from tools/testkit in its globalSetup; the workers need no TypeScript.
import { defineBench } from '@bulwark/bench';
import { FLOOR_L2, makeTiered } from './tiered-contestants.mjs';

const CONTESTANTS = ['ours', 'bentocache', 'cache-manager'];
const value = (i) => ({ id: i, name: `product ${i}`, tags: ['a', 'b'], price: i * 1.5 });

const CALLERS = 200;

/** Where the cases' Redis is: the server's port, or the Cluster's nodes. */
function redisTarget(cluster) {
  return cluster
    ? JSON.parse(process.env.BENCH_REDIS_CLUSTER_NODES)
    : Number(process.env.BENCH_REDIS_PORT);
}

/** Writes `n` keys through one instance, then reads them from a fresh one (empty L1). */
async function prefilled(contestant, n, cluster = false) {
  const target = redisTarget(cluster);
  const prefix = `bench:${contestant}:${process.pid}:${Math.random().toString(36).slice(2, 8)}:`;
  const writer = await makeTiered(contestant, target, prefix);
  for (let i = 0; i < n; i += 500) {
    const batch = [];
    for (let j = i; j < Math.min(n, i + 500); j++) batch.push(writer.set(`k${j}`, value(j)));
    await Promise.all(batch);
  }
  await writer.close();
  return makeTiered(contestant, target, prefix);
}

/**
 * Waves of CALLERS concurrent `get`s of keys in Redis and not in L1 (each wave reads the
 * next CALLERS keys; past `n` they come round again, long since evicted from the 10k L1).
 * `ops`: CALLERS for throughput; 1 for the latency of a whole wave (its last answer).
 */
function concurrentL2Hits({ cluster, latency, contestants, description }) {
  return {
    description,
    latency,
    contestants,
    async setup(contestant, { quick }) {
      // Several times L1's 10k entries: a key comes round again long after L1 dropped it.
      const n = quick ? 40_000 : 100_000;
      const cache = await prefilled(contestant, n, cluster);
      let next = 0;
      return {
        ops: latency ? 1 : CALLERS,
        run: () =>
          Promise.all(
            Array.from({ length: CALLERS }, () => {
              next = (next + 1) % n;
              return cache.get(`k${next}`);
            }),
          ),
        teardown: () => cache.close(),
      };
    },
  };
}

export default defineBench({
  package: 'ttl-cache-tiered',
  title: '@bulwark/ttl-cache: TieredCache (L1 in process, L2 on Redis)',
  contestants: [...CONTESTANTS, FLOOR_L2],
  anchors: ['bentocache', 'cache-manager'],
  async globalSetup() {
    const { startRedis, startRedisCluster } = await import('@bulwark/testkit');
    const server = await startRedis();
    const cluster = await startRedisCluster();
    return {
      env: {
        BENCH_REDIS_PORT: String(server.port),
        BENCH_REDIS_CLUSTER_NODES: JSON.stringify(cluster.nodes),
      },
      teardown: async () => {
        await server.close();
        await cluster.close();
      },
    };
  },
  cases: {
    'l1-hit': {
      description:
        'Async `get` of 1,000 keys read once before, so in L1 where the cache fills L1 on a read from L2. ' +
        'cache-manager 6 does not (its reads go to Redis each time). One Redis on loopback.',
      latency: true,
      async setup(contestant) {
        const cache = await prefilled(contestant, 1_000);
        for (let i = 0; i < 1_000; i++) await cache.get(`k${i}`);
        let i = 0;
        return {
          run: () => cache.get(`k${i++ % 1_000}`),
          teardown: () => cache.close(),
        };
      },
    },
    'l2-hit-200-callers': concurrentL2Hits({
      cluster: false,
      latency: false,
      contestants: [...CONTESTANTS, FLOOR_L2],
      description: `${CALLERS} concurrent \`get\`s of keys in Redis and not in L1, wave after wave (100k keys; 40k quick; L1 holds 10k). One Redis on loopback. The floor is not a cache: one \`MGET\` for the wave's keys and a V8 deserialize of each value, the least any cache reading them from Redis does.`,
    }),
    'l2-hit-200-callers-wave': concurrentL2Hits({
      cluster: false,
      latency: true,
      contestants: [...CONTESTANTS, FLOOR_L2],
      description: `The same waves, timed each: p50 and p99 of the time until the last of ${CALLERS} callers has its answer.`,
    }),
    'l2-hit-200-callers-cluster': concurrentL2Hits({
      cluster: true,
      latency: false,
      contestants: ['ours', 'bentocache'],
      description: `${CALLERS} concurrent \`get\`s of keys in Redis and not in L1, on a three-node Redis Cluster on loopback. cache-manager's Redis store (Keyv) is left out: it takes no ioredis Cluster.`,
    }),
    'l2-hit-200-callers-cluster-wave': concurrentL2Hits({
      cluster: true,
      latency: true,
      contestants: ['ours', 'bentocache'],
      description: `The Cluster waves, timed each: p50 and p99 of the time until the last of ${CALLERS} callers has its answer.`,
    }),
    'l2-hit': {
      description:
        'Async `get` of keys in Redis but not in L1: a fresh instance reads keys another wrote, each once ' +
        '(100k keys; 10k quick). One Redis on loopback.',
      latency: true,
      async setup(contestant, { quick }) {
        const n = quick ? 10_000 : 100_000;
        const cache = await prefilled(contestant, n);
        let i = 0;
        return {
          run: () => cache.get(`k${i++ % n}`),
          teardown: () => cache.close(),
        };
      },
    },
  },
});
