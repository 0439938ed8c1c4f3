import { hashSlot } from '@bulwark/redis-kit';
import {
  eventually,
  REDIS_BACKENDS,
  type RedisBackend,
  type RedisServer,
  startRedis,
  startTcpProxy,
  type TcpProxy,
} from '@bulwark/testkit';
import { type Cluster, Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RedisTier, redisBus, redisTier, TieredCache } from '../src/index.js';

/**
 * The tiers against real Redis: one server, and a three-node Cluster, each test with its
 * own key prefix so they share nothing.
 */
const ready = (client: Redis | Cluster) => eventually(() => client.status === 'ready', 15_000);

describe.each(REDIS_BACKENDS)('TieredCache on %s', (_name, makeBackend) => {
  let backend: RedisBackend;
  const clients: (Redis | Cluster)[] = [];
  const caches: TieredCache<unknown>[] = [];
  const tiers: RedisTier[] = [];
  let prefixCounter = 0;

  beforeAll(async () => {
    backend = await makeBackend();
  });
  afterAll(async () => {
    for (const c of caches) c.close();
    for (const c of clients) c.disconnect();
    await backend.close();
  });

  async function client() {
    const c = backend.client();
    clients.push(c);
    await ready(c);
    return c;
  }

  /** Two instances of one cache, as two processes would have: own clients, own L1, one Redis. */
  async function instances(
    count: number,
    options: {
      bus?: boolean;
      distributed?: boolean;
      ttl?: number;
      staleIfError?: number;
      softTimeout?: number;
    } = {},
  ) {
    const prefix = `t${prefixCounter++}:`;
    const channel = `bus:${prefix}`;
    const out: TieredCache<unknown>[] = [];
    for (let i = 0; i < count; i++) {
      const c = await client();
      const tier = redisTier({ client: c, prefix, version: 2, compressAbove: 64, timeoutMs: 200 });
      tiers.push(tier);
      // The tier sends on a connection of its own, which comes up a moment after the client.
      await eventually(() => tier.ready, 15_000);
      const cache = new TieredCache<unknown>({
        l1: { max: 1000 },
        l2: tier,
        bus: options.bus ? redisBus({ client: c, channel }) : undefined,
        ttl: options.ttl ?? 60_000,
        distributedLoads: options.distributed ? { waitMs: 5_000 } : false,
        staleIfError: options.staleIfError,
        softTimeout: options.softTimeout,
      });
      caches.push(cache);
      out.push(cache);
    }
    return { caches: out, prefix };
  }

  it('writes through to Redis and reads through from it on another instance', async () => {
    const {
      caches: [a, b],
    } = await instances(2);
    await a!.set('user:1', { name: 'Ada', tags: new Set(['x']) });
    expect(await b!.get('user:1')).toEqual({ name: 'Ada', tags: new Set(['x']) });
    expect(b!.stats()).toMatchObject({ l2Hits: 1 });
    expect(b!.l1.has('user:1')).toBe(true);
    expect(b!.l1.getRemainingTTL('user:1')).toBeLessThanOrEqual(60_000);
  });

  it('drops the key from the other instances L1 when one instance sets or deletes it', async () => {
    const {
      caches: [a, b],
    } = await instances(2, { bus: true });
    await new Promise((r) => setTimeout(r, 200)); // let both subscribers connect
    await a!.set('k', 'v1');
    expect(await b!.get('k')).toBe('v1');
    expect(b!.l1.has('k')).toBe(true);
    await a!.set('k', 'v2');
    await eventually(() => !b!.l1.has('k'));
    expect(await b!.get('k')).toBe('v2');
    await a!.delete('k');
    await eventually(() => !b!.l1.has('k'));
    expect(await b!.get('k')).toBeUndefined();
  });

  /** Script calls (EVALSHA and EVAL) the Redis nodes have run so far. */
  async function scriptCalls(): Promise<number> {
    let total = 0;
    for (const node of backend.nodes) {
      const direct = new Redis(node.port, node.host);
      const info = (await direct.info('commandstats')) as string;
      direct.disconnect();
      for (const name of ['evalsha', 'eval']) {
        const match = new RegExp(`cmdstat_${name}:calls=(\\d+)`).exec(info);
        total += match ? Number(match[1]) : 0;
      }
    }
    return total;
  }

  it('reads made together share round trips: one script call per node, one place per key', async () => {
    const {
      caches: [a, b],
    } = await instances(2);
    const keys = Array.from({ length: 100 }, (_, i) => `many:${i}`);
    for (const key of keys) await a!.set(key, key);
    const slots = new Set(keys.map((k) => hashSlot(`${tiers.at(-1)!.keyOf(k)}`))).size;
    // Once first, so every node has the script (the first calls of a new script on a node
    // are an EVALSHA refused with NOSCRIPT, then an EVAL).
    await Promise.all(keys.map((k) => b!.get(k)));
    b!.l1.clear();
    const before = await scriptCalls();
    // 200 reads at once: every key twice, so each key takes one place in its batch.
    const values = await Promise.all([...keys, ...keys].map((k) => b!.get(k)));
    const calls = (await scriptCalls()) - before;
    expect(values).toEqual([...keys, ...keys]);
    // One call per node: on one server, one call of 100 keys; on the Cluster, one for the
    // keys of every slot each of its three nodes serves.
    expect(calls).toBe(backend.cluster ? backend.nodes.length : 1);
    expect(slots).toBeGreaterThan(backend.nodes.length); // the keys do span many slots
    expect(b!.stats().l2Hits).toBe(300);
  });

  it('stores under prefix and version, deflating large values', async () => {
    const {
      caches: [a],
      prefix,
    } = await instances(1);
    const big = 'x'.repeat(10_000);
    await a!.set('big', big);
    await a!.set('small', 'tiny');
    // The header byte: 1 deflated, 0 plain; 4 added: the write's time follows it.
    const raw = await (await client()).getBuffer(`${prefix}v2:big`);
    expect(raw?.[0]).toBe(1 | 4);
    expect(raw!.length).toBeLessThan(1_000);
    expect((await (await client()).getBuffer(`${prefix}v2:small`))?.[0]).toBe(0 | 4);
    a!.l1.clear();
    expect(await a!.get('big')).toBe(big);
  });

  it('staleIfError: a failed load answers the stale value, from L1 or from Redis, and reads never see it', async () => {
    const {
      caches: [a, b],
      prefix,
    } = await instances(2, { ttl: 50, staleIfError: 60_000 });
    const failing = async () => {
      throw new Error('upstream down');
    };
    await a!.set('k', 'v1');
    // Redis holds it for the TTL and the stale-if-error time, and says how long it was kept.
    const raw = await client();
    expect(await raw.pttl(`${prefix}v2:k`)).toBeGreaterThan(50_000);
    expect((await raw.getBuffer(`${prefix}v2:k`))?.[0]).toBe(2 | 4); // kept (2), and the write time (4)
    await new Promise((r) => setTimeout(r, 150));
    // Stale everywhere: plain reads miss it.
    expect(await a!.get('k')).toBeUndefined();
    expect(await b!.get('k')).toBeUndefined();
    // a answers from its L1; b, which never held it, from Redis.
    expect(await a!.fetch('k', failing)).toBe('v1');
    expect(await b!.fetch('k', failing)).toBe('v1');
    expect(b!.stats()).toMatchObject({ loadErrors: 1, staleIfErrorAnswers: 1 });
    // A key with nothing kept still fails; a load that works replaces the stale value.
    await expect(b!.fetch('never', failing)).rejects.toThrow('upstream down');
    expect(await b!.fetch('k', async () => 'v2')).toBe('v2');
    expect(await b!.get('k')).toBe('v2');
  });

  it('softTimeout: a slow load is answered with the stale value Redis kept, then fills both tiers', async () => {
    const {
      caches: [a, b],
    } = await instances(2, { ttl: 50, staleIfError: 60_000, softTimeout: 30 });
    await a!.set('k', 'v1');
    await new Promise((r) => setTimeout(r, 150));
    let release!: (v: string) => void;
    const slow = () =>
      new Promise<string>((r) => {
        release = r;
      });
    // b never held the key: its stale value comes from Redis.
    expect(await b!.fetch('k', slow)).toBe('v1');
    expect(b!.stats()).toMatchObject({ softTimeoutAnswers: 1, loads: 1 });
    release('v2');
    await eventually(async () => (await b!.get('k')) === 'v2', 5_000);
    // Written through to Redis: another instance reads the new value.
    await eventually(async () => (await a!.get('k')) === 'v2', 5_000);
  });

  it('loads a key once across instances with distributedLoads', async () => {
    const { caches } = await instances(3, { distributed: true });
    let calls = 0;
    const loader = async () => {
      calls++;
      await new Promise((r) => setTimeout(r, 150));
      return 'loaded';
    };
    const results = await Promise.all(
      caches.flatMap((c) => Array.from({ length: 20 }, () => c.fetch('hot', loader))),
    );
    expect(new Set(results)).toEqual(new Set(['loaded']));
    expect(calls).toBe(1);
    expect(caches.reduce((n, c) => n + c.stats().leaseWaits, 0)).toBe(2);
  });

  it('takes a client made with every ioredis default: before it is ready, through an outage, and back', async () => {
    const c = backend.defaultClient();
    clients.push(c);
    const tier = redisTier({ client: c, prefix: `d${prefixCounter++}:` });
    const cache = new TieredCache<string>({ l1: { max: 100 }, l2: tier, ttl: 60_000 });
    caches.push(cache as TieredCache<unknown>);
    // Before the connection is up: answered from the loader at once, nothing queued.
    expect(await cache.fetch('k', async () => 'v1')).toBe('v1');
    await eventually(() => tier.ready, 15_000);
    await cache.set('k', 'v2');
    cache.l1.clear();
    expect(await cache.get('k')).toBe('v2');
    expect(cache.stats().l2Hits).toBe(1);

    await backend.stop();
    await cache.set('k', 'v3'); // L1 only; Redis is down
    expect(await cache.get('k')).toBe('v3');
    cache.l1.clear();
    expect(await cache.fetch('k', async () => 'v4')).toBe('v4');

    await backend.start();
    await eventually(async () => {
      await cache.set('probe', 'x');
      cache.l1.clear();
      return (await cache.get('probe')) === 'x';
    }, 15_000);
    // The servers restart empty. Nothing ioredis held was replayed; the writes this
    // instance could not make were, the newest per key: the value loaded after the set.
    cache.l1.clear();
    expect(await cache.get('k')).toBe('v4');
    expect(cache.stats().unwritten).toBe(0);
  });

  it('the invalidation bus on default clients: before ready, through an outage, and back', async () => {
    const channel = `bus:default:${prefixCounter++}`;
    const prefix = `db${prefixCounter}:`;
    const make = () => {
      const c = backend.defaultClient();
      clients.push(c);
      const tier = redisTier({ client: c, prefix });
      const cache = new TieredCache<number>({
        l1: { max: 100 },
        l2: tier,
        bus: redisBus({ client: c, channel }),
        ttl: 60_000,
      });
      caches.push(cache as TieredCache<unknown>);
      return { cache, tier };
    };
    const a = make();
    const b = make();
    await eventually(() => a.tier.ready && b.tier.ready, 15_000);
    await b.cache.set('x', 0);
    // Until the subscriptions are in place a message may be missed; then a set reaches b.
    await eventually(async () => {
      await a.cache.set('x', 1);
      return b.cache.l1.get('x') === undefined;
    }, 15_000);

    await backend.stop();
    await a.cache.set('x', 2); // L1 only: Redis and the bus are down, nothing waits
    await backend.start();
    // Back: b's L1 was cleared when its subscription came back (it may have missed
    // invalidations), and a set on a reaches b again.
    // Back: b's L1 starts afresh once Redis answers b again (it may have missed
    // invalidations meanwhile), and a set on a reaches b's L1 again.
    await eventually(async () => {
      await b.cache.get('probe');
      return b.cache.stats().resyncs > 0;
    }, 20_000);
    b.cache.l1.set('x', 0);
    await eventually(async () => {
      await a.cache.set('x', 3);
      await new Promise((r) => setTimeout(r, 20));
      return b.cache.l1.get('x') === undefined;
    }, 20_000);
    expect(await b.cache.get('x')).toBe(3);
  });

  it('refuses what is not a client, and unknown or misspelt options', () => {
    expect(() => redisTier({ client: {} as never })).toThrow(
      'redisTier: client must be an ioredis Redis or Cluster',
    );
    const c = new Redis({ lazyConnect: true });
    expect(() => redisTier({ client: c, timeOutMs: 5 } as never)).toThrow(
      'redisTier: unknown option `timeOutMs`; did you mean `timeoutMs`?',
    );
    expect(() => redisTier({ client: c, timeoutMs: '5' as never })).toThrow(
      'redisTier.timeoutMs must be a positive number; got the string "5"',
    );
    expect(
      () =>
        new TieredCache({
          l1: { max: 1 },
          l2: redisTier({ client: c }),
          ttl: 1,
          onError: () => {},
        } as never),
    ).toThrow(/pass your listener as onRedisError/);
    c.disconnect();
  });

  it('survives Redis stopping mid-load: no call fails, nothing stale past its TTL after', async () => {
    const ttl = 400;
    const {
      caches: [cache],
    } = await instances(1, { bus: true, ttl });
    let version = 1;
    const loader = async (key: string) => `${key}@${version}`;
    const keys = Array.from({ length: 10 }, (_, i) => `k${i}`);
    const round = () => Promise.all(keys.map((k) => cache!.fetch(k, loader)));
    expect(await round()).toEqual(keys.map((k) => `${k}@1`));

    const errorsBefore = cache!.stats().l2Errors;
    const stopping = backend.stop();
    version = 2;
    const during: string[][] = [];
    while (during.length < 20) during.push((await round()) as string[]);
    await stopping;
    // Keep loading past L1's TTL, so that reads and writes reach the stopped Redis.
    // Between rounds the event loop turns, as it does between a server's requests.
    const outageEnd = Date.now() + 2 * ttl;
    while (Date.now() < outageEnd) {
      during.push((await round()) as string[]);
      await new Promise((r) => setTimeout(r, 5));
    }
    for (const values of during) {
      for (const [i, v] of values.entries()) expect([`k${i}@1`, `k${i}@2`]).toContain(v);
    }
    expect(cache!.stats().l2Errors).toBeGreaterThan(errorsBefore);

    await backend.start();
    await Promise.all(clients.map((c) => ready(c)));
    await eventually(() => tiers.every((t) => t.ready), 15_000);
    await new Promise((r) => setTimeout(r, ttl + 50));
    expect(await round()).toEqual(keys.map((k) => `${k}@2`));
    // Redis is used again: a fresh write lands there and reads back from L2.
    await cache!.set('after', 'back');
    cache!.l1.clear();
    const hitsBefore = cache!.stats().l2Hits;
    expect(await cache!.get('after')).toBe('back');
    expect(cache!.stats().l2Hits).toBe(hitsBefore + 1);
  });
});

