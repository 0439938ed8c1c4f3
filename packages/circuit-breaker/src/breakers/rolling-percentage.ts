import { CircuitState } from 'cockatiel';
import { RollingClock } from '../rolling-clock.js';
import { integerAtLeast, nonNegativeNumber, positiveNumber } from '../validate.js';
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
  readonly #clock: Clock;
  readonly #rolling: RollingClock;
  /** Per bucket: calls, failures (own window only). */
  readonly #counts: Uint32Array;
  #current = 0;
  #calls = 0;
  #failures = 0;

  constructor(options: RollingPercentageBreakerOptions = {}, counts?: CallCounts) {
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
    this.#clock = options.clock ?? systemClock;
    this.#counts = new Uint32Array(rollingCountBuckets * 2);
    this.#rolling = new RollingClock(
      Math.max(1, Math.floor(rollingCountTimeout / rollingCountBuckets)),
      rollingCountBuckets,
      this.#clock(),
    );
  }

  get state(): unknown {
    return this.#external ? {} : { counts: Array.from(this.#counts), current: this.#current };
  }

  set state(value: unknown) {
    const saved = value as { counts?: number[]; current?: number } | undefined;
    if (this.#external || !saved?.counts || saved.counts.length !== this.#counts.length) return;
    this.#counts.set(saved.counts);
    this.#current = saved.current ?? 0;
    this.#calls = 0;
    this.#failures = 0;
    for (let b = 0; b < this.spec.rollingCountBuckets; b++) {
      this.#calls += this.#counts[b * 2] as number;
      this.#failures += this.#counts[b * 2 + 1] as number;
    }
  }

  success(_state?: CircuitState): void {
    if (!this.#external) this.#push(false);
  }

  failure(state: CircuitState): boolean {
    if (!this.#external) this.#push(true);
    if (state !== CircuitState.Closed) return true;
    const fires = this.#external ? this.#external.fires() : this.#calls;
    const failures = this.#external ? this.#external.failures() : this.#failures;
    if (fires < this.spec.volumeThreshold) return false;
    return (failures / fires) * 100 > this.spec.errorThresholdPercentage;
  }

  /** Opossum keeps its window across a close; so does this breaker. */
  reset(): void {}

  #push(failed: boolean): void {
    const due = this.#rolling.rotationsDue(this.#clock());
    for (let i = 0; i < due; i++) {
      this.#current = (this.#current + 1) % this.spec.rollingCountBuckets;
      this.#calls -= this.#counts[this.#current * 2] as number;
      this.#failures -= this.#counts[this.#current * 2 + 1] as number;
      this.#counts.fill(0, this.#current * 2, this.#current * 2 + 2);
    }
    (this.#counts[this.#current * 2] as number)++;
    this.#calls++;
    if (failed) {
      (this.#counts[this.#current * 2 + 1] as number)++;
      this.#failures++;
    }
  }
}

export function rollingPercentageBreaker(
  options: RollingPercentageBreakerOptions = {},
): RollingPercentageBreaker {
  return new RollingPercentageBreaker(options);
}
