import type { IBreaker } from 'cockatiel';
import type { ConsecutiveSpec } from '../breakers/consecutive.js';
import type { RollingPercentageSpec } from '../breakers/rolling-percentage.js';
import type { TimeWindowSpec } from '../breakers/time-window.js';

/**
 * A breaker's rule as plain data, for a circuit whose state lives outside this object.
 * The fields are those of the native twin's `NativeCircuitConfig`.
 */
export interface SharedRuleConfig {
  kind: 'consecutive' | 'rolling-percentage' | 'time-window';
  threshold?: number;
  errorThresholdPercentage?: number;
  /** The rolling-percentage rule's own `volumeThreshold`. */
  minimumFires?: number;
  failureRateThreshold?: number;
  minimumCalls?: number;
  slowCallDurationMs?: number;
  slowCallRateThreshold?: number;
  windowMs?: number;
  buckets?: number;
}

/** The options of a breaker that shape its circuit, besides the rule. */
export interface SharedCircuitConfig extends SharedRuleConfig {
  resetTimeoutMs: number;
  halfOpenProbes: number;
  strictHalfOpen: boolean;
  /** The breaker's `volumeThreshold`, which holds back any rule, over its rolling window. */
  volumeThreshold: number;
  rollingCountTimeoutMs: number;
  rollingCountBuckets: number;
}

interface OpossumRuleOptions {
  errorThresholdPercentage: number;
  volumeThreshold: number;
  rollingCountTimeout: number;
  rollingCountBuckets: number;
}

const SHAREABLE =
  'consecutiveBreaker, timeWindowBreaker, slowCallBreaker or rollingPercentageBreaker';

/**
 * The shareable rule of `breaker`, or opossum's rolling percentage when none is given. The
 * count window and the adaptive breaker keep per-call history that a shared circuit does
 * not hold yet, and a user's own IBreaker is code, not data: those throw, naming the option.
 */
export function sharedRuleConfig(
  breaker: IBreaker | undefined,
  opossum: OpossumRuleOptions,
  where: string,
): SharedRuleConfig {
  if (breaker === undefined) {
    return {
      kind: 'rolling-percentage',
      errorThresholdPercentage: opossum.errorThresholdPercentage,
      minimumFires: opossum.volumeThreshold,
      windowMs: opossum.rollingCountTimeout,
      buckets: opossum.rollingCountBuckets,
    };
  }
  const spec = (breaker as { spec?: { kind?: string } }).spec;
  switch (spec?.kind) {
    case 'consecutive':
      return { kind: 'consecutive', threshold: (spec as ConsecutiveSpec).threshold };
    case 'rolling-percentage': {
      const s = spec as RollingPercentageSpec;
      return {
        kind: 'rolling-percentage',
        errorThresholdPercentage: s.errorThresholdPercentage,
        minimumFires: s.volumeThreshold,
        windowMs: s.rollingCountTimeout,
        buckets: s.rollingCountBuckets,
      };
    }
    case 'time-window': {
      const s = spec as TimeWindowSpec;
      return {
        kind: 'time-window',
        failureRateThreshold: s.failureRateThreshold,
        minimumCalls: s.minimumCalls,
        ...(Number.isFinite(s.slowCallDurationMs) && { slowCallDurationMs: s.slowCallDurationMs }),
        slowCallRateThreshold: s.slowCallRateThreshold,
        windowMs: s.windowMs,
        buckets: s.buckets,
      };
    }
    default:
      throw new TypeError(
        `breaker: a ${spec?.kind ?? 'custom'} breaker cannot share its state (${where}); use ${SHAREABLE}`,
      );
  }
}
