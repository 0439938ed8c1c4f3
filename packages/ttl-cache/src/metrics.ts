import {
  type MeterLike,
  meterArgument,
  Observed,
  type PromClientLike,
  promClientArgument,
  registersOption,
} from '@bulwark/engine-kit';
import type { CacheStats } from './stats.js';
import type { TieredStats } from './tier/tiered-cache.js';

export type { MeterLike, PromClientLike };

/**
 * Metrics adapters for prom-client and OpenTelemetry, over a `TtlCache` or a
 * `TieredCache`. Counts are read from `stats()` when metrics are collected, so nothing is
 * added to a `get`; load durations come from the cache's `load` event. Label `name`: the
 * name you observe a cache under.
 *
 * - requests (counter, label `result`: hit, stale, miss)
 * - removals (counter, label `reason`: evict, expire)
 * - entries (gauge) and calculated size (gauge)
 * - loads (counter, label `outcome`: ok, error) and their durations (histogram)
 * - L2 requests of a TieredCache (counter, label `result`: hit, miss, error)
 */

/** What the adapters read of a cache. */
export interface ObservableCache {
  stats(): CacheStats | TieredStats;
  on?(event: 'load', listener: (key: never, durationMs: number, ok: boolean) => void): unknown;
  off?(event: 'load', listener: (key: never, durationMs: number, ok: boolean) => void): unknown;
}

export interface CacheMetrics {
  /** Starts recording `cache` under `name`; returns the function that stops. */
  observe(cache: ObservableCache, name: string): () => void;
}

export interface PrometheusMetricsOptions {
  /** Prepended to every metric name. Default `''`. */
  prefix?: string;
  /** prom-client registries to register with. Default: prom-client's global registry. */
  registers?: unknown[];
  /** Buckets of the load duration histogram, in seconds. Default prom-client's. */
  buckets?: number[];
}

/** One reading of a cache, in the shape every adapter reports. */
interface Reading {
  name: string;
  l1: CacheStats;
  loads: number;
  loadErrors: number;
  l2?: { hits: number; misses: number; errors: number };
}

function readingOf(name: string, stats: CacheStats | TieredStats): Reading {
  if ('l1' in stats) {
    return {
      name,
      l1: stats.l1,
      loads: stats.loads,
      loadErrors: stats.loadErrors,
      l2: { hits: stats.l2Hits, misses: stats.l2Misses, errors: stats.l2Errors },
    };
  }
  return { name, l1: stats, loads: stats.loads, loadErrors: stats.loadErrors };
}

/** Each observed cache's reading, and the load durations heard from them. */
class ObservedCaches {
  readonly #observed = new Observed<ObservableCache>();
  readonly #recordLoad: (name: string, durationMs: number, ok: boolean) => void;

  constructor(recordLoad: (name: string, durationMs: number, ok: boolean) => void) {
    this.#recordLoad = recordLoad;
  }

  add(cache: ObservableCache, name: string): () => void {
    return this.#observed.add(cache, name, () => {
      const onLoad = (_key: never, durationMs: number, ok: boolean): void =>
        this.#recordLoad(name, durationMs, ok);
      cache.on?.('load', onLoad);
      return () => cache.off?.('load', onLoad);
    });
  }

  *readings(): Generator<Reading> {
    for (const [name, cache] of this.#observed.entries()) yield readingOf(name, cache.stats());
  }
}

/** Each counter: its name's stem, help, label, and the (label value, count) pairs of a reading. */
const COUNTERS: [string, string, string, (r: Reading) => [string, number][]][] = [
  [
    'requests',
    'Reads of the cache (L1), by result',
    'result',
    (r) => [
      ['hit', r.l1.hits],
      ['stale', r.l1.staleHits],
      ['miss', r.l1.misses],
    ],
  ],
  [
    'removals',
    'Entries removed by a bound (evict) or their TTL (expire)',
    'reason',
    (r) => [
      ['evict', r.l1.evictions],
      ['expire', r.l1.expirations],
    ],
  ],
  [
    'loads',
    'Loader calls, by outcome',
    'outcome',
    (r) => [
      ['ok', r.loads - r.loadErrors],
      ['error', r.loadErrors],
    ],
  ],
  [
    'l2_requests',
    'Reads of Redis by a TieredCache, by result',
    'result',
    (r) =>
      r.l2
        ? [
            ['hit', r.l2.hits],
            ['miss', r.l2.misses],
            ['error', r.l2.errors],
          ]
        : [],
  ],
];

