/**
 * The middleware over real HTTP on loopback: node:http, Express and Fastify servers, each
 * limiting by a client header to 2 requests a minute.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { eventually } from '@bulwark/testkit';
import express from 'express';
import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import {
  allLimits,
  fastifyRateLimit,
  httpRateLimit,
  RateLimiter,
  rateLimitHeaders,
} from '../src/index.js';

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

const limiter = () => new RateLimiter({ algorithm: 'fixed-window', limit: 2, windowMs: 60_000 });
const byClient = (req: { headers: Record<string, string | string[] | undefined> }) =>
  String(req.headers['x-client'] ?? 'anonymous');

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise((resolve) => server.close(resolve)));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

const get = (url: string, client: string) => fetch(url, { headers: { 'x-client': client } });

async function expectTwoThenLimited(url: string) {
  const first = await get(url, 'alice');
  expect(first.status).toBe(200);
  expect(first.headers.get('ratelimit-policy')).toBe('"api";q=2;w=60');
  expect(first.headers.get('ratelimit')).toMatch(/^"api";r=1;t=\d+$/);
  expect((await get(url, 'alice')).status).toBe(200);
  const limited = await get(url, 'alice');
  expect(limited.status).toBe(429);
  expect(await limited.text()).toBe('Too Many Requests');
  expect(limited.headers.get('ratelimit')).toMatch(/^"api";r=0;t=\d+$/);
  expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  // Another client has its own allowance.
  expect((await get(url, 'bob')).status).toBe(200);
}

const options = { key: byClient, policy: 'api', windowSeconds: 60 };

describe('HTTP middleware', () => {
  it('node:http', async () => {
    const guard = httpRateLimit(limiter(), options);
    const server = createServer(async (req, res) => {
      if (await guard(req, res)) res.end('ok');
    });
    await expectTwoThenLimited(await listen(server));
  });

  it('Express', async () => {
    const app = express();
    app.use(httpRateLimit(limiter(), options));
    app.get('/', (_req, res) => {
      res.send('ok');
    });
    await expectTwoThenLimited(await listen(createServer(app)));
  });

  it('Fastify', async () => {
    const app = Fastify();
    app.addHook('onRequest', fastifyRateLimit(limiter(), options));
    app.get('/', async () => 'ok');
    const address = await app.listen({ port: 0, host: '127.0.0.1' });
    closers.push(() => app.close());
    await expectTwoThenLimited(`${address}/`);
  });

  it('several limits at once (allLimits): the tightest one speaks', async () => {
    const loose = new RateLimiter({ algorithm: 'fixed-window', limit: 100, windowMs: 3_600_000 });
    const guard = httpRateLimit(allLimits([loose, limiter()]), options);
    const server = createServer(async (req, res) => {
      if (await guard(req, res)) res.end('ok');
    });
    await expectTwoThenLimited(await listen(server));
    // The refused request was given back to the loose limit: 3 requests of alice, 1 of bob.
    expect((await loose.peek('alice')).remaining).toBe(100 - 2 - 1);
  });

  /** Logins: the right password answers 200, a wrong one 401; only failures should count. */
  async function expectOnlyFailuresCount(url: string) {
    const login = (password: string) =>
      fetch(url, { headers: { 'x-client': 'mallory', 'x-password': password } }).then(
        async (r) => [r.status, await r.text()][0],
      );
    for (let i = 0; i < 5; i++) expect(await login('right')).toBe(200);
    expect([await login('wrong'), await login('wrong'), await login('wrong')]).toEqual([
      401, 401, 429,
    ]);
    expect(await login('right')).toBe(429);
  }
  const onlyFailures = {
    ...options,
    refundIf: ({ statusCode }: { statusCode: number }) => statusCode < 400,
  };
  const checkPassword = (headers: Record<string, string | string[] | undefined>) =>
    headers['x-password'] === 'right' ? 200 : 401;

  it('refundIf gives back the cost of the responses it picks (Express): count failed logins only', async () => {
    const app = express();
    app.use(httpRateLimit(limiter(), onlyFailures));
    app.get('/', (req, res) => {
      res.status(checkPassword(req.headers)).send('done');
    });
    await expectOnlyFailuresCount(await listen(createServer(app)));
  });

  it('refundIf (Fastify): count failed logins only', async () => {
    const app = Fastify();
    app.addHook('onRequest', fastifyRateLimit(limiter(), onlyFailures));
    app.get('/', async (request, reply) => reply.code(checkPassword(request.headers)).send('done'));
    const address = await app.listen({ port: 0, host: '127.0.0.1' });
    closers.push(() => app.close());
    await expectOnlyFailuresCount(`${address}/`);
  });

  it('refundIf hears of a client that left before its response (completed: false)', async () => {
    const counted = limiter();
    const outcomes: boolean[] = [];
    const guard = httpRateLimit(counted, {
      ...options,
      refundIf: ({ completed }) => {
        outcomes.push(completed);
        return !completed;
      },
    });
    // Never answers: the client gives up.
    const server = createServer(async (req, res) => {
      await guard(req, res);
    });
    const url = await listen(server);
    await expect(
      fetch(url, { headers: { 'x-client': 'carol' }, signal: AbortSignal.timeout(100) }),
    ).rejects.toThrow();
    // Given back: a consume now would leave 1 of 2 (0 had the request stayed counted).
    await eventually(async () => (await counted.peek('carol')).remaining === 1);
    expect(outcomes).toEqual([false]);
  });

  it('a store failure reaches Express error handling, not the client as a limit', async () => {
    const broken = new RateLimiter({
      rate: 1,
      store: {
        consume: () => Promise.reject(new Error('store down')),
        peek: () => Promise.reject(new Error('store down')),
        refund: async () => {},
        reset: async () => {},
        block: async () => {},
        close: () => {},
      },
    });
    const app = express();
    app.use(httpRateLimit(broken, options));
    app.get('/', (_req, res) => {
      res.send('ok');
    });
    app.use(
      (error: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
        res.status(503).send(error.message);
      },
    );
    const response = await get(await listen(createServer(app)), 'alice');
    expect([response.status, await response.text()]).toEqual([503, 'store down']);
  });

  it('refuses a missing key function, naming it', () => {
    expect(() => httpRateLimit(limiter(), {} as never)).toThrow(/key must be a function/);
    expect(() => httpRateLimit(limiter(), { ...options, refundIf: true as never })).toThrow(
      /refundIf must be a function/,
    );
  });

  it('rateLimitHeaders rounds seconds up', () => {
    expect(
      rateLimitHeaders({ allowed: false, remaining: 0, limit: 10, resetMs: 1500, retryAfterMs: 1 }),
    ).toEqual({
      'RateLimit-Policy': '"default";q=10',
      RateLimit: '"default";r=0;t=2',
      'Retry-After': '1',
    });
  });
});
