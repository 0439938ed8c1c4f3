import { rejectUnknownOptions } from '@bulwark/engine-kit';
import { CircuitState } from 'cockatiel';
import { integerAtLeast } from '../validate.js';
import { type RateRule, type RateRuleOptions, rateExceeded, rateRule } from './rate-rule.js';
import type { BulwarkBreaker, CallOutcome } from './types.js';

export interface CountWindowBreakerOptions extends RateRuleOptions {
  /** How many of the most recent calls the window holds. */
  size: number;
}

export interface CountWindowSpec extends RateRule {
  kind: 'count-window';
  size: number;
}

const FAILED = 1;
const SLOW = 2;

/**
 * Failure rate (and optionally slow-call rate) over the last `size` calls, however old
 * they are. Right for a dependency with steady traffic; for bursty traffic, where the
 * last N calls may be minutes old, use the time window.
 */
export class CountWindowBreaker implements BulwarkBreaker {
  readonly kind = 'count-window';
  get usesDurations(): boolean {
    return this.spec.slowCallDurationMs !== Number.POSITIVE_INFINITY;
  }
  readonly spec: CountWindowSpec;
  /** One byte per call: FAILED and SLOW bits; a ring whose next slot is #next. */
  #ring: Uint8Array;
  #next = 0;
  #calls = 0;
  #failures = 0;
  #slow = 0;

  constructor(options: CountWindowBreakerOptions) {
    rejectUnknownOptions(
      'countWindowBreaker',
      options ?? {},
      Object.keys(KNOWN_COUNT_WINDOW_BREAKER_OPTIONS),
    );
    const size = integerAtLeast('countWindow.size', options?.size, 1);
    this.spec = { kind: 'count-window', size, ...rateRule(options, 'countWindow', size) };
    this.#ring = new Uint8Array(size);
  }

  get state(): unknown {
    return { ring: Array.from(this.#ring), next: this.#next, calls: this.#calls };
  }

  set state(value: unknown) {
    const saved = value as { ring?: number[]; next?: number; calls?: number } | undefined;
    this.reset();
    if (!saved?.ring || saved.ring.length !== this.spec.size) return;
    this.#ring = Uint8Array.from(saved.ring);
    this.#next = saved.next ?? 0;
    this.#calls = Math.min(saved.calls ?? 0, this.spec.size);
    for (const flags of this.#ring) {
      if (flags & FAILED) this.#failures++;
      if (flags & SLOW) this.#slow++;
    }
  }

  success(state: CircuitState, outcome?: CallOutcome): void {
    this.#push(0, outcome);
    // A probe's success closes the circuit; the calls that opened it must not reopen it.
    if (state === CircuitState.HalfOpen) this.reset();
  }

  failure(state: CircuitState, outcome?: CallOutcome): boolean {
    this.#push(FAILED, outcome);
    return state !== CircuitState.Closed || this.#exceeded();
  }

  shouldOpenAfterSuccess(): boolean {
    return this.#exceeded();
  }

  reset(): void {
    this.#ring.fill(0);
    this.#next = 0;
    this.#calls = 0;
    this.#failures = 0;
    this.#slow = 0;
  }

  #exceeded(): boolean {
    return rateExceeded(this.spec, this.#calls, this.#failures, this.#slow);
  }

  #push(failed: number, outcome: CallOutcome | undefined): void {
    const flags = failed | ((outcome?.durationMs ?? 0) >= this.spec.slowCallDurationMs ? SLOW : 0);
    const evicted = this.#ring[this.#next] as number;
    if (this.#calls === this.spec.size) {
      if (evicted & FAILED) this.#failures--;
      if (evicted & SLOW) this.#slow--;
    } else {
      this.#calls++;
    }
    this.#ring[this.#next] = flags;
    if (flags & FAILED) this.#failures++;
    if (flags & SLOW) this.#slow++;
    this.#next = this.#next + 1 === this.spec.size ? 0 : this.#next + 1;
  }
}

export function countWindowBreaker(options: CountWindowBreakerOptions): CountWindowBreaker {
  return new CountWindowBreaker(options);
}

/** Every option name, checked against the interface by the compiler. */
const KNOWN_COUNT_WINDOW_BREAKER_OPTIONS: Record<keyof CountWindowBreakerOptions, true> = {
  size: true,
  failureRateThreshold: true,
  minimumCalls: true,
  slowCallDurationMs: true,
  slowCallRateThreshold: true,
};