/**
 * `ttl_cache_requests_total` (label `result`), `ttl_cache_removals_total` (label `reason`),
 * `ttl_cache_loads_total` (label `outcome`), `ttl_cache_l2_requests_total` (label
 * `result`), the gauges `ttl_cache_entries` and `ttl_cache_calculated_size`, and the
 * histogram `ttl_cache_load_duration_seconds` (label `outcome`), each labelled `name`.
 */
export function prometheusMetrics(
  client: PromClientLike,
  options: PrometheusMetricsOptions = {},
): CacheMetrics {
  promClientArgument(client);
  const prefix = `${options.prefix ?? ''}ttl_cache_`;
  const registers = registersOption(options.registers);
  const loadDuration = new client.Histogram({
    name: `${prefix}load_duration_seconds`,
    help: 'Duration of loader calls, by outcome',
    labelNames: ['name', 'outcome'],
    ...(options.buckets ? { buckets: options.buckets } : {}),
    ...registers,
  });
  const observed = new ObservedCaches((name, ms, ok) =>
    loadDuration.observe({ name, outcome: ok ? 'ok' : 'error' }, ms / 1000),
  );
  for (const [stem, help, label, pairs] of COUNTERS) {
    const counter = new client.Counter({
      name: `${prefix}${stem}_total`,
      help,
      labelNames: ['name', label],
      ...registers,
      collect() {
        counter.reset();
        for (const reading of observed.readings()) {
          for (const [value, count] of pairs(reading)) {
            counter.inc({ name: reading.name, [label]: value }, count);
          }
        }
      },
    });
  }
  const gauge = (stem: string, help: string, read: (r: Reading) => number) => {
    const g = new client.Gauge({
      name: `${prefix}${stem}`,
      help,
      labelNames: ['name'],
      ...registers,
      collect() {
        g.reset();
        for (const reading of observed.readings()) g.set({ name: reading.name }, read(reading));
      },
    });
  };
  gauge('entries', 'Entries in the cache (L1)', (r) => r.l1.size);
  gauge('calculated_size', 'Sum of entry sizes (L1), against maxSize', (r) => r.l1.calculatedSize);
  return { observe: (cache, name) => observed.add(cache, name) };
}

/**
 * The same, through an OpenTelemetry `Meter`: `ttl_cache.requests`, `ttl_cache.removals`,
 * `ttl_cache.loads`, `ttl_cache.l2_requests` (observable counters), `ttl_cache.entries`,
 * `ttl_cache.calculated_size` (observable gauges) and `ttl_cache.load.duration`
 * (histogram, ms), each with attribute `name`.
 */
export function openTelemetryMetrics(meter: MeterLike): CacheMetrics {
  meterArgument(meter);
  const loadDuration = meter.createHistogram('ttl_cache.load.duration', {
    description: 'Duration of loader calls, by outcome',
    unit: 'ms',
  });
  const observed = new ObservedCaches((name, ms, ok) =>
    loadDuration.record(ms, { name, outcome: ok ? 'ok' : 'error' }),
  );
  for (const [stem, description, label, pairs] of COUNTERS) {
    meter.createObservableCounter(`ttl_cache.${stem}`, { description }).addCallback((result) => {
      for (const reading of observed.readings()) {
        for (const [value, count] of pairs(reading)) {
          result.observe(count, { name: reading.name, [label]: value });
        }
      }
    });
  }
  const gauge = (stem: string, description: string, read: (r: Reading) => number) =>
    meter.createObservableGauge(`ttl_cache.${stem}`, { description }).addCallback((result) => {
      for (const reading of observed.readings())
        result.observe(read(reading), { name: reading.name });
    });
  gauge('entries', 'Entries in the cache (L1)', (r) => r.l1.size);
  gauge('calculated_size', 'Sum of entry sizes (L1), against maxSize', (r) => r.l1.calculatedSize);
  return { observe: (cache, name) => observed.add(cache, name) };
}
