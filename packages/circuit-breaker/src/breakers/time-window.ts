import { rejectUnknownOptions } from '@bulwark/engine-kit';
import { CircuitState } from 'cockatiel';
import { RollingClock } from '../rolling-clock.js';
import { integerAtLeast, positiveNumber } from '../validate.js';
import { type RateRule, type RateRuleOptions, rateExceeded, rateRule } from './rate-rule.js';
import { type BulwarkBreaker, type CallOutcome, type Clock, systemClock } from './types.js';

export interface TimeWindowBreakerOptions extends RateRuleOptions {
  /** How far back the window looks, in ms. */
  windowMs: number;
  /** Buckets the window is cut into; a bucket's calls leave the window together. Default 10. */
  buckets?: number;
  /** Milliseconds now; Date.now by default. */
  clock?: Clock;
}

export interface TimeWindowSpec extends RateRule {
  kind: 'time-window';
  windowMs: number;
  buckets: number;
}

/**
 * Failure rate (and optionally slow-call rate) over the calls of the last `windowMs`.
 * Buckets are expired from the clock whenever the window is touched, so a window that
 * sat idle holds nothing old: cockatiel's SamplingBreaker rotates one bucket per call
 * and counts failures from before an idle period (its issue #64); this one does not.
 */
export class TimeWindowBreaker implements BulwarkBreaker {
  readonly kind = 'time-window';
  get usesDurations(): boolean {
    return this.spec.slowCallDurationMs !== Number.POSITIVE_INFINITY;
  }
  readonly spec: TimeWindowSpec;
  readonly #clock: Clock;
  #rolling: RollingClock;
  /** Per bucket: calls, failures, slow calls. */
  readonly #counts: Uint32Array;
  #current = 0;
  #calls = 0;
  #failures = 0;
  #slow = 0;

  constructor(options: TimeWindowBreakerOptions) {
    rejectUnknownOptions(
      'timeWindowBreaker',
      options ?? {},
      Object.keys(KNOWN_TIME_WINDOW_BREAKER_OPTIONS),
    );
    const windowMs = positiveNumber('timeWindow.windowMs', options?.windowMs);
    const buckets =
      options.buckets === undefined ? 10 : integerAtLeast('timeWindow.buckets', options.buckets, 1);
    this.spec = { kind: 'time-window', windowMs, buckets, ...rateRule(options, 'timeWindow', 10) };
    this.#clock = options.clock ?? systemClock;
    this.#counts = new Uint32Array(buckets * 3);
    this.#rolling = new RollingClock(windowMs / buckets, buckets, this.#clock());
  }

  get state(): unknown {
    this.#roll();
    return { counts: Array.from(this.#counts), current: this.#current };
  }

  set state(value: unknown) {
    const saved = value as { counts?: number[]; current?: number } | undefined;
    this.reset();
    if (!saved?.counts || saved.counts.length !== this.#counts.length) return;
    this.#counts.set(saved.counts);
    this.#current = saved.current ?? 0;
    for (let b = 0; b < this.spec.buckets; b++) {
      this.#calls += this.#counts[b * 3] as number;
      this.#failures += this.#counts[b * 3 + 1] as number;
      this.#slow += this.#counts[b * 3 + 2] as number;
    }
  }

  success(state: CircuitState, outcome?: CallOutcome): void {
    this.#push(false, outcome);
    if (state === CircuitState.HalfOpen) this.reset();
  }

  failure(state: CircuitState, outcome?: CallOutcome): boolean {
    this.#push(true, outcome);
    return state !== CircuitState.Closed || this.#exceeded();
  }

  /** The calls, failures and slow calls in the window now. */
  windowCounts(): { calls: number; failures: number; slow: number } {
    this.#roll();
    return { calls: this.#calls, failures: this.#failures, slow: this.#slow };
  }

  shouldOpenAfterSuccess(): boolean {
    return this.#exceeded();
  }

  reset(): void {
    this.#counts.fill(0);
    this.#calls = 0;
    this.#failures = 0;
    this.#slow = 0;
    this.#rolling = new RollingClock(
      this.spec.windowMs / this.spec.buckets,
      this.spec.buckets,
      this.#clock(),
    );
  }

  #exceeded(): boolean {
    return rateExceeded(this.spec, this.#calls, this.#failures, this.#slow);
  }

  #push(failed: boolean, outcome: CallOutcome | undefined): void {
    this.#roll();
    const base = this.#current * 3;
    (this.#counts[base] as number)++;
    this.#calls++;
    if (failed) {
      (this.#counts[base + 1] as number)++;
      this.#failures++;
    }
    if ((outcome?.durationMs ?? 0) >= this.spec.slowCallDurationMs) {
      (this.#counts[base + 2] as number)++;
      this.#slow++;
    }
  }

  #roll(): void {
    const due = this.#rolling.rotationsDue(this.#clock());
    for (let i = 0; i < due; i++) {
      this.#current = (this.#current + 1) % this.spec.buckets;
      const base = this.#current * 3;
      this.#calls -= this.#counts[base] as number;
      this.#failures -= this.#counts[base + 1] as number;
      this.#slow -= this.#counts[base + 2] as number;
      this.#counts.fill(0, base, base + 3);
    }
  }
}

export function timeWindowBreaker(options: TimeWindowBreakerOptions): TimeWindowBreaker {
  return new TimeWindowBreaker(options);
}

/**
 * A time window that trips on slow calls: calls taking at least `slowCallDurationMs`
 * count as slow, and the circuit opens when `slowCallRateThreshold` of the window's calls
 * are slow (or `failureRateThreshold` failed). For a dependency that degrades by getting
 * slow before it fails.
 */
export function slowCallBreaker(
  options: TimeWindowBreakerOptions & { slowCallDurationMs: number },
): TimeWindowBreaker {
  if (options?.slowCallDurationMs === undefined) {
    throw new TypeError(
      'slowCall.slowCallDurationMs is required: the duration from which a call counts as slow',
    );
  }
  return new TimeWindowBreaker({ slowCallRateThreshold: 0.5, ...options });
}

/** Every option name, checked against the interface by the compiler. */
const KNOWN_TIME_WINDOW_BREAKER_OPTIONS: Record<keyof TimeWindowBreakerOptions, true> = {
  windowMs: true,
  buckets: true,
  clock: true,
  failureRateThreshold: true,
  minimumCalls: true,
  slowCallDurationMs: true,
  slowCallRateThreshold: true,
};