/**
 * A real partition: Redis keeps running and serving one instance, while the other's
 * connections are cut (or stalled) by a TCP proxy on loopback.
 */
describe('TieredCache across a partition (one server, a TCP proxy in front of one instance)', () => {
  let server: RedisServer;
  let proxy: TcpProxy;
  const clients: Redis[] = [];
  const caches: TieredCache<unknown>[] = [];
  let prefixCounter = 0;

  beforeAll(async () => {
    server = await startRedis();
  });
  afterEach(async () => {
    for (const c of caches.splice(0)) c.close();
    for (const c of clients.splice(0)) c.disconnect();
    await proxy?.close();
  });
  afterAll(async () => {
    await server.close();
  });

  /** Instance `a` reaches Redis through the proxy; `b` directly. Both share a bus. */
  async function pair(options: { maxUnwritten?: number } = {}) {
    proxy = await startTcpProxy(server.port);
    const prefix = `p${prefixCounter++}:`;
    const make = async (port: number) => {
      const client = new Redis(port, '127.0.0.1', { retryStrategy: () => 50 });
      client.on('error', () => {});
      clients.push(client);
      await eventually(() => client.status === 'ready', 15_000);
      const tier = redisTier({ client, prefix, timeoutMs: 200 });
      await eventually(() => tier.ready, 15_000);
      const cache = new TieredCache<unknown>({
        l1: { max: 100 },
        l2: tier,
        bus: redisBus({ client, channel: `bus:${prefix}` }),
        ttl: 60_000,
        ...options,
      });
      caches.push(cache);
      return cache;
    };
    return { a: await make(proxy.port), b: await make(server.port) };
  }

  /** After the partition heals, `a`'s next calls find Redis and write what waited. */
  const healed = (a: TieredCache<unknown>) =>
    eventually(async () => {
      await a.get('probe');
      return a.stats().unwritten === 0;
    }, 15_000);

  it('a set made while cut off reaches Redis when it returns, and every instance reads it', async () => {
    const { a, b } = await pair();
    await a.set('k', 'v1');
    expect(await b.get('k')).toBe('v1'); // now in b's L1 too
    await proxy.cut();
    await a.set('k', 'v2'); // resolves: L1 has it, Redis does not yet
    expect(a.stats().unwritten).toBe(1);
    expect(await a.get('k')).toBe('v2');
    expect(await b.get('k')).toBe('v1');
    await proxy.restore();
    await healed(a);
    expect(a.stats()).toMatchObject({ unwritten: 0, replayed: 1 });
    await eventually(async () => (await b.get('k')) === 'v2', 5_000); // the bus told b
    expect(await a.get('k')).toBe('v2');
  });

  it('a newer write made elsewhere during the partition is not overwritten by the replay', async () => {
    const { a, b } = await pair();
    await proxy.cut();
    await a.set('k', 'older, from a');
    await new Promise((r) => setTimeout(r, 5));
    await b.set('k', 'newer, from b');
    await proxy.restore();
    await healed(a);
    await eventually(async () => (await a.get('k')) === 'newer, from b', 5_000);
    expect(await b.get('k')).toBe('newer, from b');
  });

  it('a delete made while cut off is made when Redis returns', async () => {
    const { a, b } = await pair();
    await b.set('gone', 'v1');
    expect(await a.get('gone')).toBe('v1');
    await proxy.cut();
    await a.delete('gone');
    await proxy.restore();
    await healed(a);
    await eventually(async () => (await b.get('gone')) === undefined, 5_000);
  });

  it('keeps at most maxUnwritten keys, dropping the oldest', async () => {
    const { a, b } = await pair({ maxUnwritten: 2 });
    await proxy.cut();
    for (const k of ['k1', 'k2', 'k3']) await a.set(k, k);
    expect(a.stats()).toMatchObject({ unwritten: 2, unwrittenDropped: 1 });
    await proxy.restore();
    await healed(a);
    expect([await b.get('k1'), await b.get('k2'), await b.get('k3')]).toEqual([
      undefined,
      'k2',
      'k3',
    ]);
  });

  it('a miss while Redis hangs waits for one deadline: the L2 write goes on without the caller', async () => {
    const { a } = await pair();
    proxy.stall();
    let loads = 0;
    const value = await a.fetch('miss', async () => {
      loads++;
      return 'loaded';
    });
    expect([value, loads]).toEqual(['loaded', 1]);
    // Answered after the read's deadline only: the write's is still running.
    expect(a.stats().l2Errors).toBe(1);
    await eventually(() => a.stats().l2Errors === 2, 5_000);
    await proxy.restore();
  });
});
