import { rejectUnknownOptions } from '@bulwark/engine-kit';
import {
  CircuitBreakerPolicy,
  CircuitState,
  circuitBreaker,
  handleAll,
  type IBackoffFactory,
  type IBreaker,
  type IHalfOpenAfterBackoffContext,
  type Policy,
} from 'cockatiel';
import type { BulwarkBreaker } from './breakers/types.js';

export interface BreakerPolicyOptions {
  /** The rule that opens the circuit: any cockatiel IBreaker, this package's included. */
  breaker: IBreaker;
  /** ms (or a cockatiel backoff) the circuit stays open before one call may test it. */
  halfOpenAfter: number | IBackoffFactory<IHalfOpenAfterBackoffContext>;
  /** Which failures count: a cockatiel `Policy` from handleAll, handleType, handleWhen... Default handleAll. */
  handle?: Policy;
  /** A state from an earlier `policy.toJSON()`. */
  initialState?: unknown;
}

/** A failure the slow-call rule reports when it opens the circuit after a success. */
export class SlowCallRateError extends Error {
  readonly code = 'ERR_CIRCUIT_SLOW_CALLS';
  constructor() {
    super('The rate of slow calls reached the breaker threshold');
    this.name = 'SlowCallRateError';
  }
}

/** A SlowCallRateError, whichever copy of this package made it. */
export function isSlowCallRateError(error: unknown): error is SlowCallRateError {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { code?: unknown }).code === 'ERR_CIRCUIT_SLOW_CALLS'
  );
}

/**
 * A cockatiel `CircuitBreakerPolicy` driven by `breaker`, to compose with cockatiel's
 * `retry`, `timeout`, `bulkhead`, `fallback` and `wrap`. For this package's breakers the
 * policy also reports each call's duration (cockatiel's IBreaker does not carry one),
 * so slow-call rules work, and a slow success that tips the slow-call rate opens the
 * circuit at once.
 */
export function breakerPolicy(options: BreakerPolicyOptions): CircuitBreakerPolicy {
  rejectUnknownOptions('breakerPolicy', options ?? {}, Object.keys(KNOWN_BREAKER_POLICY_OPTIONS));
  const inner = options?.breaker as IBreaker & Partial<BulwarkBreaker>;
  if (!inner || typeof inner.success !== 'function' || typeof inner.failure !== 'function') {
    throw new TypeError(
      'breakerPolicy: breaker must be a cockatiel IBreaker (success and failure methods)',
    );
  }
  const handle = options.handle ?? handleAll;
  if (typeof inner.shouldOpenAfterSuccess !== 'function' && typeof inner.kind !== 'string') {
    return circuitBreaker(handle, options);
  }
  // cockatiel emits onSuccess / onFailure with the duration just before it calls the
  // breaker, call by call in the same order, so a FIFO pairs each duration with its call.
  const durations: number[] = [];
  let head = 0;
  const nextDuration = (): number | undefined => {
    if (head >= durations.length) return undefined;
    const duration = durations[head++];
    if (head > 1024 && head * 2 > durations.length) {
      durations.splice(0, head);
      head = 0;
    }
    return duration;
  };
  let policy: CircuitBreakerPolicy | undefined;
  const timed: IBreaker = {
    get state() {
      return inner.state;
    },
    set state(value) {
      inner.state = value;
    },
    success(state) {
      const durationMs = nextDuration();
      inner.success(state, durationMs === undefined ? undefined : { durationMs });
      if (state === CircuitState.Closed && inner.shouldOpenAfterSuccess?.()) {
        openPolicy(policy as CircuitBreakerPolicy);
      }
    },
    failure(state) {
      const durationMs = nextDuration();
      return inner.failure(state, durationMs === undefined ? undefined : { durationMs });
    },
  };
  policy = circuitBreaker(handle, { ...options, breaker: timed });
  policy.onSuccess(({ duration }) => durations.push(duration));
  policy.onFailure(({ duration, handled }) => {
    if (handled) durations.push(duration);
  });
  return policy;
}

/**
 * Opens a cockatiel policy from outside a failure. cockatiel 3 has no public way to do
 * that (its `open` is private, `isolate` holds the circuit open until disposed), so this
 * calls the private method, checked to exist: cockatiel is pinned to ^3.
 */
function openPolicy(policy: CircuitBreakerPolicy): void {
  const open = (policy as unknown as { open?: (reason: unknown, signal: AbortSignal) => void })
    .open;
  if (typeof open !== 'function') return;
  open.call(policy, { error: new SlowCallRateError() }, new AbortController().signal);
}

export { CircuitBreakerPolicy };

/** Every option name, checked against the interface by the compiler. */
const KNOWN_BREAKER_POLICY_OPTIONS: Record<keyof BreakerPolicyOptions, true> = {
  breaker: true,
  halfOpenAfter: true,
  handle: true,
  initialState: true,
};
