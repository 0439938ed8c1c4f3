import { rejectUnknownOptions } from '@bulwark/engine-kit';
import { CircuitState } from 'cockatiel';
import { integerAtLeast } from '../validate.js';
import type { BulwarkBreaker } from './types.js';

export interface ConsecutiveBreakerOptions {
  /** Failures in a row that open the circuit. */
  threshold: number;
}

export interface ConsecutiveSpec {
  kind: 'consecutive';
  threshold: number;
}

/**
 * Opens after `threshold` failures in a row; any success starts the count again. The
 * simplest rule, right for a dependency that is either up or down (the seeds'
 * `failure_threshold`). It ignores traffic volume, so under heavy load a handful of
 * unlucky failures can trip it: prefer a window breaker there.
 */
export class ConsecutiveFailuresBreaker implements BulwarkBreaker {
  readonly kind = 'consecutive';
  readonly spec: ConsecutiveSpec;
  #failures = 0;

  constructor(options: ConsecutiveBreakerOptions) {
    rejectUnknownOptions(
      'consecutiveBreaker',
      options ?? {},
      Object.keys(KNOWN_CONSECUTIVE_BREAKER_OPTIONS),
    );
    const threshold = integerAtLeast('consecutive.threshold', options?.threshold, 1);
    this.spec = { kind: 'consecutive', threshold };
  }

  get state(): unknown {
    return { failures: this.#failures };
  }

  set state(value: unknown) {
    this.#failures = Number((value as { failures?: number } | undefined)?.failures ?? 0);
  }

  success(_state?: CircuitState): void {
    this.#failures = 0;
  }

  failure(state: CircuitState): boolean {
    this.#failures++;
    return state !== CircuitState.Closed || this.#failures >= this.spec.threshold;
  }

  reset(): void {
    this.#failures = 0;
  }
}

export function consecutiveBreaker(options: ConsecutiveBreakerOptions): ConsecutiveFailuresBreaker {
  return new ConsecutiveFailuresBreaker(options);
}

/** Every option name, checked against the interface by the compiler. */
const KNOWN_CONSECUTIVE_BREAKER_OPTIONS: Record<keyof ConsecutiveBreakerOptions, true> = {
  threshold: true,
};
