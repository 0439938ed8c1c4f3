import { wallClock } from '@bulwark/engine-kit';
import type { CircuitState, IBreaker } from 'cockatiel';

/** What a breaker learns about a finished call beyond success or failure. */
export interface CallOutcome {
  /** How long the call took, in milliseconds. */
  durationMs: number;
}

/**
 * A cockatiel `IBreaker` that also accepts each call's duration (for slow-call rates)
 * and may ask to open after a success (a slow success can tip the slow-call rate).
 * cockatiel calls `success(state)` and `failure(state)`; the outcome is then absent
 * and counted as a fast call, unless the breaker runs under `breakerPolicy`, which
 * supplies durations.
 */
export interface BulwarkBreaker extends IBreaker {
  /** Which kind this is: the `kind` of the spec that built it. */
  readonly kind: string;
  /**
   * True when the breaker reads each call's duration (a slow-call rule): a circuit then
   * times every call instead of a sample (see `timedCallsPerBucket`).
   */
  readonly usesDurations?: boolean;
  success(state: CircuitState, outcome?: CallOutcome): void;
  failure(state: CircuitState, outcome?: CallOutcome): boolean;
  /** True when the calls recorded so far call for opening even though the last one succeeded. */
  shouldOpenAfterSuccess?(): boolean;
  /** Forgets every recorded call: the circuit closed after a successful probe. */
  reset(): void;
}

/** Milliseconds now. Breakers that count over time take one, so tests can drive them. */
export type Clock = () => number;

export const systemClock: Clock = wallClock.now;
