import { rejectUnknownOptions } from '@bulwark/engine-kit';
import { CircuitState } from 'cockatiel';
import { integerAtLeast, positiveNumber, rate } from '../validate.js';
import { TimeWindowBreaker } from './time-window.js';
import { type BulwarkBreaker, type Clock, systemClock } from './types.js';

export interface AdaptiveStep {
  /** This step applies while the recent error rate is below this share (0..1]. */
  belowRate: number;
  /** Failures in a row that open the circuit at this step. */
  threshold: number;
}

export interface AdaptiveBreakerOptions {
  /** Steps, checked in order of rising `belowRate`. Default: below 1% → 10, below 5% → 5. */
  steps?: AdaptiveStep[];
  /** Failures in a row that open the circuit when no step applies. Default 3. */
  threshold?: number;
  /** How far back the recent error rate looks, in ms. Default 5 minutes. */
  rateWindowMs?: number;
  clock?: Clock;
}

export interface AdaptiveSpec {
  kind: 'adaptive';
  steps: AdaptiveStep[];
  threshold: number;
  rateWindowMs: number;
}

const DEFAULT_STEPS: AdaptiveStep[] = [
  { belowRate: 0.01, threshold: 10 },
  { belowRate: 0.05, threshold: 5 },
];

/**
 * The seeds' `AdaptiveCircuitBreaker`: a consecutive-failures breaker whose threshold
 * moves with the error rate over the last `rateWindowMs`. The rule: take the first step
 * whose `belowRate` is above the recent error rate and open after that many failures in
 * a row; when the rate is above every step, open after `threshold`. With the defaults a
 * dependency that has been healthy (under 1% errors) is allowed 10 failures in a row
 * before the circuit opens, a flaky one (under 5%) 5, and a failing one 3: a blip does
 * not trip a healthy dependency, and a sick one is cut off quickly.
 */
export class AdaptiveBreaker implements BulwarkBreaker {
  readonly kind = 'adaptive';
  readonly spec: AdaptiveSpec;
  /** Counts calls and failures over the rate window (its own rule is never consulted). */
  readonly #recent: TimeWindowBreaker;
  #streak = 0;

  constructor(options: AdaptiveBreakerOptions = {}) {
    rejectUnknownOptions(
      'adaptiveBreaker',
      options ?? {},
      Object.keys(KNOWN_ADAPTIVE_BREAKER_OPTIONS),
    );
    const steps = (options.steps ?? DEFAULT_STEPS).map((step, i) => ({
      belowRate: rate(`adaptive.steps[${i}].belowRate`, step?.belowRate),
      threshold: integerAtLeast(`adaptive.steps[${i}].threshold`, step?.threshold, 1),
    }));
    steps.sort((a, b) => a.belowRate - b.belowRate);
    this.spec = {
      kind: 'adaptive',
      steps,
      threshold:
        options.threshold === undefined
          ? 3
          : integerAtLeast('adaptive.threshold', options.threshold, 1),
      rateWindowMs:
        options.rateWindowMs === undefined
          ? 300_000
          : positiveNumber('adaptive.rateWindowMs', options.rateWindowMs),
    };
    this.#recent = new TimeWindowBreaker({
      windowMs: this.spec.rateWindowMs,
      buckets: 10,
      clock: options.clock ?? systemClock,
    });
  }

  /** The failures in a row that would open the circuit now. */
  get currentThreshold(): number {
    const { calls, failures } = this.#recent.windowCounts();
    const errorRate = calls === 0 ? 0 : failures / calls;
    for (const step of this.spec.steps) if (errorRate < step.belowRate) return step.threshold;
    return this.spec.threshold;
  }

  get state(): unknown {
    return { streak: this.#streak, recent: this.#recent.state };
  }

  set state(value: unknown) {
    const saved = value as { streak?: number; recent?: unknown } | undefined;
    this.#streak = Number(saved?.streak ?? 0);
    this.#recent.state = saved?.recent;
  }

  success(_state?: CircuitState): void {
    this.#streak = 0;
    this.#recent.success(CircuitState.Closed);
  }

  failure(state: CircuitState): boolean {
    this.#streak++;
    this.#recent.failure(CircuitState.Closed);
    return state !== CircuitState.Closed || this.#streak >= this.currentThreshold;
  }

  /** The rate history is kept across a close: it is what the threshold adapts to. */
  reset(): void {
    this.#streak = 0;
  }
}

export function adaptiveBreaker(options: AdaptiveBreakerOptions = {}): AdaptiveBreaker {
  return new AdaptiveBreaker(options);
}

/** Every option name, checked against the interface by the compiler. */
const KNOWN_ADAPTIVE_BREAKER_OPTIONS: Record<keyof AdaptiveBreakerOptions, true> = {
  steps: true,
  threshold: true,
  rateWindowMs: true,
  clock: true,
};
