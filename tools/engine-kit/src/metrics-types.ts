/**
 * What the packages' metrics adapters use of prom-client and of an OpenTelemetry `Meter`,
 * written out so that neither is a dependency: users pass their own module or meter, so
 * the versions and registries are theirs.
 */

export type MetricLabels = Record<string, string>;

interface PromMetricConfig {
  name: string;
  help: string;
  labelNames: string[];
  /** `never[]` so prom-client's own (narrower) Registry[] parameter accepts it. */
  registers?: never[];
  /** Called when the registry is scraped: metrics read from a source set their values here. */
  collect?: () => void;
}

/** The parts of prom-client the adapters use (its Gauge, Counter and Histogram classes). */
export interface PromClientLike {
  Gauge: new (
    config: PromMetricConfig,
  ) => { set(labels: MetricLabels, value: number): void; reset(): void };
  Counter: new (
    config: PromMetricConfig,
  ) => { inc(labels: MetricLabels, value?: number): void; reset(): void };
  Histogram: new (
    config: PromMetricConfig & { buckets?: number[] },
  ) => { observe(labels: MetricLabels, value: number): void };
}

/** An observable instrument's callback result. */
export interface ObservationLike {
  observe(value: number, attributes?: MetricLabels): void;
}

/** The parts of an OpenTelemetry `Meter` the adapters use. */
export interface MeterLike {
  createCounter(
    name: string,
    options?: { description?: string; unit?: string },
  ): { add(value: number, attributes?: MetricLabels): void };
  createHistogram(
    name: string,
    options?: { description?: string; unit?: string },
  ): { record(value: number, attributes?: MetricLabels): void };
  createObservableGauge(
    name: string,
    options?: { description?: string; unit?: string },
  ): { addCallback(callback: (result: ObservationLike) => void): void };
  createObservableCounter(
    name: string,
    options?: { description?: string; unit?: string },
  ): { addCallback(callback: (result: ObservationLike) => void): void };
}

/**
 * The prom-client module, checked: every adapter takes it as given (never a dependency)
 * and says what it needs when given something else.
 */
export function promClientArgument(client: unknown): PromClientLike {
  const c = client as Partial<PromClientLike> | null | undefined;
  if (
    !c ||
    typeof c.Gauge !== 'function' ||
    typeof c.Counter !== 'function' ||
    typeof c.Histogram !== 'function'
  ) {
    throw new TypeError(
      'prometheusMetrics: pass the prom-client module (with Gauge, Counter and Histogram)',
    );
  }
  return c as PromClientLike;
}

/** An OpenTelemetry `Meter`, checked, as `promClientArgument` checks prom-client. */
export function meterArgument(meter: unknown): MeterLike {
  const m = meter as Partial<MeterLike> | null | undefined;
  if (
    !m ||
    typeof m.createCounter !== 'function' ||
    typeof m.createHistogram !== 'function' ||
    typeof m.createObservableCounter !== 'function' ||
    typeof m.createObservableGauge !== 'function'
  ) {
    throw new TypeError('openTelemetryMetrics: pass an OpenTelemetry Meter');
  }
  return m as MeterLike;
}

/** prom-client's `registers` option as the adapters pass it on: absent means its global registry. */
export function registersOption(registers: unknown[] | undefined): { registers?: never[] } {
  return registers ? { registers: registers as never[] } : {};
}
