/** The metrics adapters against the real prom-client and the OpenTelemetry SDK. */

import { type RedisServer, startRedis } from '@bulwark/testkit';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { Redis } from 'ioredis';
import * as promClient from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTelemetryMetrics, prometheusMetrics, RateLimiter, redisStore } from '../src/index.js';

async function limiterWithTraffic() {
  const limiter = new RateLimiter({ rate: 1, intervalMs: 60_000, burst: 2 });
  for (let i = 0; i < 3; i++) await limiter.consume('k');
  return limiter;
}

describe('prometheusMetrics', () => {
  it('reads decisions and waiting callers from stats() at scrape time', async () => {
    const registry = new promClient.Registry();
    const metrics = prometheusMetrics(promClient, { registers: [registry], prefix: 'app_' });
    const limiter = await limiterWithTraffic();
    const stop = metrics.observe(limiter, 'api');
    const text = await registry.metrics();
    expect(text).toContain('app_rate_limiter_decisions_total{name="api",outcome="allowed"} 2');
    expect(text).toContain('app_rate_limiter_decisions_total{name="api",outcome="refused"} 1');
    expect(text).toContain('app_rate_limiter_waiting{name="api"} 0');
    stop();
    expect(await registry.metrics()).not.toContain('name="api"');
    await limiter.close();
  });

  it('refuses what is not prom-client, and a limiter without a name', () => {
    expect(() => prometheusMetrics({} as never)).toThrow(/prom-client/);
    const metrics = prometheusMetrics(promClient, { registers: [new promClient.Registry()] });
    expect(() => metrics.observe(new RateLimiter({ rate: 1 }), '')).toThrow(/name/);
  });
});

describe('openTelemetryMetrics', () => {
  it('observes decisions and waiting callers through the SDK', async () => {
    const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 });
    const provider = new MeterProvider({ readers: [reader] });
    const metrics = openTelemetryMetrics(provider.getMeter('test'));
    const limiter = await limiterWithTraffic();
    metrics.observe(limiter, 'api');
    await reader.forceFlush();
    const points = exporter
      .getMetrics()
      .flatMap((r) => r.scopeMetrics.flatMap((s) => s.metrics))
      .flatMap((m) => m.dataPoints.map((p) => [m.descriptor.name, p.attributes, p.value]));
    expect(points).toContainEqual([
      'rate_limiter.decisions',
      { name: 'api', outcome: 'allowed' },
      2,
    ]);
    expect(points).toContainEqual([
      'rate_limiter.decisions',
      { name: 'api', outcome: 'refused' },
      1,
    ]);
    expect(points).toContainEqual(['rate_limiter.waiting', { name: 'api' }, 0]);
    await provider.shutdown();
    await limiter.close();
  });
});

describe('Redis call durations', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => {
    await server.close();
  });

  it('are a histogram by outcome, in both adapters, from the calls the store makes', async () => {
    const client = new Redis(server.port, server.host);
    const limiter = new RateLimiter({ rate: 100, burst: 100, store: redisStore({ client }) });
    const registry = new promClient.Registry();
    const prom = prometheusMetrics(promClient, { registers: [registry] });
    const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 });
    const provider = new MeterProvider({ readers: [reader] });
    const otel = openTelemetryMetrics(provider.getMeter('test'));
    prom.observe(limiter, 'api');
    otel.observe(limiter, 'api');

    for (let i = 0; i < 3; i++) await limiter.consume(`k${i}`);
    await server.stop();
    await limiter.consume('during-outage'); // fails, answered by insurance
    await server.start();

    const text = await registry.metrics();
    expect(text).toContain('rate_limiter_redis_duration_seconds_count{name="api",outcome="ok"} 3');
    expect(text).toContain(
      'rate_limiter_redis_duration_seconds_count{name="api",outcome="error"} 1',
    );
    await reader.forceFlush();
    const histogram = exporter
      .getMetrics()
      .flatMap((r) => r.scopeMetrics.flatMap((s) => s.metrics))
      .find((m) => m.descriptor.name === 'rate_limiter.redis.duration');
    const counts = histogram?.dataPoints.map((p) => [
      p.attributes.outcome,
      (p.value as { count: number }).count,
    ]);
    expect(counts).toEqual(
      expect.arrayContaining([
        ['ok', 3],
        ['error', 1],
      ]),
    );
    await provider.shutdown();
    await limiter.close();
    client.disconnect();
  });
});
