/**
 * RateLimiterRedis against real Redis (one server and a three-node Cluster), and against
 * rate-limiter-flexible's own RateLimiterRedis on the same Redis: the same calls give the
 * same answers, each reads the records the other wrote, and faults go to insurance with
 * no more admitted than the points.
 */
import { REDIS_BACKENDS, type RedisBackend } from '@bulwark/testkit';
import type { Cluster, Redis } from 'ioredis';
import * as flexible from 'rate-limiter-flexible';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as ours from '../src/index.js';

type Outcome = { ok: boolean; value: unknown };

async function outcome(promise: Promise<unknown>): Promise<Outcome> {
  try {
    return { ok: true, value: fields(await promise) };
  } catch (error) {
    return { ok: false, value: error instanceof Error ? error.message : fields(error) };
  }
}

/** An answer as plain data; `msBeforeNext` to the nearest 200 ms (the two calls are not simultaneous). */
function fields(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  const plain = JSON.parse(JSON.stringify(value)) as Record<string, unknown>;
  if (typeof plain.msBeforeNext === 'number' && plain.msBeforeNext > 0) {
    plain.msBeforeNext = Math.round(plain.msBeforeNext / 200) * 200;
  }
  return plain;
}

type Limiter = ours.RateLimiterRedis | flexible.RateLimiterRedis;

/** The calls a user makes, in an order that crosses points, blocks and resets. */
async function transcript(limiter: Limiter): Promise<Outcome[]> {
  const out: Outcome[] = [];
  for (let i = 0; i < 4; i++) out.push(await outcome(limiter.consume('user')));
  out.push(await outcome(limiter.get('user')));
  out.push(await outcome(limiter.get('nobody')));
  out.push(await outcome(limiter.penalty('other', 2)));
  out.push(await outcome(limiter.reward('other', 3)));
  out.push(await outcome(limiter.consume('other', 2)));
  out.push(await outcome(limiter.set('third', 2, 5)));
  out.push(await outcome(limiter.consume('third')));
  out.push(await outcome(limiter.block('fourth', 10)));
  out.push(await outcome(limiter.consume('fourth')));
  out.push(await outcome(limiter.delete('fourth')));
  out.push(await outcome(limiter.delete('fourth')));
  out.push(await outcome(limiter.consume('fourth')));
  out.push(await outcome(limiter.consume('decimal', 1.5)));
  out.push(await outcome(limiter.consume(7)));
  return out;
}

const OPTION_SETS = [
  { points: 3, duration: 60 },
  { points: 2, duration: 0 },
  { points: 2, duration: 60, blockDuration: 30 },
  { points: 2, duration: 60, blockDuration: 30, blockOnConsumed: 4 },
  { points: 2, duration: 60, inMemoryBlockOnConsumed: 3 },
  { points: 2, duration: 60, inMemoryBlockOnConsumed: 3, inMemoryBlockDuration: 20 },
];

