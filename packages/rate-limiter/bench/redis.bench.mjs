// The Redis store against rate-limiter-flexible's RateLimiterRedis on one real Redis that
// the runner starts once (from tools/testkit, in the runner's globalSetup). Each timed run
// is 200 consumes issued at once, as 200 concurrent callers.
import { defineBench } from '@bulwark/bench';
import {
  RateLimiterRedis as DropInRateLimiterRedis,
  RateLimiter,
  redisStore,
} from '@bulwark/rate-limiter';
import { Redis } from 'ioredis';
import { RateLimiterRedis } from 'rate-limiter-flexible';

const CALLERS = 200;
const KEYS = 10_000;
const PLENTY = 1_000_000_000;
/** Keys a flood hits: a few clients. */
const FLOOD_KEYS = 100;
const WAVE_CONTESTANTS = [
  'ours gcra',
  'ours fixed-window',
  'ours RateLimiterRedis drop-in',
  'rate-limiter-flexible',
];
const FLOOD_CONTESTANTS = [
  'ours gcra',
  'ours gcra denyCache',
  'rate-limiter-flexible',
  'rate-limiter-flexible, in-memory block',
];

async function client() {
  const redis = new Redis(Number(process.env.BENCH_REDIS_PORT), '127.0.0.1', {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
  });
  await new Promise((resolve) => redis.once('ready', resolve));
  return redis;
}

/** Our store, once its own connection is up (before that it answers from insurance). */
async function readyStore(options) {
  const store = redisStore(options);
  while (!store.ready) await new Promise((resolve) => setTimeout(resolve, 5));
  return store;
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
  if (contestant === 'ours RateLimiterRedis drop-in') {
    const limiter = new DropInRateLimiterRedis({
      storeClient: redis,
      points: PLENTY,
      duration: 3600,
      keyPrefix: prefix,
    });
    await limiter.get('warm-up'); // its own connection is up
    return { consume: (key) => limiter.consume(key), close: () => redis.disconnect() };
  }
  const algorithm = contestant.replace('ours ', '');
  const options =
    algorithm === 'fixed-window'
      ? { algorithm, limit: PLENTY, windowMs: 3_600_000 }
      : { algorithm, rate: PLENTY, intervalMs: 3_600_000, burst: PLENTY };
  const store = await readyStore({ client: redis, prefix });
  const limiter = new RateLimiter({ ...options, store });
  return { consume: (key) => limiter.consume(key), close: () => redis.disconnect() };
}

/**
 * Limiters whose keys are all past their limit: one unit an hour, spent beforehand. Ours
 * with and without `denyCache`; rate-limiter-flexible with and without its in-memory block
 * (it rejects when limited, so its rejections are taken as answers).
 */
async function makeRefusingLimiter(contestant) {
  const redis = await client();
  const prefix = `bench:flood:${contestant}:${process.pid}:`;
  if (contestant.startsWith('rate-limiter-flexible')) {
    const limiter = new RateLimiterRedis({
      storeClient: redis,
      points: 1,
      duration: 3600,
      keyPrefix: prefix,
      ...(contestant.endsWith('in-memory block') ? { inMemoryBlockOnConsumed: 2 } : {}),
    });
    return {
      consume: (key) => limiter.consume(key).catch((refused) => refused),
      close: () => redis.disconnect(),
    };
  }
  const store = await readyStore({
    client: redis,
    prefix,
    denyCache: contestant.endsWith('denyCache'),
  });
  const limiter = new RateLimiter({
    algorithm: 'gcra',
    rate: 1,
    intervalMs: 3_600_000,
    burst: 1,
    store,
  });
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
  contestants: [...new Set([...WAVE_CONTESTANTS, ...FLOOD_CONTESTANTS])],
  async globalSetup() {
    const { startRedis } = await import('@bulwark/testkit');
    const server = await startRedis();
    return { env: { BENCH_REDIS_PORT: String(server.port) }, teardown: () => server.close() };
  },
  anchors: ['rate-limiter-flexible', 'rate-limiter-flexible, in-memory block'],
  cases: {
    'refused-flood': {
      description: `${CALLERS} callers at once on ${FLOOD_KEYS} keys that are all past their limit: a client flooding a refused key. Ours with and without \`denyCache\`; rate-limiter-flexible with and without \`inMemoryBlockOnConsumed\`.`,
      contestants: FLOOD_CONTESTANTS,
      async setup(contestant) {
        const limiter = await makeRefusingLimiter(contestant);
        const keys = Array.from({ length: FLOOD_KEYS }, (_, i) => `flood:${i}`);
        // Spend each key's one unit, then be refused once: every later consume is refused.
        for (const key of keys) {
          await limiter.consume(key);
          await limiter.consume(key);
        }
        let cursor = 0;
        const run = () =>
          Promise.all(
            Array.from({ length: CALLERS }, () => {
              cursor = (cursor + 1) % FLOOD_KEYS;
              return limiter.consume(keys[cursor]);
            }),
          );
        return { ops: CALLERS, run, teardown: () => limiter.close() };
      },
    },
    'consume-200-callers': {
      description: `\`consume\` on Redis, ${CALLERS} callers at once over ${KEYS.toLocaleString('en')} keys; one Redis on loopback. rate-limiter-flexible: RateLimiterRedis (a fixed window).`,
      contestants: WAVE_CONTESTANTS,
      async setup(contestant) {
        const { limiter, run } = await wave(contestant);
        return { ops: CALLERS, run, teardown: () => limiter.close() };
      },
    },
    'slowest-of-200': {
      description: `The same waves of ${CALLERS} callers, timed per wave: p50 and p99 of the time until the last caller of a wave has its answer, so an upper bound on every caller's latency.`,
      latency: true,
      contestants: WAVE_CONTESTANTS,
      async setup(contestant) {
        const { limiter, run } = await wave(contestant);
        return { ops: 1, run, teardown: () => limiter.close() };
      },
    },
  },
});
