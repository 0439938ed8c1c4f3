import {
  type MeterLike,
  meterArgument,
  Observed,
  type PromClientLike,
  promClientArgument,
  registersOption,
} from '@bulwark/engine-kit';
import type { RateLimiterStats } from './rate-limiter.js';

export type { MeterLike, PromClientLike };

/**
 * Metrics adapters for prom-client and OpenTelemetry, read from each limiter's `stats()`
 * when the metrics are collected: nothing is added to the consume path. Labels: the
 * `name` you observe a limiter under.
 *
 * - decisions (counter, label `outcome`: allowed, refused)
 * - waiting callers (gauge)
 * - store events (counter, label `event`: redis_error, insurance, deny_cache), for Redis stores
 * - Redis call durations (histogram, label `outcome`: ok, error), for Redis stores: one
 *   observation per call to Redis (a call may decide many consumes), heard as it ends
 */

/** What the adapters read of a limiter: its stats, and (a RateLimiter) its Redis calls. */
export interface ObservableLimiter {
  stats(): RateLimiterStats;
  on?(event: 'redisCall', listener: (durationMs: number, ok: boolean) => void): unknown;
  off?(event: 'redisCall', listener: (durationMs: number, ok: boolean) => void): unknown;
}

/** Called with each Redis call's duration by the limiters observed. */
type RedisCallRecorder = (name: string, durationMs: number, ok: boolean) => void;

export interface LimiterMetrics {
  /** Starts recording `limiter` under `name`; returns the function that stops. */
  observe(limiter: ObservableLimiter, name: string): () => void;
}

export interface PrometheusMetricsOptions {
  /** Prepended to every metric name. Default `''`. */
  prefix?: string;
  /** Buckets of the Redis call histogram, in seconds. Default 0.5 ms to 1 s (REDIS_BUCKETS). */
  buckets?: number[];
  /** prom-client registries to register with. Default: prom-client's global registry. */
  registers?: unknown[];
}

/** Redis on loopback answers in well under a millisecond; across a network, a few. */
export const REDIS_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

/** Observed limiters by name, and the readings every adapter takes from them. */
class ObservedLimiters {
  readonly #observed = new Observed<ObservableLimiter>();
  readonly #recordRedisCall: RedisCallRecorder;

  constructor(recordRedisCall: RedisCallRecorder) {
    this.#recordRedisCall = recordRedisCall;
  }

  add(limiter: ObservableLimiter, name: string): () => void {
    return this.#observed.add(limiter, name, () => {
      const onRedisCall = (durationMs: number, ok: boolean): void =>
        this.#recordRedisCall(name, durationMs, ok);
      limiter.on?.('redisCall', onRedisCall);
      return () => limiter.off?.('redisCall', onRedisCall);
    });
  }

  /** Each limiter's counts, as (value, labels) pairs per metric. */
  *readings(): Generator<[name: string, stats: RateLimiterStats]> {
    for (const [name, limiter] of this.#observed.entries()) yield [name, limiter.stats()];
  }
}

const STORE_EVENTS = [
  ['redis_error', 'redisErrors'],
  ['insurance', 'insuranceAnswers'],
  ['deny_cache', 'denyCacheAnswers'],
] as const;

/**
 * `rate_limiter_decisions_total` (label `outcome`), `rate_limiter_waiting`,
 * `rate_limiter_store_events_total` (label `event`) and
 * `rate_limiter_redis_duration_seconds` (histogram, label `outcome`), each labelled `name`.
 */
export function prometheusMetrics(
  client: PromClientLike,
  options: PrometheusMetricsOptions = {},
): LimiterMetrics {
  promClientArgument(client);
  const prefix = options.prefix ?? '';
  const registers = registersOption(options.registers);
  const redisDuration = new client.Histogram({
    name: `${prefix}rate_limiter_redis_duration_seconds`,
    help: 'Duration of calls to Redis by the rate limiter store, by outcome',
    labelNames: ['name', 'outcome'],
    buckets: options.buckets ?? REDIS_BUCKETS,
    ...registers,
  });
  const observed = new ObservedLimiters((name, ms, ok) =>
    redisDuration.observe({ name, outcome: ok ? 'ok' : 'error' }, ms / 1000),
  );
  const decisions = new client.Counter({
    name: `${prefix}rate_limiter_decisions_total`,
    help: 'Consumes decided by the rate limiter, by outcome',
    labelNames: ['name', 'outcome'],
    ...registers,
    collect() {
      decisions.reset();
      for (const [name, stats] of observed.readings()) {
        decisions.inc({ name, outcome: 'allowed' }, stats.allowed);
        decisions.inc({ name, outcome: 'refused' }, stats.refused);
      }
    },
  });
  const waiting = new client.Gauge({
    name: `${prefix}rate_limiter_waiting`,
    help: 'Callers waiting their turn in wait() or wrap()',
    labelNames: ['name'],
    ...registers,
    collect() {
      waiting.reset();
      for (const [name, stats] of observed.readings()) waiting.set({ name }, stats.waiting);
    },
  });
  const storeEvents = new client.Counter({
    name: `${prefix}rate_limiter_store_events_total`,
    help: 'What the Redis store did besides asking Redis, by event',
    labelNames: ['name', 'event'],
    ...registers,
    collect() {
      storeEvents.reset();
      for (const [name, stats] of observed.readings()) {
        if (!stats.store) continue;
        for (const [event, field] of STORE_EVENTS)
          storeEvents.inc({ name, event }, stats.store[field]);
      }
    },
  });
  return { observe: (limiter, name) => observed.add(limiter, name) };
}

/**
 * `rate_limiter.decisions` (observable counter, attribute `outcome`),
 * `rate_limiter.waiting` (observable gauge), `rate_limiter.store_events` (observable
 * counter, attribute `event`) and `rate_limiter.redis.duration` (histogram in ms,
 * attribute `outcome`), each with attribute `name`.
 */
export function openTelemetryMetrics(meter: MeterLike): LimiterMetrics {
  meterArgument(meter);
  const redisDuration = meter.createHistogram('rate_limiter.redis.duration', {
    description: 'Duration of calls to Redis by the rate limiter store, by outcome',
    unit: 'ms',
  });
  const observed = new ObservedLimiters((name, ms, ok) =>
    redisDuration.record(ms, { name, outcome: ok ? 'ok' : 'error' }),
  );
  meter
    .createObservableCounter('rate_limiter.decisions', {
      description: 'Consumes decided by the rate limiter, by outcome',
    })
    .addCallback((result) => {
      for (const [name, stats] of observed.readings()) {
        result.observe(stats.allowed, { name, outcome: 'allowed' });
        result.observe(stats.refused, { name, outcome: 'refused' });
      }
    });
  meter
    .createObservableGauge('rate_limiter.waiting', {
      description: 'Callers waiting their turn in wait() or wrap()',
    })
    .addCallback((result) => {
      for (const [name, stats] of observed.readings()) result.observe(stats.waiting, { name });
    });
  meter
    .createObservableCounter('rate_limiter.store_events', {
      description: 'What the Redis store did besides asking Redis, by event',
    })
    .addCallback((result) => {
      for (const [name, stats] of observed.readings()) {
        if (!stats.store) continue;
        for (const [event, field] of STORE_EVENTS)
          result.observe(stats.store[field], { name, event });
      }
    });
  return { observe: (limiter, name) => observed.add(limiter, name) };
}
