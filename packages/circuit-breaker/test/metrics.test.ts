/** The metrics adapters against the real prom-client and the OpenTelemetry SDK. */
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import * as promClient from 'prom-client';
import { describe, expect, it } from 'vitest';
import { CircuitBreaker, openTelemetryMetrics, prometheusMetrics } from '../src/index.js';

function breakerFor(name: string) {
  return new CircuitBreaker(
    (ok: boolean) => (ok ? Promise.resolve('ok') : Promise.reject(new Error('x'))),
    {
      name,
      group: 'upstream',
      errorThresholdPercentage: 40,
    },
  );
}

describe('prometheusMetrics', () => {
  it('records state, calls by outcome and durations', async () => {
    const registry = new promClient.Registry();
    const metrics = prometheusMetrics(promClient, { registers: [registry], prefix: 'app_' });
    const breaker = breakerFor('prices');
    const stop = metrics.observe(breaker);
    await breaker.fire(true);
    await breaker.fire(false).catch(() => {});
    await breaker.fire(true).catch(() => {}); // open now: rejected
    const text = await registry.metrics();
    expect(text).toContain('app_circuit_breaker_state{name="prices",group="upstream"} 1');
    expect(text).toContain(
      'app_circuit_breaker_calls_total{name="prices",group="upstream",outcome="success"} 1',
    );
    expect(text).toContain(
      'app_circuit_breaker_calls_total{name="prices",group="upstream",outcome="failure"} 1',
    );
    expect(text).toContain(
      'app_circuit_breaker_calls_total{name="prices",group="upstream",outcome="reject"} 1',
    );
    expect(text).toMatch(
      /app_circuit_breaker_duration_seconds_count\{name="prices",group="upstream",outcome="success"\} 1/,
    );
    stop();
    breaker.close();
    expect(await registry.metrics()).toContain(
      'app_circuit_breaker_state{name="prices",group="upstream"} 1',
    );
  });

  it('names a missing client', () => {
    expect(() => prometheusMetrics(undefined as never)).toThrow(/prom-client/);
  });
});

describe('openTelemetryMetrics', () => {
  it('records state, calls by outcome and durations', async () => {
    const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 });
    const provider = new MeterProvider({ readers: [reader] });
    const metrics = openTelemetryMetrics(provider.getMeter('test'));
    const breaker = breakerFor('stock');
    metrics.observe(breaker);
    await breaker.fire(true);
    await breaker.fire(false).catch(() => {});
    const { resourceMetrics } = await reader.collect();
    const all = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics);
    const byName = (name: string) => all.find((m) => m.descriptor.name === name);
    const point = (name: string, outcome?: string) =>
      byName(name)?.dataPoints.find(
        (p) =>
          p.attributes.name === 'stock' &&
          (outcome === undefined || p.attributes.outcome === outcome),
      );
    expect(point('circuit_breaker.state')?.value).toBe(1);
    expect(point('circuit_breaker.calls', 'success')?.value).toBe(1);
    expect(point('circuit_breaker.calls', 'failure')?.value).toBe(1);
    expect(point('circuit_breaker.duration', 'success')?.value).toMatchObject({ count: 1 });
    await provider.shutdown();
  });
});
