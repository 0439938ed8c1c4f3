#!/usr/bin/env node
// The main demo (`npm start`): each package that exists, doing its job on an embedded
// default (no Redis), saying what it did. Example apps that compose the packages come later.
import { Worker } from 'node:worker_threads';
import { allLimits, RateLimiter, engineInfo as rateLimiterEngineInfo } from '@bulwark/rate-limiter';
import { engineInfo, TtlCache } from '@bulwark/ttl-cache';

const say = (...lines) => console.log(lines.join('\n'));

const info = engineInfo();
say(
  '@bulwark/ttl-cache',
  `  engineInfo(): ${info.engine} (native ${info.nativeAvailable ? `loaded from ${info.binary}` : 'not available'})`,
  `  why: ${info.reason}`,
);

const engines = info.nativeAvailable ? ['js', 'native'] : ['js'];
for (const engine of engines) {
  const cache = new TtlCache({ max: 3, ttl: 60_000, engine });
  for (const [k, v] of [
    ['a', 'alpha'],
    ['b', 'bravo'],
    ['c', 'charlie'],
  ])
    cache.set(k, v);
  cache.get('a');
  cache.set('d', 'delta');
  say(
    `  [${cache.engine}] max 3: set a, b, c; read a; set d -> b was evicted: keys, most recent first: ${[...cache.keys()].join(', ')}`,
  );

  let upstreamCalls = 0;
  const slowUpstream = async (id) => {
    upstreamCalls++;
    await new Promise((r) => setTimeout(r, 20));
    return { id, name: `user ${id}` };
  };
  const users = await Promise.all(
    Array.from({ length: 100 }, () => cache.fetch('user:7', () => slowUpstream(7))),
  );
  say(
    `  [${cache.engine}] 100 concurrent fetches of user:7 -> ${upstreamCalls} upstream call, every caller got ${users[0].name}`,
  );

  const s = cache.stats();
  say(
    `  [${cache.engine}] stats: ${s.hits} hits, ${s.misses} misses, ${s.evictions} evictions, ${s.loads} load, hit rate ${s.hitRate.toFixed(2)}`,
  );
}

const clock = { t: 0, now: () => clock.t };
const expiring = new TtlCache({ ttl: 1_000, clock, max: 10 });
expiring.set('session', 'token-123');
clock.t += 999;
const before = expiring.get('session');
clock.t += 1;
say(
  `  TTL 1 s on an injected clock: at 999 ms -> ${before}; at 1000 ms -> ${expiring.get('session')}`,
);

// Stale-if-error: the upstream fails after the TTL, and the cache answers what it last had.
{
  const staleClock = { t: 0, now: () => staleClock.t };
  const prices = new TtlCache({ max: 100, ttl: 1_000, staleIfError: 60_000, clock: staleClock });
  await prices.fetch('sku-1', async () => 19.99);
  staleClock.t += 5_000;
  const price = await prices.fetch('sku-1', async () => {
    throw new Error('pricing service down');
  });
  say(
    `  staleIfError 60 s: 5 s after its 1 s TTL the pricing service fails -> fetch answers the stale ${price} (get says ${prices.get('sku-1')})`,
  );
}

// @bulwark/circuit-breaker: a failing dependency opens the circuit, the fallback answers,
// and after resetTimeout one probe closes it again.
{
  const { default: CircuitBreaker, consecutiveBreaker } = await import('@bulwark/circuit-breaker');
  let up = false;
  const inventory = async (sku) => {
    if (!up) throw new Error('inventory service unreachable');
    return { sku, inStock: 12 };
  };
  const breaker = new CircuitBreaker(inventory, {
    breaker: consecutiveBreaker({ threshold: 3 }),
    resetTimeout: 50,
    timeout: 1_000,
  });
  breaker.fallback((sku) => ({ sku, inStock: 'unknown' }));
  const events = [];
  for (const event of ['open', 'halfOpen', 'close']) breaker.on(event, () => events.push(event));
  for (let i = 0; i < 5; i++) await breaker.fire('sku-1');
  const { failures, rejects, fallbacks } = breaker.stats;
  say(
    '@bulwark/circuit-breaker',
    `  5 calls to a dead service, 3 failures in a row open the circuit: ${failures} failures, ${rejects} rejected without a call, ${fallbacks} answered by the fallback`,
  );
  up = true;
  await new Promise((r) => setTimeout(r, 60));
  const answer = await breaker.fire('sku-1');
  say(
    `  the service is back; after resetTimeout one probe went through (${JSON.stringify(answer)}): events ${events.join(' -> ')}`,
  );
  breaker.shutdown();
}

// @bulwark/rate-limiter: refusals are answers, not errors; wait() queues; several limits at
// once; and one limit shared by every worker thread through the native twin.
{
  say('@bulwark/rate-limiter');
  const burst = new RateLimiter({ algorithm: 'token-bucket', rate: 5, burst: 5 });
  const answers = [];
  for (let i = 0; i < 8; i++) answers.push(burst.consumeSync('client:1'));
  const refused = answers.filter((a) => !a.allowed);
  say(
    `  token bucket, 5 a second with a burst of 5: 8 requests at once -> ${answers.length - refused.length} allowed, ${refused.length} refused, the first told to retry after ${refused[0].retryAfterMs} ms`,
  );

  const started = Date.now();
  const waited = await Promise.all(
    [1, 2, 3].map((n) => burst.wait('client:1').then(() => `#${n} at ${Date.now() - started} ms`)),
  );
  say(`  wait(): three more callers served in order as tokens come back: ${waited.join(', ')}`);

  const perSecond = new RateLimiter({ algorithm: 'gcra', rate: 2, burst: 2 });
  const perMinute = new RateLimiter({ algorithm: 'fixed-window', limit: 3, windowMs: 60_000 });
  const both = allLimits([perSecond, perMinute]);
  const tries = [];
  for (let i = 0; i < 3; i++) tries.push((await both.consume('client:2')).allowed);
  say(
    `  allLimits(2 a second, 3 a minute): 3 requests at once -> ${tries.join(', ')}; the refused one spent nothing of the minute (${(await perMinute.peek('client:2')).remaining + 1} left there)`,
  );

  const native = rateLimiterEngineInfo();
  if (native.nativeAvailable) {
    const storeName = `demo-${process.pid}`;
    const workers = Array.from(
      { length: 4 },
      () =>
        new Worker(new URL('./demo/rate-limiter-worker.mjs', import.meta.url), {
          workerData: { storeName },
        }),
    );
    await Promise.all(workers.map((w) => new Promise((r) => w.once('message', r))));
    const admitted = await Promise.all(
      workers.map((w) => {
        const done = new Promise((r) => w.once('message', r));
        w.postMessage('go');
        return done;
      }),
    );
    await Promise.all(workers.map((w) => w.terminate()));
    say(
      `  sharedMemoryStore: 4 worker threads, 1,000 tries each at a limit of 100 a minute -> ${admitted.join(' + ')} = ${admitted.reduce((a, b) => a + b, 0)} admitted`,
    );
  } else {
    say(`  sharedMemoryStore needs the native twin: ${native.reason}`);
  }
}
