/**
 * The Redis store against real Redis: one server and a three-node Cluster. The scripts
 * against the same models as the in-process stores; exactness with several processes and
 * hundreds of concurrent consumers on one key; and Redis stopped under load.
 */
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { eventually, REDIS_BACKENDS, type RedisBackend } from '@bulwark/testkit';
import fc from 'fast-check';
import { type Cluster, Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  RateLimiter,
  type RateLimitResult,
  RateLimitStoreError,
  type RedisStoreOptions,
  redisStore,
} from '../src/index.js';

import {
  olderReadingNeverReopens,
  PEEK_RULES,
  peekAgreesWithConsume,
  refundEndsLiveLease,
  rulesKeptApart,
} from './store-cases.js';

const fixture = join(dirname(fileURLToPath(import.meta.url)), 'fixtures/redis-consumer.mjs');

/** Far longer than a test: an epoch-aligned window this long is not crossed during one. */
const LONG_WINDOW = 2 ** 31;

const EXACTNESS = [
  { algorithm: 'fixed-window', limit: 500, windowMs: LONG_WINDOW },
  { algorithm: 'sliding-window', limit: 500, windowMs: LONG_WINDOW },
  { algorithm: 'token-bucket', rate: 1, intervalMs: LONG_WINDOW, burst: 500 },
  { algorithm: 'gcra', rate: 1, intervalMs: LONG_WINDOW, burst: 500 },
  { algorithm: 'concurrency', limit: 500, leaseMs: LONG_WINDOW },
] as const;

