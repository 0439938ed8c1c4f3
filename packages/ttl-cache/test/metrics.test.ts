/** The metrics adapters against the real prom-client and the OpenTelemetry SDK. */

import { startRedis } from '@bulwark/testkit';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { Redis } from 'ioredis';
import * as promClient from 'prom-client';
import { describe, expect, it } from 'vitest';
import {
  openTelemetryMetrics,
  prometheusMetrics,
  redisTier,
  TieredCache,
  TtlCache,
} from '../src/index.js';

/** A cache that saw 2 hits, 1 miss, 1 eviction and 2 loads (one failed). */
async function cacheWithTraffic() {
  const cache = new TtlCache<string, string>({ max: 2 });
  cache.set('a', '1').set('b', '2');
  cache.get('a');
  cache.get('a');
  cache.get('nope');
  cache.set('c', '3'); // evicts b
  return cache;
}

async function loadTwice(cache: TtlCache<string, string>) {
  await cache.fetch('loaded', async () => 'x');
  await cache
    .fetch('failing', async () => {
      throw new Error('down');
    })
    .catch(() => {});
}

describe('prometheusMetrics', () => {
  it('reads counts from stats() at scrape time, and load durations from the load event', async () => {
    const registry = new promClient.Registry();
    const metrics = prometheusMetrics(promClient, { registers: [registry], prefix: 'app_' });
    const cache = await cacheWithTraffic();
    const stop = metrics.observe(cache, 'products');
    await loadTwice(cache);
    const text = await registry.metrics();
    const stats = cache.stats();
    expect(stats).toMatchObject({ hits: 2, evictions: 2, loads: 2, loadErrors: 1 });
    expect(text).toContain(
      `app_ttl_cache_requests_total{name="products",result="hit"} ${stats.hits}`,
    );
    expect(text).toContain(
      `app_ttl_cache_requests_total{name="products",result="miss"} ${stats.misses}`,
    );
    expect(text).toContain('app_ttl_cache_removals_total{name="products",reason="evict"} 2');
    expect(text).toContain('app_ttl_cache_loads_total{name="products",outcome="error"} 1');
    expect(text).toContain('app_ttl_cache_entries{name="products"} 2');
    expect(text).toContain(
      'app_ttl_cache_load_duration_seconds_count{name="products",outcome="ok"} 1',
    );
    expect(text).toContain(
      'app_ttl_cache_load_duration_seconds_count{name="products",outcome="error"} 1',
    );
    stop();
    expect(await registry.metrics()).not.toContain('app_ttl_cache_requests_total{name="products"');
  });

  it('refuses what is not prom-client, and a cache without a name', () => {
    expect(() => prometheusMetrics({} as never)).toThrow(/prom-client/);
    const metrics = prometheusMetrics(promClient, { registers: [new promClient.Registry()] });
    expect(() => metrics.observe(new TtlCache({ max: 1 }), '')).toThrow(/name/);
  });

  it('counts a TieredCache L2 requests, errors included', async () => {
    const server = await startRedis();
    const client = new Redis(server.port, server.host);
    const tiered = new TieredCache<string>({
      l1: { max: 10 },
      l2: redisTier({ client }),
      ttl: 60_000,
    });
    const registry = new promClient.Registry();
    prometheusMetrics(promClient, { registers: [registry] }).observe(tiered, 'sessions');
    await tiered.set('k', 'v');
    tiered.l1.clear();
    expect(await tiered.get('k')).toBe('v');
    expect(await tiered.get('absent')).toBeUndefined();
    await server.stop();
    await tiered.get('during-outage');
    const text = await registry.metrics();
    expect(text).toContain('ttl_cache_l2_requests_total{name="sessions",result="hit"} 1');
    // A read that failed found nothing too: it is a miss as well as an error.
    expect(text).toContain('ttl_cache_l2_requests_total{name="sessions",result="miss"} 2');
    expect(text).toContain('ttl_cache_l2_requests_total{name="sessions",result="error"} 1');
    tiered.close();
    client.disconnect();
    await server.close();
  });
});

describe('openTelemetryMetrics', () => {
  it('observes the same through the SDK', async () => {
    const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 });
    const provider = new MeterProvider({ readers: [reader] });
    const metrics = openTelemetryMetrics(provider.getMeter('test'));
    const cache = await cacheWithTraffic();
    metrics.observe(cache, 'products');
    await loadTwice(cache);
    await reader.forceFlush();
    const points = exporter
      .getMetrics()
      .flatMap((r) => r.scopeMetrics.flatMap((s) => s.metrics))
      .flatMap((m) =>
        m.dataPoints.map((p) => [
          m.descriptor.name,
          p.attributes,
          typeof p.value === 'number' ? p.value : (p.value as { count: number }).count,
        ]),
      );
    expect(points).toContainEqual(['ttl_cache.requests', { name: 'products', result: 'hit' }, 2]);
    expect(points).toContainEqual(['ttl_cache.removals', { name: 'products', reason: 'evict' }, 2]);
    expect(points).toContainEqual(['ttl_cache.entries', { name: 'products' }, 2]);
    expect(points).toContainEqual([
      'ttl_cache.load.duration',
      { name: 'products', outcome: 'error' },
      1,
    ]);
    await provider.shutdown();
  });
});
