import { CircuitBreaker } from './circuit-breaker.js';

export {
  type EngineInfo,
  type EngineName,
  type EngineOption,
  isNativeEngineUnavailableError,
  NativeEngineUnavailableError,
} from '@bulwark/engine-kit';
export {
  isRedisTimeoutError,
  isRedisUnavailableError,
  type RedisClient,
  RedisTimeoutError,
  RedisUnavailableError,
} from '@bulwark/redis-kit';
export {
  type BreakerPolicyOptions,
  breakerPolicy,
  isSlowCallRateError,
  SlowCallRateError,
} from './breaker-policy.js';
export * from './breakers/index.js';
export type { CircuitStore } from './circuit/shared-circuit.js';
export { CircuitBreaker, type CircuitBreakerEvents } from './circuit-breaker.js';
export {
  CircuitBreakerError,
  type CircuitErrorCode,
  CircuitTimeoutError,
  isCircuitTimeoutError,
  isOpenCircuitError,
  isOurError,
  isSemaphoreLockedError,
  isShutdownError,
  OpenCircuitError,
  SemaphoreLockedError,
  ShutdownError,
} from './errors.js';
export { engineInfo } from './native-binding.js';
export type { CircuitBreakerOptions, CircuitSnapshotState, CoalesceResetOn } from './options.js';
export { RedisStore, type RedisStoreOptions, redisStore } from './redis/redis-store.js';
export { type CacheTransport, MemoryCache } from './response-cache.js';
export { type Bucket, type Stats, Status, type StatusOptions } from './status.js';

export default CircuitBreaker;
export {
  type BreakerMetrics,
  type MeterLike,
  type ObservableBreaker,
  openTelemetryMetrics,
  type PromClientLike,
  type PrometheusMetricsOptions,
  prometheusMetrics,
} from './metrics.js';