describe.each(REDIS_BACKENDS)('redisStore on %s', (_name, makeBackend) => {
  let backend: RedisBackend;
  let clients: (Redis | Cluster)[] = [];
  let prefixes = 0;

  beforeAll(async () => {
    backend = await makeBackend();
  });
  afterAll(async () => {
    await backend.close();
  });
  afterEach(() => {
    for (const client of clients) client.disconnect();
    clients = [];
  });

  async function store(options: Partial<RedisStoreOptions> = {}) {
    const client = backend.client();
    client.on('error', () => {}); // the outage test's connection errors are expected
    clients.push(client);
    await eventually(() => client.status === 'ready', 15_000);
    prefixes += 1;
    const made = redisStore({ client, prefix: `t${process.pid}-${prefixes}:`, ...options });
    // The store sends on a connection of its own, which comes up a moment after the client.
    await eventually(() => made.ready, 15_000);
    return made;
  }

  /** Script calls the servers have run so far (every node of a cluster). */
  async function scriptCalls(): Promise<number> {
    let calls = 0;
    for (const node of backend.nodes) {
      const redis = new Redis(node.port, node.host);
      const info = await redis.info('commandstats');
      redis.disconnect();
      for (const m of info.matchAll(/cmdstat_(?:evalsha|eval):calls=(\d+)/g)) calls += Number(m[1]);
    }
    return calls;
  }

  /** Three processes, each with 300 consumes of one key at once; what each admitted. */
  function threeProcesses(options: object, extra: object = {}): Promise<number[]> {
    const prefix = `exact-${process.pid}-${++prefixes}:`;
    const run = () =>
      promisify(execFile)(process.execPath, [
        fixture,
        JSON.stringify({
          nodes: backend.nodes,
          cluster: backend.cluster,
          prefix,
          options,
          key: 'hot',
          concurrency: 300,
          ...extra,
        }),
      ]).then(
        ({ stdout }) => JSON.parse(stdout.trim().split('\n').at(-1) as string).admitted as number,
      );
    return Promise.all([run(), run(), run()]);
  }

  it.each(EXACTNESS)(
    '$algorithm: three processes, 300 consumers each at once on one key, admit exactly the limit',
    async (options) => {
      const admitted = await threeProcesses(options);
      expect(admitted.reduce((a, b) => a + b, 0)).toBe(500);
    },
  );

  it('hot-key leases: never more than the limit, at most size - 1 unspent per process, far fewer Redis calls', async () => {
    const before = await scriptCalls();
    const admitted = await threeProcesses(EXACTNESS[0], { lease: { size: 10 } });
    const total = admitted.reduce((a, b) => a + b, 0);
    expect(total).toBeLessThanOrEqual(500);
    expect(total).toBeGreaterThanOrEqual(500 - 3 * 9);
    // 900 consumes: at most 50 leases of 10 and one refused lease per process; then the
    // consumes the leases did not cover go one call each (without leases: 900 calls).
    expect((await scriptCalls()) - before).toBeLessThanOrEqual(50 + 3 + (900 - (500 - 3 * 9)));
  });

  it('denyCache: a refused key costs Redis nothing until its retry time, answered as Redis would; then Redis decides', async () => {
    let now = 1_000_000; // on a window's start: windows of 1000 ms align to the epoch
    const prefix = `deny-${process.pid}-${++prefixes}:`;
    const options = { algorithm: 'fixed-window', limit: 3, windowMs: 1000, clock: () => now };
    const cached = new RateLimiter({
      ...options,
      store: await store({ prefix, time: 'client', denyCache: true }),
    } as never);
    // The same keys in Redis, read without the cache: what Redis itself answers.
    const direct = new RateLimiter({
      ...options,
      store: await store({ prefix, time: 'client' }),
    } as never);
    for (let i = 0; i < 3; i++) expect((await cached.consume('k')).allowed).toBe(true);
    expect(await cached.consume('k')).toMatchObject({ allowed: false, retryAfterMs: 1000 });

    now += 300;
    const before = await scriptCalls();
    const flood = await Promise.all(Array.from({ length: 200 }, () => cached.consume('k')));
    expect(await scriptCalls()).toBe(before);
    expect(new Set(flood.map((r) => JSON.stringify(r))).size).toBe(1);
    expect(flood[0]).toEqual(await direct.consume('k'));
    expect(await cached.peek('k')).toEqual(await direct.peek('k'));

    // The window has passed: Redis is asked again, and admits.
    now += 700;
    const calls = await scriptCalls();
    expect((await cached.consume('k')).allowed).toBe(true);
    expect(await scriptCalls()).toBe(calls + 1);
  });

  it('denyCache: a long block is rechecked with Redis every maxAgeMs; a reset here forgets at once', async () => {
    let now = 5_000_000;
    const limiter = new RateLimiter({
      algorithm: 'token-bucket',
      rate: 1,
      intervalMs: 60_000,
      burst: 1,
      blockDurationMs: 60_000,
      clock: () => now,
      store: await store({ time: 'client', denyCache: { maxAgeMs: 100 } }),
    } as never);
    await limiter.consume('k');
    expect(await limiter.consume('k')).toMatchObject({ allowed: false, retryAfterMs: 60_000 });
    now += 99;
    let calls = await scriptCalls();
    expect(await limiter.consume('k')).toMatchObject({ allowed: false, retryAfterMs: 59_901 });
    expect(await scriptCalls()).toBe(calls);
    now += 1;
    expect(await limiter.consume('k')).toMatchObject({ allowed: false, retryAfterMs: 59_900 });
    expect(await scriptCalls()).toBe(calls + 1);

    await limiter.reset('k');
    calls = await scriptCalls();
    expect((await limiter.consume('k')).allowed).toBe(true);
    expect(await scriptCalls()).toBe(calls + 1);
  });

  it('consumes issued together go to Redis as one script call per hash slot, decided in order', async () => {
    const keys = 50;
    const options = { algorithm: 'fixed-window', limit: 3, windowMs: LONG_WINDOW } as const;
    // Load the script on every node that holds one of the keys' slots (a key's slot is its
    // hash tag's, whatever the prefix), so that no NOSCRIPT retry is counted below.
    const warmUp = new RateLimiter({ ...options, store: await store() });
    await Promise.all(Array.from({ length: keys }, (_, k) => warmUp.consume(`user:${k}`)));
    const limiter = new RateLimiter({ ...options, store: await store() });
    const before = await scriptCalls();
    const results = await Promise.all(
      Array.from({ length: 4 * keys }, (_, i) => limiter.consume(`user:${i % keys}`)),
    );
    const calls = (await scriptCalls()) - before;
    // Per key, its four consumes in the order they were issued: the first three admitted.
    for (let k = 0; k < keys; k++) {
      const mine = results.filter((_, i) => i % keys === k).map((r) => r.allowed);
      expect(mine).toEqual([true, true, true, false]);
    }
    // 200 consumes: two calls of at most 128 on one Redis; on a Cluster one per slot.
    expect(calls).toBeLessThanOrEqual(backend.cluster ? keys : 2);
  });

  it('a key lives in Redis at least until its state is a new key’s again, and at most about twice that', async () => {
    const prefix = `life-${process.pid}-${++prefixes}:`;
    const limiter = new RateLimiter({
      algorithm: 'gcra',
      rate: 1,
      intervalMs: 10_000,
      burst: 3,
      store: await store({ prefix }),
    });
    const reader = backend.client();
    clients.push(reader);
    await eventually(() => reader.status === 'ready', 15_000);
    // The rule is part of the name: gcra, 1/10000 units per ms, burst 3.
    const key = `${prefix}gcra:${1 / 10_000}/3:{user}`;
    for (let i = 1; i <= 3; i++) {
      const result = await limiter.consume('user');
      // The state returns to a new key's once the debt (resetMs) is paid.
      const needed = result.resetMs + 1000;
      const pttl = await reader.pttl(key);
      expect(pttl).toBeGreaterThanOrEqual(needed - 100);
      expect(pttl).toBeLessThanOrEqual(2 * (needed + 1000));
    }
  });

  it('the scripts agree with the in-process stores on random sequences (a driven clock)', async () => {
    const s = await store({ time: 'client' });
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(
          ...(['token-bucket', 'gcra', 'fixed-window', 'sliding-window', 'concurrency'] as const),
        ),
        fc.array(
          fc.oneof(
            fc.integer({ min: 1, max: 3 }).map((cost) => ({ cost, wait: 0 })),
            fc.integer({ min: 1, max: 700 }).map((wait) => ({ cost: 0, wait })),
          ),
          { maxLength: 30 },
        ),
        async (algorithm, steps) => {
          let now = 1_000_000;
          const options =
            algorithm === 'fixed-window' || algorithm === 'sliding-window'
              ? { algorithm, limit: 5, windowMs: 1000 }
              : algorithm === 'concurrency'
                ? { algorithm, limit: 5, leaseMs: 1000 }
                : { algorithm, rate: 3, intervalMs: 1000, burst: 5 };
          const onRedis = new RateLimiter({ ...options, store: s, clock: () => now } as never);
          const inProcess = new RateLimiter({ ...options, clock: () => now } as never);
          const key = `model-${++n}`;
          for (const step of steps) {
            now += step.wait;
            if (step.cost === 0) continue;
            const [got, want] = await Promise.all([
              onRedis.consume(key, step.cost),
              inProcess.consume(key, step.cost),
            ]);
            expect(got).toEqual(want);
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it('a block does not cut short the window it falls in', async () => {
    const s = await store();
    const limiter = new RateLimiter({
      algorithm: 'fixed-window',
      limit: 2,
      windowMs: LONG_WINDOW,
      blockDurationMs: 50,
      store: s,
    });
    await limiter.consume('k');
    await limiter.consume('k');
    expect(await limiter.consume('k')).toMatchObject({ allowed: false, retryAfterMs: 50 });
    // Past the block and the second the key would have been kept for it alone.
    await new Promise((r) => setTimeout(r, 1_200));
    expect((await limiter.consume('k')).allowed).toBe(false);
  });

  it('loads its scripts again after Redis forgets them (NOSCRIPT)', async () => {
    const s = await store();
    const limiter = new RateLimiter({
      algorithm: 'fixed-window',
      limit: 3,
      windowMs: LONG_WINDOW,
      store: s,
    });
    await limiter.consume('k');
    const flushing = backend.client();
    await eventually(() => flushing.status === 'ready', 15_000);
    if (backend.cluster) {
      await Promise.all((flushing as Cluster).nodes('master').map((node) => node.script('FLUSH')));
    } else {
      await (flushing as Redis).script('FLUSH');
    }
    flushing.disconnect();
    expect(await limiter.consume('k')).toMatchObject({ allowed: true, remaining: 1 });
    expect(s.usingRedis).toBe(true);
  });

  it('Redis stopped under load: the insurance store answers, nothing is unhandled, and Redis is used again after', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    try {
      const errors: unknown[] = [];
      const s = await store({ retryMs: 100, timeoutMs: 200, onRedisError: (e) => errors.push(e) });
      const limiter = new RateLimiter({
        algorithm: 'fixed-window',
        limit: 1000,
        windowMs: LONG_WINDOW,
        store: s,
      });
      expect((await limiter.consume('k', 10)).remaining).toBe(990);
      const load = (count: number) =>
        Promise.all(Array.from({ length: count }, () => limiter.consume('k')));
      const stopping = backend.stop();
      const during: RateLimitResult[] = [];
      while (s.usingRedis) during.push(...(await load(20)));
      await stopping;
      during.push(...(await load(50)));
      // Every call answered, as a decision: from Redis before it went, then from the insurance store.
      expect(during.every((r) => typeof r.allowed === 'boolean')).toBe(true);
      expect(errors.length).toBeGreaterThan(0);
      // Insurance took over where Redis left the key: the instance never admitted more
      // than the limit across the switch (10 before the load, then the load).
      expect(during.filter((r) => r.allowed).length + 10).toBeLessThanOrEqual(1000);

      await backend.start();
      await eventually(() => clients.every((c) => c.status === 'ready'), 30_000);
      // Back on Redis. The test server keeps no data across a restart, so Redis counts
      // afresh: more remains than the insurance store, which counted the outage, had left.
      await eventually(async () => {
        await limiter.consume('k');
        return s.usingRedis;
      }, 30_000);
      const after = await limiter.peek('k');
      expect(after.remaining).toBeGreaterThan((during.at(-1) as RateLimitResult).remaining);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it.each([
    ['fixed-window', { limit: 5, windowMs: 60_000 }],
    ['token-bucket', { rate: 5, intervalMs: 60_000, burst: 5 }],
    ['gcra', { rate: 5, intervalMs: 60_000, burst: 5 }],
  ] as const)(
    '%s: across the switch to insurance an instance admits no more than the limit',
    async (algorithm, rule) => {
      const errors: unknown[] = [];
      const s = await store({
        retryMs: 60_000,
        timeoutMs: 200,
        onRedisError: (e) => errors.push(e),
      });
      const limiter = new RateLimiter({ algorithm, ...rule, store: s } as never);
      let admitted = 0;
      for (let i = 0; i < 5; i++) if ((await limiter.consume('k')).allowed) admitted++;
      expect(admitted).toBe(5);
      await backend.stop();
      try {
        // Redis is gone: insurance answers, starting from what Redis last said of the key.
        for (let i = 0; i < 10; i++) if ((await limiter.consume('k')).allowed) admitted++;
        expect(errors.length).toBeGreaterThan(0); // insurance answered
        expect(admitted).toBe(5);
      } finally {
        await backend.start();
      }
    },
  );

  it('while Redis fails, the limiter emits storeError and insurance, and its stats count them', async () => {
    const s = await store({ retryMs: 60_000, timeoutMs: 200 });
    const limiter = new RateLimiter({
      algorithm: 'fixed-window',
      limit: 5,
      windowMs: 60_000,
      store: s,
    });
    const seen: string[] = [];
    limiter.on('storeError', () => seen.push('storeError'));
    limiter.on('insurance', (key) => seen.push(`insurance:${key}`));
    await limiter.consume('k');
    await backend.stop();
    try {
      await limiter.consume('k');
      await limiter.consume('k');
    } finally {
      await backend.start();
    }
    expect(seen).toContain('storeError');
    expect(seen.filter((e) => e === 'insurance:k').length).toBe(2);
    const stats = limiter.stats();
    expect(stats).toMatchObject({ allowed: 3, refused: 0 });
    expect(stats.store?.insuranceAnswers).toBe(2);
    expect(stats.store?.redisErrors).toBeGreaterThan(0);
    await limiter.close();
  });

  it.each(['hung', 'stopped'] as const)(
    'Redis %s mid-load, 200 callers at once: across the switch the instance admits no more than the limit',
    async (fault) => {
      const s = await store({ retryMs: 60_000, timeoutMs: 200 });
      const limiter = new RateLimiter({
        algorithm: 'fixed-window',
        limit: 300,
        windowMs: 60_000,
        store: s,
      });
      const wave = async () => {
        const answers = await Promise.all(
          Array.from({ length: 200 }, () => limiter.consume('load')),
        );
        return answers.filter((r) => r.allowed).length;
      };
      const beforeFault = await wave(); // all 200 decided by Redis
      expect(beforeFault).toBe(200);
      expect(s.usingRedis).toBe(true);
      const pausers = backend.nodes.map((node) => new Redis(node.port, node.host));
      clients.push(...pausers);
      if (fault === 'hung') {
        await Promise.all(pausers.map((p) => p.call('CLIENT', 'PAUSE', 1500, 'WRITE')));
      } else {
        await backend.stop();
      }
      try {
        const duringFault = (await wave()) + (await wave());
        expect(s.usingRedis).toBe(false);
        // The bound: the limit, counting what this instance saw Redis admit (README).
        expect(beforeFault + duringFault).toBe(300);
      } finally {
        if (fault === 'stopped') await backend.start();
        // The paused calls run when the pause ends; Redis never answers them to this caller.
        else await new Promise((r) => setTimeout(r, 1600));
      }
    },
  );

  it.each(['fixed-window', 'sliding-window'] as const)(
    "time: 'client', %s: an older reading never reopens a key's window",
    async (algorithm) => olderReadingNeverReopens(algorithm, await store({ time: 'client' })),
  );

  it.each(PEEK_RULES)(
    '%s: peek answers what consume then does, and peek(key, 0) reads the key',
    async (algorithm, rule) =>
      peekAgreesWithConsume(algorithm, rule, await store({ time: 'client' })),
  );

  it('a concurrency refund ends a live lease, not one that already expired', async () =>
    refundEndsLiveLease(await store({ time: 'client' })));

  it('limiters with different rules on one store and prefix keep apart, and reset only their own', async () =>
    rulesKeptApart(await store()));

  it('keys that differ only in a lone surrogate, or in braces, stay apart', async () => {
    const limiter = new RateLimiter({
      algorithm: 'fixed-window',
      limit: 1,
      windowMs: 60_000,
      store: await store(),
    });
    for (const key of ['\uD800', '\uD801', '%uD800', 'a}b', 'a%7Db', '']) {
      expect((await limiter.consume(key)).allowed).toBe(true);
    }
    expect((await limiter.consume('\uD800')).allowed).toBe(false);
  });

  it('onError: allow, deny and throw, never a raw client error', async () => {
    const unreachable = new Redis({
      port: 1,
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
    });
    unreachable.on('error', () => {});
    const make = (onError: RedisStoreOptions['onError']) =>
      new RateLimiter({
        rate: 1,
        burst: 1,
        store: redisStore({ client: unreachable, onError, timeoutMs: 100 }),
      });
    expect((await make('allow').consume('k')).allowed).toBe(true);
    expect((await make('deny').consume('k')).allowed).toBe(false);
    await expect(make('throw').consume('k')).rejects.toBeInstanceOf(RateLimitStoreError);
    unreachable.disconnect();
  });

  it.each([
    ['plain', {}],
    ['with lease', { lease: { size: 2 } }],
    ['with denyCache', { denyCache: true }],
  ] as const)(
    'takes a client made with every ioredis default (%s): as it first connects, through an outage, and back',
    async (_mode, extra) => {
      const client = backend.defaultClient();
      clients.push(client);
      const s = redisStore({ client, prefix: `d${process.pid}-${++prefixes}:`, ...extra });
      const limiter = new RateLimiter({
        algorithm: 'fixed-window',
        limit: 3,
        windowMs: LONG_WINDOW,
        store: s,
      });
      // Made and used at once: the first consume waits for the first connection (within
      // timeoutMs) and is decided by Redis.
      expect((await limiter.consume('k')).allowed).toBe(true);
      await eventually(() => s.ready, 15_000);
      expect(s.usingRedis).toBe(true);
      const onRedis = await limiter.consume('k');
      expect(onRedis.allowed).toBe(true);

      await backend.stop();
      const during = await Promise.all(Array.from({ length: 20 }, () => limiter.consume('k')));
      expect(during.every((r) => typeof r.allowed === 'boolean')).toBe(true);
      await backend.start();
      await eventually(async () => {
        await limiter.consume('other');
        return s.usingRedis && s.ready;
      }, 30_000);
      // The servers restart empty and nothing of the outage was queued and replayed.
      // 'k' reads as a key never consumed.
      const { resetMs: _, ...k } = await limiter.peek('k');
      const { resetMs: __, ...fresh } = await limiter.peek('never-used');
      expect(k).toEqual(fresh);
    },
  );

  it('refuses what is not a client, and bad or misspelt options, naming them', () => {
    expect(() => redisStore({ client: {} as never })).toThrow(
      'redisStore: client must be an ioredis Redis or Cluster',
    );
    const client = new Redis({ lazyConnect: true });
    expect(() => redisStore({ client, onError: 'ignore' as never })).toThrow(
      'redisStore.onError must be one of "insurance", "allow", "deny", "throw"; got the string "ignore"',
    );
    expect(() => redisStore({ client, time: 'ntp' as never })).toThrow(/redisStore.time must be/);
    expect(() => redisStore({ client, timeoutMs: 0 })).toThrow(/timeoutMs/);
    expect(() => redisStore({ client, timeOutMs: 5 } as never)).toThrow(
      'redisStore: unknown option `timeOutMs`; did you mean `timeoutMs`?',
    );
    expect(() => redisStore({ client, denyCache: 'yes' as never })).toThrow(
      'redisStore.denyCache must be true, false or { maxKeys, maxAgeMs }; got the string "yes"',
    );
    expect(() => redisStore({ client, denyCache: { maxKeys: 0 } })).toThrow(
      'redisStore.denyCache.maxKeys must be a positive integer; got 0',
    );
    client.disconnect();
  });
});
