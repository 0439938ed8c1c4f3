// The Redis store against rate-limiter-flexible's RateLimiterRedis on one real Redis that
// the runner starts once (run through `node --import tsx`: the server comes from
// tools/testkit). Each timed run is 200 consumes issued at once, as 200 concurrent callers.
import { defineBench } from '@bulwark/bench';
import { RateLimiter, redisStore } from '@bulwark/rate-limiter';
import { Redis } from 'ioredis';
import { RateLimiterRedis } from 'rate-limiter-flexible';

const CALLERS = 200;
const KEYS = 10_000;
const PLENTY = 1_000_000_000;

async function client() {
  const redis = new Redis(Number(process.env.BENCH_REDIS_PORT), '127.0.0.1', {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
  });
  await new Promise((resolve) => redis.once('ready', resolve));
  return redis;
}

async function makeLimiter(contestant) {
  const redis = await client();
  const prefix = `bench:${contestant}:${process.pid}:`;
  if (contestant === 'rate-limiter-flexible') {
    const limiter = new RateLimiterRedis({
      storeClient: redis,
      points: PLENTY,
      duration: 3600,
      keyPrefix: prefix,
    });
    return { consume: (key) => limiter.consume(key), close: () => redis.disconnect() };
  }
  const algorithm = contestant.replace('ours ', '');
  const options =
    algorithm === 'fixed-window'
      ? { algorithm, limit: PLENTY, windowMs: 3_600_000 }
      : { algorithm, rate: PLENTY, intervalMs: 3_600_000, burst: PLENTY };
  const limiter = new RateLimiter({ ...options, store: redisStore({ client: redis, prefix }) });
  return { consume: (key) => limiter.consume(key), close: () => redis.disconnect() };
}

/** A run: CALLERS consumes issued at once, over KEYS keys in turn. */
async function wave(contestant) {
  const limiter = await makeLimiter(contestant);
  let cursor = 0;
  return {
    limiter,
    run: () =>
      Promise.all(
        Array.from({ length: CALLERS }, () => {
          cursor = (cursor + 1) % KEYS;
          return limiter.consume(`user:${cursor}`);
        }),
      ),
  };
}

export default defineBench({
  package: 'rate-limiter-redis',
  title: '@bulwark/rate-limiter: Redis store',
  contestants: ['ours gcra', 'ours fixed-window', 'rate-limiter-flexible'],
  anchors: ['rate-limiter-flexible'],
  async globalSetup() {
    const { startRedis } = await import('@bulwark/testkit');
    const server = await startRedis();
    return { env: { BENCH_REDIS_PORT: String(server.port) }, teardown: () => server.close() };
  },
  cases: {
    'consume-200-callers': {
      description: `\`consume\` on Redis, ${CALLERS} callers at once over ${KEYS.toLocaleString('en')} keys; one Redis on loopback. rate-limiter-flexible: RateLimiterRedis (a fixed window).`,
      async setup(contestant) {
        const { limiter, run } = await wave(contestant);
        return { ops: CALLERS, run, teardown: () => limiter.close() };
      },
    },
    'slowest-of-200': {
      description: `The same waves of ${CALLERS} callers, timed per wave: p50 and p99 of the time until the last caller of a wave has its answer, so an upper bound on every caller's latency.`,
      latency: true,
      async setup(contestant) {
        const { limiter, run } = await wave(contestant);
        return { ops: 1, run, teardown: () => limiter.close() };
      },
    },
  },
});
