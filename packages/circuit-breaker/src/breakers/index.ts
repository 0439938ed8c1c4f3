export {
  AdaptiveBreaker,
  type AdaptiveBreakerOptions,
  type AdaptiveSpec,
  type AdaptiveStep,
  adaptiveBreaker,
} from './adaptive.js';
export {
  type ConsecutiveBreakerOptions,
  ConsecutiveFailuresBreaker,
  type ConsecutiveSpec,
  consecutiveBreaker,
} from './consecutive.js';
export {
  CountWindowBreaker,
  type CountWindowBreakerOptions,
  type CountWindowSpec,
  countWindowBreaker,
} from './count-window.js';
export type { RateRuleOptions } from './rate-rule.js';
export {
  type CallCounts,
  RollingPercentageBreaker,
  type RollingPercentageBreakerOptions,
  type RollingPercentageSpec,
  rollingPercentageBreaker,
} from './rolling-percentage.js';
export {
  slowCallBreaker,
  TimeWindowBreaker,
  type TimeWindowBreakerOptions,
  type TimeWindowSpec,
  timeWindowBreaker,
} from './time-window.js';
export type { BulwarkBreaker, CallOutcome, Clock } from './types.js';
