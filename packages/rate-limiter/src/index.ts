export type { AlgorithmName } from './algorithms/index.js';
export { AllLimits, type AllLimitsResult, allLimits, type Limit } from './all-limits.js';
export { RateLimitWaitTimeoutError } from './errors.js';
export {
  fastifyRateLimit,
  type HttpRateLimitOptions,
  httpRateLimit,
  type ResponseOutcome,
  rateLimitHeaders,
} from './http.js';
export { engineInfo } from './native-binding.js';
export type { RateLimiterOptions } from './options.js';
export { RateLimiter, type WaitOptions, type WrapOptions } from './rate-limiter.js';
export type { RedisClient } from './redis/redis-client.js';
export {
  type OnRedisError,
  RateLimitStoreError,
  RedisStore,
  type RedisStoreOptions,
  redisStore,
} from './redis/redis-store.js';
export type { RateLimitResult } from './result.js';
export { MemoryStore, type MemoryStoreOptions, memoryStore } from './stores/memory-store.js';
export {
  SharedMemoryStore,
  type SharedMemoryStoreOptions,
  sharedMemoryStore,
} from './stores/shared-memory-store.js';
export type { RateLimitStore } from './stores/types.js';
