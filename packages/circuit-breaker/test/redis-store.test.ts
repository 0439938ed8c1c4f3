/**
 * The Redis store against real Redis: one server and a three-node Cluster. Each instance
 * of the fleet is a breaker with its own ioredis client and store, as separate processes
 * would have (one test runs a real second process); each test has its own key prefix.
 */
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { eventually, REDIS_BACKENDS, type RedisBackend } from '@bulwark/testkit';
import { type Cluster, Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import CircuitBreaker, { consecutiveBreaker, type RedisStore, redisStore } from '../src/index.js';

const fixture = join(dirname(fileURLToPath(import.meta.url)), 'fixtures/redis-instance.mjs');

const outcome = (p: Promise<unknown>) =>
  p.then(
    () => 'ran',
    (e: { code?: string }) => (e.code === 'EOPENBREAKER' ? 'rejected' : 'failed'),
  );

describe.each(REDIS_BACKENDS)('redisStore on %s', (_name, makeBackend) => {
  let backend: RedisBackend;
  let clients: (Redis | Cluster)[] = [];
  let stores: RedisStore[] = [];
  let prefixes = 0;
  let prefix = '';

  beforeAll(async () => {
    backend = await makeBackend();
  });
  afterAll(async () => {
    await backend.close();
  });
  afterEach(() => {
    for (const store of stores) store.close();
    for (const client of clients) client.disconnect();
    stores = [];
    clients = [];
  });

  /** One instance of the fleet: its own connection and store. */
  async function instance(): Promise<RedisStore> {
    const client = backend.client();
    // The user's client: its connection errors during the outage test are expected.
    client.on('error', () => {});
    clients.push(client);
    await eventually(() => client.status === 'ready', 15_000);
    const store = redisStore({ client, prefix, retryMs: 100 });
    stores.push(store);
    // The store sends on a connection of its own, which comes up a moment after the client.
    await eventually(() => store.ready, 15_000);
    return store;
  }

  function fleetBreaker(
    store: RedisStore,
    action: () => Promise<unknown>,
    options: Record<string, unknown> = {},
  ) {
    return new CircuitBreaker(action, {
      name: 'payments',
      store,
      breaker: consecutiveBreaker({ threshold: 4 }),
      resetTimeout: 60_000,
      timeout: false,
      ...options,
    });
  }

  const down = () => Promise.reject(new Error('down'));

  // A fresh prefix per test, so tests share no circuit.
  const nextPrefix = () => {
    prefix = `test-${process.pid}-${++prefixes}`;
  };

  it('failures from every instance add up, and all of them see the circuit open', async () => {
    nextPrefix();
    const [a, b] = [await instance(), await instance()];
    const one = fleetBreaker(a, down);
    const two = fleetBreaker(b, down);
    const opened: string[] = [];
    one.on('open', () => opened.push('one'));
    two.on('open', () => opened.push('two'));
    await outcome(one.fire());
    await outcome(one.fire());
    await outcome(two.fire());
    expect(one.closed && two.closed).toBe(true);
    await outcome(two.fire()); // the fourth failure of the fleet
    await eventually(() => one.opened && two.opened);
    expect(opened.sort()).toEqual(['one', 'two']);
    expect(await outcome(one.fire())).toBe('rejected');
  });

  it('another process of the fleet: its failures and ours open one circuit', async () => {
    nextPrefix();
    const store = await instance();
    const ours = fleetBreaker(store, down);
    await outcome(ours.fire());
    await outcome(ours.fire());
    const { stdout } = await promisify(execFile)(process.execPath, [
      fixture,
      JSON.stringify({
        nodes: backend.nodes,
        cluster: backend.cluster,
        prefix,
        name: 'payments',
        threshold: 4,
        failures: 2,
      }),
    ]);
    const { results } = JSON.parse(stdout.trim().split('\n').at(-1) as string);
    expect(results).toEqual(['failed', 'failed', 'rejected']);
    await eventually(() => ours.opened);
  });

  it('half-open: the whole fleet sends exactly halfOpenProbes probes', async () => {
    nextPrefix();
    const slowSuccess = () => new Promise((r) => setTimeout(() => r('up'), 300));
    const instances = await Promise.all([instance(), instance(), instance()]);
    const breakers = instances.map((s) =>
      fleetBreaker(s, slowSuccess, { resetTimeout: 300, halfOpenProbes: 2 }),
    );
    breakers[0]?.open();
    await eventually(() => breakers.every((b) => b.opened));
    await new Promise((r) => setTimeout(r, 350));
    // Three calls from each instance at once: two places in the fleet.
    const calls = breakers.flatMap((b) => [b.fire(), b.fire(), b.fire()].map(outcome));
    const results = await Promise.all(calls);
    expect(results.filter((r) => r === 'ran')).toHaveLength(2);
    await eventually(() => breakers.every((b) => b.closed));
  });

  it('Redis stopped mid-load: each instance breaks on its own state, then rejoins the fleet', async () => {
    nextPrefix();
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    try {
      const [a, b] = [await instance(), await instance()];
      let failing = false;
      const action = () => (failing ? Promise.reject(new Error('down')) : Promise.resolve('ok'));
      const one = fleetBreaker(a, action);
      const two = fleetBreaker(b, action);
      expect(await outcome(one.fire())).toBe('ran');

      await backend.stop();
      // Calls go on while Redis is gone: successes pass, and four failures in a row open
      // the instance's own circuit, without Redis.
      const during: string[] = [];
      for (let i = 0; i < 5; i++) during.push(await outcome(one.fire()));
      failing = true;
      for (let i = 0; i < 5; i++) during.push(await outcome(one.fire()));
      await eventually(() => !a.online);
      for (let i = 0; i < 4; i++) during.push(await outcome(one.fire()));
      expect(during.slice(0, 5)).toEqual(Array(5).fill('ran'));
      expect(one.opened).toBe(true);
      expect(during.at(-1)).toBe('rejected');
      expect(two.closed).toBe(true);

      await backend.start();
      await eventually(() => a.online && b.online, 20_000);
      // The instance that saw its dependency fail tells the fleet on rejoining.
      await eventually(() => two.opened, 10_000);
      expect(await outcome(two.fire())).toBe('rejected');
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('takes a client made with every ioredis default: before it is ready, through an outage, and back', async () => {
    nextPrefix();
    const client = backend.defaultClient();
    clients.push(client);
    const store = redisStore({ client, prefix, retryMs: 100 });
    stores.push(store);
    const one = fleetBreaker(store, down);
    // Before the connection is up: the breaker runs on its own state, nothing waits.
    expect(await outcome(one.fire())).toBe('failed');
    await eventually(() => store.ready, 15_000);
    const peer = fleetBreaker(await instance(), down);
    for (let i = 0; i < 4; i++) await outcome(peer.fire());
    await eventually(() => one.opened); // the fleet's circuit, through the default client

    await backend.stop();
    expect(await outcome(one.fire())).toBe('rejected'); // still open, on its own state
    one.close();
    expect(await outcome(one.fire())).toBe('failed'); // answered, not hung on Redis
    await backend.start();
    await eventually(() => store.online && store.ready, 20_000);
    const again = fleetBreaker(store, down, { name: 'after-outage' });
    const peerAgain = fleetBreaker(stores[1] as RedisStore, down, { name: 'after-outage' });
    for (let i = 0; i < 4; i++) await outcome(again.fire());
    await eventually(() => peerAgain.opened, 10_000);
  });

  it('with engine "native", the fleet decides while Redis answers, and every thread of the process breaks together while it does not', async () => {
    nextPrefix();
    const store = await instance();
    const name = `native-fleet-${prefixes}`;
    // Two breakers of one process on the same named circuit: as two worker threads would be.
    const one = fleetBreaker(store, down, { name, engine: 'native' });
    const two = fleetBreaker(store, down, { name, engine: 'native' });
    expect([one.engine, two.engine]).toEqual(['native', 'native']);
    const peer = fleetBreaker(await instance(), down, { name });
    for (let i = 0; i < 4; i++) await outcome(peer.fire()); // the fleet's four failures
    await eventually(() => one.opened && two.opened);
    one.close(); // closes the fleet's circuit
    await eventually(() => one.closed && two.closed && peer.closed);

    await backend.stop();
    for (let i = 0; i < 8 && !one.opened; i++) await outcome(one.fire());
    await eventually(() => !store.online);
    for (let i = 0; i < 4; i++) await outcome(one.fire());
    // Redis is away: the native circuit decides for the whole process, so the other
    // breaker sees it open without a call of its own.
    expect(one.opened).toBe(true);
    expect(two.opened).toBe(true);
    expect(await outcome(two.fire())).toBe('rejected');
    await backend.start();
    await eventually(() => store.online, 20_000);
  });

  it('names that differ only in a lone surrogate are two circuits, and notices still find theirs', async () => {
    nextPrefix();
    const [a, b] = [await instance(), await instance()];
    const one = fleetBreaker(a, down, { name: '\uD800' });
    const other = fleetBreaker(a, down, { name: '\uD801' });
    const peer = fleetBreaker(b, down, { name: '\uD800' });
    for (let i = 0; i < 4; i++) await outcome(peer.fire());
    await eventually(() => one.opened); // the notice reached the breaker of that name
    expect(other.closed).toBe(true);
  });

  it('refuses a breaker it cannot share, what is not a client, and misspelt options', () => {
    const store = redisStore({ client: new Redis({ lazyConnect: true }) as never });
    expect(() => redisStore({ client: store.client, timeOutMs: 5 } as never)).toThrow(
      'redisStore: unknown option `timeOutMs`; did you mean `timeoutMs`?',
    );
    expect(() => redisStore({ client: store.client, onError: () => {} } as never)).toThrow(
      /named onRedisError/,
    );
    expect(() => redisStore({ client: {} as never })).toThrow(/client/);
    expect(() => new CircuitBreaker(down, { store: {} as never })).toThrow(/store/);
    store.close();
  });
});