describe.each(REDIS_BACKENDS)('RateLimiterRedis on %s', (_name, makeBackend) => {
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

  function client(): Redis | Cluster {
    const made = backend.defaultClient();
    clients.push(made);
    return made;
  }

  const prefix = (): string => `flex${prefixes++}`;

  it.each(OPTION_SETS)('answers as rate-limiter-flexible does, options %o', async (options) => {
    const mine = new ours.RateLimiterRedis({
      storeClient: client(),
      keyPrefix: prefix(),
      ...options,
    });
    const theirs = new flexible.RateLimiterRedis({
      storeClient: client(),
      keyPrefix: prefix(),
      ...options,
    });
    expect(await transcript(mine)).toEqual(await transcript(theirs));
  });

  it('shares records with rate-limiter-flexible: a fleet can switch one process at a time', async () => {
    const keyPrefix = prefix();
    const mine = new ours.RateLimiterRedis({
      storeClient: client(),
      keyPrefix,
      points: 4,
      duration: 60,
    });
    const theirs = new flexible.RateLimiterRedis({
      storeClient: client(),
      keyPrefix,
      points: 4,
      duration: 60,
    });
    await mine.consume('shared');
    await theirs.consume('shared');
    await mine.consume('shared', 2);
    await expect(theirs.consume('shared')).rejects.toMatchObject({ consumedPoints: 5 });
    await expect(mine.get('shared')).resolves.toMatchObject({
      consumedPoints: 5,
      remainingPoints: 0,
    });
    await theirs.block('blocked', 30);
    await expect(mine.consume('blocked')).rejects.toMatchObject({ consumedPoints: 6 });
  });

  it('keeps keys that differ only in a lone surrogate apart', async () => {
    const limiter = new ours.RateLimiterRedis({
      storeClient: client(),
      keyPrefix: prefix(),
      points: 1,
      duration: 60,
    });
    await limiter.consume('\uD800');
    await expect(limiter.consume('\uD801')).resolves.toMatchObject({ consumedPoints: 1 });
    await expect(limiter.get('\uD800')).resolves.toMatchObject({ consumedPoints: 1 });
  });

  it('refuses what it cannot honour, with messages that say why', () => {
    const make = (options: object) => () =>
      new ours.RateLimiterRedis({ points: 1, duration: 1, ...options } as never);
    expect(make({})).toThrow('storeClient is not set');
    expect(make({ storeClient: {} })).toThrow(/storeClient.*ioredis/);
    expect(make({ storeClient: client(), customIncrTtlLuaScript: 'return 1' })).toThrow(
      /customIncrTtlLuaScript is not supported/,
    );
    expect(make({ storeClient: client(), points: 5, inMemoryBlockOnConsumed: 4 })).toThrow(
      'inMemoryBlockOnConsumed option must be greater or equal "points" option',
    );
    expect(make({ storeClient: client(), inMemoryBlockDuration: 4 })).toThrow(
      'inMemoryBlockOnConsumed option must be set up',
    );
  });

  it('Redis stopped: insurance starts where Redis left the key, so no more than the points are admitted', async () => {
    const insuranceLimiter = new ours.RateLimiterMemory({ points: 5, duration: 60 });
    const limiter = new ours.RateLimiterRedis({
      storeClient: client(),
      keyPrefix: prefix(),
      points: 5,
      duration: 60,
      insuranceLimiter,
    });
    const bare = new ours.RateLimiterRedis({
      storeClient: client(),
      keyPrefix: prefix(),
      points: 5,
      duration: 60,
    });
    for (let i = 0; i < 3; i++) await limiter.consume('k');
    await backend.stop();
    try {
      let admitted = 0;
      for (let i = 0; i < 10; i++) {
        const answer = await outcome(limiter.consume('k'));
        if (answer.ok) admitted++;
        else expect(answer.value).toMatchObject({ remainingPoints: 0 }); // a refusal, not an error
      }
      expect(admitted).toBe(2); // rate-limiter-flexible's fresh insurance admits 5
      // With no insurance, a failure is an Error (not a RateLimiterRes), as there.
      const failure = await bare.consume('k').catch((e: unknown) => e);
      expect(ours.isRedisUnavailableError(failure) || ours.isRedisTimeoutError(failure)).toBe(true);
    } finally {
      await backend.start();
    }
  });

  it('inMemoryBlockOnConsumed refuses without asking Redis, even while it is down', async () => {
    const limiter = new ours.RateLimiterRedis({
      storeClient: client(),
      keyPrefix: prefix(),
      points: 1,
      duration: 60,
      inMemoryBlockOnConsumed: 2,
    });
    await limiter.consume('k');
    await expect(limiter.consume('k')).rejects.toMatchObject({ consumedPoints: 2 });
    expect(limiter.getInMemoryBlockMsBeforeExpire(limiter.getKey('k'))).toBeGreaterThan(0);
    await backend.stop();
    try {
      await expect(limiter.consume('k')).rejects.toBeInstanceOf(ours.RateLimiterRes);
    } finally {
      await backend.start();
    }
    limiter.deleteInMemoryBlockedAll();
    expect(limiter.getInMemoryBlockMsBeforeExpire(limiter.getKey('k'))).toBe(0);
  });
});
