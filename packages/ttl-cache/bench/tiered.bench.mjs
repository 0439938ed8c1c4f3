// The tiered cache against bentocache and cache-manager, all on one real Redis that the
// runner starts once, from tools/testkit in its globalSetup; the workers need no TypeScript.
import { defineBench } from '@bulwark/bench';
import { makeTiered } from './tiered-contestants.mjs';

const CONTESTANTS = ['ours', 'bentocache', 'cache-manager'];
const value = (i) => ({ id: i, name: `product ${i}`, tags: ['a', 'b'], price: i * 1.5 });

/** Writes `n` keys through one instance, then reads them from a fresh one (empty L1). */
async function prefilled(contestant, n) {
  const port = Number(process.env.BENCH_REDIS_PORT);
  const prefix = `bench:${contestant}:${process.pid}:`;
  const writer = await makeTiered(contestant, port, prefix);
  for (let i = 0; i < n; i += 500) {
    const batch = [];
    for (let j = i; j < Math.min(n, i + 500); j++) batch.push(writer.set(`k${j}`, value(j)));
    await Promise.all(batch);
  }
  await writer.close();
  return makeTiered(contestant, port, prefix);
}

export default defineBench({
  package: 'ttl-cache-tiered',
  title: '@bulwark/ttl-cache: TieredCache (L1 in process, L2 on Redis)',
  contestants: CONTESTANTS,
  anchors: ['bentocache', 'cache-manager'],
  async globalSetup() {
    const { startRedis } = await import('@bulwark/testkit');
    const server = await startRedis();
    return { env: { BENCH_REDIS_PORT: String(server.port) }, teardown: () => server.close() };
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
