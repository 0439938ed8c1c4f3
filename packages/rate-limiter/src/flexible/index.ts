/**
 * rate-limiter-flexible's classes, over our stores' arithmetic and Redis link: switch by
 * changing the import. See the README's migration section for what differs, and why.
 */
export { BurstyRateLimiter } from './bursty-rate-limiter.js';
export {
  type ConsumeOptions,
  type IRateLimiterOptions,
  isRateLimiterCompatible,
  isRefusal,
  RateLimiterAbstract,
  RateLimiterCompatibleAbstract,
  type RateLimiterLike,
} from './limiter-abstract.js';
export {
  RateLimiterMemory,
  type RateLimiterMemoryDump,
  type RestoreDetail,
  type RestoreSummary,
} from './rate-limiter-memory.js';
export { RateLimiterQueue, type RateLimiterQueueOptions } from './rate-limiter-queue.js';
export { RateLimiterQueueError } from './rate-limiter-queue-error.js';
export { type IRateLimiterRedisOptions, RateLimiterRedis } from './rate-limiter-redis.js';
export { RateLimiterRes, type RateLimiterResFields } from './rate-limiter-res.js';
export { RateLimiterUnion, type UnionResult } from './rate-limiter-union.js';
export {
  type IRateLimiterStoreOptions,
  RateLimiterStoreAbstract,
} from './store-limiter-abstract.js';
