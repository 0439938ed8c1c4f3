/** The metrics adapters against the real prom-client and the OpenTelemetry SDK. */
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import * as promClient from 'prom-client';
import { describe, expect, it } from 'vitest';
import { openTelemetryMetrics, prometheusMetrics, RateLimiter } from '../src/index.js';

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
