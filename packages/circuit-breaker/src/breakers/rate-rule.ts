import { integerAtLeast, nonNegativeNumber, rate } from '../validate.js';

/** When a window of calls trips the breaker: shared by the count and time windows. */
export interface RateRuleOptions {
  /** Share of failed calls (0..1] at or above which the circuit opens. Default 0.5. */
  failureRateThreshold?: number;
  /**
   * Calls the window must hold before any rate counts, so one failure out of one call
   * does not open the circuit. Default: the count window's size, or 10 for time windows.
   */
  minimumCalls?: number;
  /** Calls that take at least this many ms count as slow. Unset: no slow-call rule. */
  slowCallDurationMs?: number;
  /** Share of slow calls (0..1] at or above which the circuit opens. Default 1 when slowCallDurationMs is set. */
  slowCallRateThreshold?: number;
}

export interface RateRule {
  failureRateThreshold: number;
  minimumCalls: number;
  /** Infinity when there is no slow-call rule. */
  slowCallDurationMs: number;
  slowCallRateThreshold: number;
}

export function rateRule(
  options: RateRuleOptions,
  prefix: string,
  defaultMinimumCalls: number,
): RateRule {
  const slow = options.slowCallDurationMs;
  return {
    failureRateThreshold:
      options.failureRateThreshold === undefined
        ? 0.5
        : rate(`${prefix}.failureRateThreshold`, options.failureRateThreshold),
    minimumCalls:
      options.minimumCalls === undefined
        ? defaultMinimumCalls
        : integerAtLeast(`${prefix}.minimumCalls`, options.minimumCalls, 1),
    slowCallDurationMs:
      slow === undefined
        ? Number.POSITIVE_INFINITY
        : nonNegativeNumber(`${prefix}.slowCallDurationMs`, slow),
    slowCallRateThreshold:
      options.slowCallRateThreshold === undefined
        ? 1
        : rate(`${prefix}.slowCallRateThreshold`, options.slowCallRateThreshold),
  };
}

/** True when the window's calls reach either threshold (at or above, like Resilience4j). */
export function rateExceeded(
  rule: RateRule,
  calls: number,
  failures: number,
  slow: number,
): boolean {
  if (calls < rule.minimumCalls || calls === 0) return false;
  return (
    failures >= rule.failureRateThreshold * calls || slow >= rule.slowCallRateThreshold * calls
  );
}
