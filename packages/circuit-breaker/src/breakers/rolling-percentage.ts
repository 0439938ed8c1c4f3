import { rejectUnknownOptions } from '@bulwark/engine-kit';
import { CircuitState } from 'cockatiel';
import { integerAtLeast, nonNegativeNumber, positiveNumber } from '../validate.js';
import { TimeWindowBreaker } from './time-window.js';
import { type BulwarkBreaker, type Clock, systemClock } from './types.js';

export interface RollingPercentageBreakerOptions {
  /** Opens when failures exceed this percentage of calls in the window. Default 50. */
  errorThresholdPercentage?: number;
  /** Calls the window must hold before the percentage counts. Default 0. */
  volumeThreshold?: number;
  /** Window length in ms. Default 10000. */
  rollingCountTimeout?: number;
  /** Buckets in the window. Default 10. */
  rollingCountBuckets?: number;
  clock?: Clock;
}

export interface RollingPercentageSpec {
  kind: 'rolling-percentage';
  errorThresholdPercentage: number;
  volumeThreshold: number;
  rollingCountTimeout: number;
  rollingCountBuckets: number;
}

/** Where the window's totals come from when a circuit already counts them (its Status). */
export interface CallCounts {
  fires(): number;
  failures(): number;
}

/**
 * Opossum's rule: open when more than `errorThresholdPercentage` percent of the calls in
 * the rolling window failed, once the window holds `volumeThreshold` calls. Under
 * `CircuitBreaker` the counts are its `status` (where, as in opossum, `fires` includes
 * rejected and cached calls); standalone, it keeps its own window of calls.
 */
export class RollingPercentageBreaker implements BulwarkBreaker {
  readonly kind = 'rolling-percentage';
  readonly spec: RollingPercentageSpec;
  readonly #external: CallCounts | undefined;
  /** Counts calls and failures when no circuit counts them (its own rule is never consulted). */
  readonly #own: TimeWindowBreaker | undefined;

  constructor(options: RollingPercentageBreakerOptions = {}, counts?: CallCounts) {
    rejectUnknownOptions(
      'rollingPercentageBreaker',
      options ?? {},
      Object.keys(KNOWN_ROLLING_PERCENTAGE_BREAKER_OPTIONS),
    );
    const rollingCountTimeout =
      options.rollingCountTimeout === undefined
        ? 10_000
        : positiveNumber('rollingCountTimeout', options.rollingCountTimeout);
    const rollingCountBuckets =
      options.rollingCountBuckets === undefined
        ? 10
        : integerAtLeast('rollingCountBuckets', options.rollingCountBuckets, 1);
    this.spec = {
      kind: 'rolling-percentage',
      errorThresholdPercentage:
        options.errorThresholdPercentage === undefined
          ? 50
          : nonNegativeNumber('errorThresholdPercentage', options.errorThresholdPercentage),
      volumeThreshold:
        options.volumeThreshold === undefined
          ? 0
          : integerAtLeast('volumeThreshold', options.volumeThreshold, 0),
      rollingCountTimeout,
      rollingCountBuckets,
    };
    this.#external = counts;
    this.#own = counts
      ? undefined
      : new TimeWindowBreaker({
          windowMs: rollingCountTimeout,
          buckets: rollingCountBuckets,
          clock: options.clock ?? systemClock,
        });
  }

  get state(): unknown {
    return this.#own ? this.#own.state : {};
  }

  set state(value: unknown) {
    if (this.#own) this.#own.state = value;
  }

  success(_state?: CircuitState): void {
    this.#own?.success(CircuitState.Closed);
  }

  failure(state: CircuitState): boolean {
    this.#own?.failure(CircuitState.Closed);
    if (state !== CircuitState.Closed) return true;
    const own = this.#own?.windowCounts();
    const fires = own ? own.calls : (this.#external as CallCounts).fires();
    const failures = own ? own.failures : (this.#external as CallCounts).failures();
    if (fires < this.spec.volumeThreshold) return false;
    return (failures / fires) * 100 > this.spec.errorThresholdPercentage;
  }

  /** Opossum keeps its window across a close; so does this breaker. */
  reset(): void {}
}

export function rollingPercentageBreaker(
  options: RollingPercentageBreakerOptions = {},
): RollingPercentageBreaker {
  return new RollingPercentageBreaker(options);
}

/** Every option name, checked against the interface by the compiler. */
const KNOWN_ROLLING_PERCENTAGE_BREAKER_OPTIONS: Record<
  keyof RollingPercentageBreakerOptions,
  true
> = {
  errorThresholdPercentage: true,
  volumeThreshold: true,
  rollingCountTimeout: true,
  rollingCountBuckets: true,
  clock: true,
};
