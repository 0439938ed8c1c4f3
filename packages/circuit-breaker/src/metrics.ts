import type { EventEmitter } from 'node:events';
import {
  type MeterLike,
  meterArgument,
  type PromClientLike,
  promClientArgument,
  registersOption,
} from '@bulwark/engine-kit';

export type { MeterLike, PromClientLike };

/**
 * Metrics adapters for prom-client and OpenTelemetry. Neither library is a dependency:
 * you pass in your own `prom-client` module or OpenTelemetry `Meter`, so the versions
 * and registries are yours. Each adapter records, per breaker (labels `name` and
 * `group`): the state as a gauge (0 closed, 1 open, 2 half-open, 3 shut down), calls by
 * outcome as a counter, and call durations by outcome as a histogram. Observing a
 * breaker adds listeners to its per-call events, which costs a little per call; a
 * breaker nobody observes pays nothing.
 */

/** What the adapters need of a breaker: its events and flags (any opossum-like breaker fits). */
export interface ObservableBreaker extends EventEmitter {
  readonly name: string;
  readonly group: string;
  readonly opened: boolean;
  readonly halfOpen: boolean;
  readonly isShutdown: boolean;
}

export type MetricOutcome =
  | 'success'
  | 'failure'
  | 'timeout'
  | 'reject'
  | 'fallback'
  | 'semaphore_locked'
  | 'cache_hit'
  | 'coalesced';

const OUTCOME_EVENTS: [event: string, outcome: MetricOutcome][] = [
  ['success', 'success'],
  ['failure', 'failure'],
  ['timeout', 'timeout'],
  ['reject', 'reject'],
  ['fallback', 'fallback'],
  ['semaphoreLocked', 'semaphore_locked'],
  ['cacheHit', 'cache_hit'],
  ['coalesceCacheHit', 'coalesced'],
];

export function stateValue(breaker: ObservableBreaker): number {
  if (breaker.isShutdown) return 3;
  if (breaker.opened) return 1;
  if (breaker.halfOpen) return 2;
  return 0;
}

/** Sinks the events feed; each adapter supplies its own. */
interface Sinks {
  count(breaker: ObservableBreaker, outcome: MetricOutcome): void;
  duration(breaker: ObservableBreaker, outcome: 'success' | 'failure', ms: number): void;
  state(breaker: ObservableBreaker): void;
}

/** Subscribes `sinks` to a breaker's events; returns the function that unsubscribes. */
function watch(breaker: ObservableBreaker, sinks: Sinks): () => void {
  const listeners: [string, (...args: unknown[]) => void][] = OUTCOME_EVENTS.map(
    ([event, outcome]) => [
      event,
      (...args: unknown[]) => {
        sinks.count(breaker, outcome);
        if (outcome === 'success' || outcome === 'failure') {
          const ms = args[1];
          if (typeof ms === 'number') sinks.duration(breaker, outcome, ms);
        }
      },
    ],
  );
  for (const event of ['open', 'halfOpen', 'close', 'shutdown']) {
    listeners.push([event, () => sinks.state(breaker)]);
  }
  for (const [event, listener] of listeners) breaker.on(event, listener);
  sinks.state(breaker);
  return () => {
    for (const [event, listener] of listeners) breaker.removeListener(event, listener);
  };
}

// prom-client

export interface PrometheusMetricsOptions {
  /** Prepended to every metric name. Default `''`. */
  prefix?: string;
  /** prom-client registries to register with. Default: prom-client's global registry. */
  registers?: unknown[];
  /** Histogram buckets, in seconds. Default prom-client's. */
  buckets?: number[];
}

export interface BreakerMetrics {
  /** Starts recording a breaker; returns the function that stops. */
  observe(breaker: ObservableBreaker): () => void;
}

/**
 * `circuit_breaker_state` (gauge), `circuit_breaker_calls_total` (counter, label
 * `outcome`) and `circuit_breaker_duration_seconds` (histogram, label `outcome`), with
 * labels `name` and `group`.
 */
export function prometheusMetrics(
  client: PromClientLike,
  options: PrometheusMetricsOptions = {},
): BreakerMetrics {
  promClientArgument(client);
  const prefix = options.prefix ?? '';
  const registers = registersOption(options.registers);
  const state = new client.Gauge({
    name: `${prefix}circuit_breaker_state`,
    help: 'Circuit state: 0 closed, 1 open, 2 half-open, 3 shut down',
    labelNames: ['name', 'group'],
    ...registers,
  });
  const calls = new client.Counter({
    name: `${prefix}circuit_breaker_calls_total`,
    help: 'Calls through the circuit breaker, by outcome',
    labelNames: ['name', 'group', 'outcome'],
    ...registers,
  });
  const duration = new client.Histogram({
    name: `${prefix}circuit_breaker_duration_seconds`,
    help: 'Duration of calls through the circuit breaker, by outcome',
    labelNames: ['name', 'group', 'outcome'],
    ...(options.buckets ? { buckets: options.buckets } : {}),
    ...registers,
  });
  return {
    observe: (breaker) =>
      watch(breaker, {
        count: (b, outcome) => calls.inc({ name: b.name, group: b.group, outcome }),
        duration: (b, outcome, ms) =>
          duration.observe({ name: b.name, group: b.group, outcome }, ms / 1000),
        state: (b) => state.set({ name: b.name, group: b.group }, stateValue(b)),
      }),
  };
}

// OpenTelemetry

/**
 * `circuit_breaker.state` (observable gauge), `circuit_breaker.calls` (counter, attribute
 * `outcome`) and `circuit_breaker.duration` (histogram in ms, attribute `outcome`), with
 * attributes `name` and `group`.
 */
export function openTelemetryMetrics(meter: MeterLike): BreakerMetrics {
  meterArgument(meter);
  const observed = new Set<ObservableBreaker>();
  meter
    .createObservableGauge('circuit_breaker.state', {
      description: 'Circuit state: 0 closed, 1 open, 2 half-open, 3 shut down',
    })
    .addCallback((result) => {
      for (const b of observed) result.observe(stateValue(b), { name: b.name, group: b.group });
    });
  const calls = meter.createCounter('circuit_breaker.calls', {
    description: 'Calls through the circuit breaker, by outcome',
  });
  const duration = meter.createHistogram('circuit_breaker.duration', {
    description: 'Duration of calls through the circuit breaker, by outcome',
    unit: 'ms',
  });
  return {
    observe(breaker) {
      observed.add(breaker);
      const stop = watch(breaker, {
        count: (b, outcome) => calls.add(1, { name: b.name, group: b.group, outcome }),
        duration: (b, outcome, ms) =>
          duration.record(ms, { name: b.name, group: b.group, outcome }),
        state: () => {},
      });
      return () => {
        observed.delete(breaker);
        stop();
      };
    },
  };
}
