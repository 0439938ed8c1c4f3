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
