#!/usr/bin/env node
// The main demo (`npm start`): each package that exists, doing its job on an embedded
// default (no Redis), saying what it did. Example apps that compose the packages come later.
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
