import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { eventually, REDIS_BACKENDS, type RedisBackend } from '@bulwark/testkit';
import { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRedisTimeoutError, isRedisUnavailableError } from '../src/errors.js';
import { RedisLink } from '../src/link.js';
import { LUA_SERVER_NOW, RedisScript } from '../src/script.js';

/** A client made the way users make one: every ioredis default, the offline queue on. */
const defaultClient = (backend: RedisBackend) => backend.defaultClient();

const INCR_AND_NOW = new RedisScript(
  `${LUA_SERVER_NOW}return {redis.call('INCR', KEYS[1]), serverNowMs()}`,
);

describe.each(REDIS_BACKENDS)('RedisLink on %s', (_name, start) => {
  let backend: RedisBackend;
  beforeAll(async () => {
    backend = await start();
  });
  afterAll(async () => {
    await backend.close();
  });

  it('refuses what is not an ioredis client, saying what it got', () => {
    expect(() => new RedisLink('store', { call() {} }, 100)).toThrow(
      'store: client must be an ioredis Redis or Cluster (new Redis(...) / new Cluster(...)); got an object',
    );
    expect(() => new RedisLink('store', 'redis://x', 100)).toThrow(/got the string "redis:\/\/x"/);
  });

  it('a call made as the client is created waits for the first connection, within its deadline', async () => {
    const client = defaultClient(backend);
    const link = new RedisLink('test', client, 5000);
    const key = `{kit}:before-ready:${Math.random()}`;
    await expect(link.send('INCR', key)).resolves.toBe(1);
    client.disconnect();
  });

  it('Redis down at start: once the first connection fails, calls are answered at once', async () => {
    const client = new Redis(1, '127.0.0.1', { retryStrategy: () => 1000 });
    client.on('error', () => {});
    const link = new RedisLink('test', client, 60_000);
    // Not held to the 60 s deadline (the test would time out): the refused connection ends the wait.
    const failure = await link.send('PING').catch((e: unknown) => e);
    expect(isRedisUnavailableError(failure)).toBe(true);
    client.disconnect();
  });

  it('a call whose deadline passes before the first connection is never sent', async () => {
    const client = defaultClient(backend);
    const link = new RedisLink('test', client, 0.001);
    const key = `{kit}:too-early:${Math.random()}`;
    const early = await link.send('INCR', key).catch((e: unknown) => e);
    expect(isRedisTimeoutError(early) || isRedisUnavailableError(early)).toBe(true);
    await eventually(() => link.ready);
    const later = new RedisLink('test', client, 5000);
    await expect(later.send('INCR', key)).resolves.toBe(1); // the early INCR was never sent
    client.disconnect();
  });

  it("with the user's client ready, the first call goes to Redis, not waiting for the caller", async () => {
    const client = defaultClient(backend);
    await eventually(() => client.status === 'ready', 15_000);
    const link = new RedisLink('test', client, 1000);
    // The kit's own connection is a moment behind the user's: the call rides on its first ready.
    await expect(link.send('INCR', `{kit}:first:${Math.random()}`)).resolves.toBe(1);
    client.disconnect();
  });

  it('connects a lazyConnect client on its first call', async () => {
    const client = backend.cluster
      ? new Cluster(backend.nodes, { lazyConnect: true })
      : new Redis(backend.nodes[0]!.port, backend.nodes[0]!.host, { lazyConnect: true });
    client.on('error', () => {});
    const link = new RedisLink('test', client, 1000);
    expect(client.status).toBe('wait');
    await expect(link.send('PING')).resolves.toBe('PONG');
    client.disconnect();
  });

  it('runs scripts by SHA, loads them again after SCRIPT FLUSH, and reads the server clock', async () => {
    const client = defaultClient(backend);
    const link = new RedisLink('test', client, 1000);
    await eventually(() => link.ready);
    const key = `{kit}:script:${Math.random()}`;
    const [n, now] = (await link.run(INCR_AND_NOW, [key], [])) as [number, number];
    expect(n).toBe(1);
    expect(Math.abs(now - Date.now())).toBeLessThan(5_000);
    for (const node of backend.nodes) {
      const direct = new Redis(node.port, node.host);
      await direct.script('FLUSH');
      direct.disconnect();
    }
    const [again] = (await link.run(INCR_AND_NOW, [key], [])) as [number, number];
    expect(again).toBe(2);
    client.disconnect();
  });

  it('times a hung Redis out with RedisTimeoutError, and loses nothing it later runs', async () => {
    const client = defaultClient(backend);
    const link = new RedisLink('test', client, 100);
    await eventually(() => link.ready);
    const key = `{kit}:hung:${Math.random()}`;
    const pausers = backend.nodes.map((node) => new Redis(node.port, node.host));
    await Promise.all(pausers.map((p) => p.call('CLIENT', 'PAUSE', 600, 'ALL')));
    const error = await link.send('INCR', key).catch((e: unknown) => e);
    expect(isRedisTimeoutError(error)).toBe(true);
    expect((error as Error).message).toBe('test INCR: no answer from Redis within 100 ms');
    // Redis cannot cancel it: the INCR runs when the pause ends, exactly once.
    await eventually(async () => Number(await link.send('GET', key).catch(() => 0)) === 1);
    for (const p of pausers) p.disconnect();
    client.disconnect();
  });

  it('through an outage: every call is answered, none runs later, and Redis is used again when back', async () => {
    const client = defaultClient(backend);
    const link = new RedisLink('test', client, 200);
    await eventually(() => link.ready);
    const key = `{kit}:outage:${Math.random()}`;
    await backend.stop();
    const during = await Promise.allSettled(
      Array.from({ length: 50 }, () => link.send('INCR', key)),
    );
    expect(
      during.every(
        (r) =>
          r.status === 'rejected' &&
          (isRedisUnavailableError(r.reason) || isRedisTimeoutError(r.reason)),
      ),
    ).toBe(true);
    // Once the connection knows it is down, calls are refused before anything is sent.
    await eventually(() => !link.ready);
    expect(isRedisUnavailableError(await link.send('INCR', key).catch((e: unknown) => e))).toBe(
      true,
    );
    await backend.start();
    await eventually(async () => (await link.send('PING').catch(() => null)) === 'PONG', 15_000);
    // The servers restart empty: had any INCR of the outage been queued and replayed, the
    // key would be above 1 now or later.
    await expect(link.send('INCR', key)).resolves.toBe(1);
    await new Promise((r) => setTimeout(r, 500));
    expect(Number(await link.send('GET', key))).toBe(1);
    client.disconnect();
  });

  it("comes back with the user's client when the user connects it again", async () => {
    const client = defaultClient(backend);
    const link = new RedisLink('test', client, 1000);
    await eventually(() => link.ready, 15_000);
    const subscriber = link.subscriber();
    client.disconnect();
    await eventually(() => !link.ready && ['end', 'close'].includes(subscriber.status));
    await client.connect();
    await eventually(() => link.ready, 15_000);
    await expect(link.send('PING')).resolves.toBe('PONG');
    client.disconnect();
  });

  it("an idle kit connection holds no process open, even when the user's client never says 'end'", () => {
    // A Cluster ended mid-connect emits no 'end' (ioredis); the kit must not hold the
    // process for it. The script stops listening for 'end' to be sure of that case.
    const link = fileURLToPath(new URL('../src/index.ts', import.meta.url));
    const script = `
      import { Cluster, Redis } from 'ioredis';
      import { RedisLink } from ${JSON.stringify(link)};
      const nodes = ${JSON.stringify(backend.nodes)};
      const client = ${backend.cluster} ? new Cluster(nodes) : new Redis(nodes[0].port, nodes[0].host);
      const kit = new RedisLink('test', client, 1000);
      while (!kit.ready) await new Promise((r) => setTimeout(r, 10));
      console.log(await kit.send('PING'));
      // A Cluster's subscription runs on a connection ioredis makes inside it, out of the
      // kit's reach: it ends with the user's 'end' only, so it is left out there.
      if (!${backend.cluster}) kit.subscriber().subscribe('ch');
      await new Promise((r) => setTimeout(r, 50));
      client.removeAllListeners('end');
      client.disconnect();
    `;
    const out = execFileSync(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      // From this package, where ioredis resolves (a clean install hoists nothing).
      { cwd: fileURLToPath(new URL('..', import.meta.url)), encoding: 'utf8', timeout: 20_000 },
    );
    expect(out.trim()).toBe('PONG');
  });

  it('ends its own connection when the user ends the client', async () => {
    const client = defaultClient(backend);
    const link = new RedisLink('test', client, 200);
    await eventually(() => link.ready);
    expect(link.client).not.toBe(client);
    client.disconnect();
    await eventually(() => ['end', 'close'].includes(link.client.status));
  });
});
