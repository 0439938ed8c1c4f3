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
export type { AlgorithmName } from './algorithms/index.js';
export { AllLimits, type AllLimitsResult, allLimits, type Limit } from './all-limits.js';
export {
  isRateLimiterClosedError,
  isRateLimitWaitTimeoutError,
  RateLimiterClosedError,
  RateLimitWaitTimeoutError,
} from './errors.js';
export * from './flexible/index.js';
export {
  fastifyRateLimit,
  type HttpRateLimitOptions,
  httpRateLimit,
  type ResponseOutcome,
  rateLimitHeaders,
} from './http.js';
export {
  type LimiterMetrics,
  type MeterLike,
  type ObservableLimiter,
  openTelemetryMetrics,
  type PromClientLike,
  type PrometheusMetricsOptions,
  prometheusMetrics,
} from './metrics.js';
export { engineInfo } from './native-binding.js';
export type { RateLimiterOptions } from './options.js';
export {
  RateLimiter,
  type RateLimiterEvents,
  type RateLimiterStats,
  type WaitOptions,
  type WrapOptions,
} from './rate-limiter.js';
export {
  type OnRedisError,
  RedisStore,
  type RedisStoreOptions,
  redisStore,
} from './redis/redis-store.js';
export { isRateLimitStoreError, RateLimitStoreError } from './redis/store-error.js';
export type { RateLimitResult } from './result.js';
export { MemoryStore, type MemoryStoreOptions, memoryStore } from './stores/memory-store.js';
export {
  SharedMemoryStore,
  type SharedMemoryStoreOptions,
  sharedMemoryStore,
} from './stores/shared-memory-store.js';
export type { RateLimitStore, RateLimitStoreStats } from './stores/types.js';
