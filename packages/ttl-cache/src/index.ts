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
  type RedisSubscriber,
  RedisTimeoutError,
  RedisUnavailableError,
} from '@bulwark/redis-kit';
export type { TtlCacheEvents } from './cache-events.js';
export type { Clock } from './clock.js';
export type { DisposeReason } from './engine/types.js';
export { LRUCache } from './lru/lru-cache.js';
export type { Perf } from './lru/types.js';
export {
  type CacheMetrics,
  type MeterLike,
  type ObservableCache,
  openTelemetryMetrics,
  type PromClientLike,
  type PrometheusMetricsOptions,
  prometheusMetrics,
} from './metrics.js';
export { engineInfo } from './native-binding.js';
export type { TtlCacheOptions } from './options.js';
export { type Serializer, structuredCloneSerializer } from './serializer.js';
export type { CacheStats } from './stats.js';
export { type BusListener, RedisBus, type RedisBusOptions, redisBus } from './tier/redis-bus.js';
export { RedisTier, type RedisTierOptions, redisTier, type TierHit } from './tier/redis-tier.js';
export {
  type DistributedLoadOptions,
  TieredCache,
  type TieredCacheEvents,
  type TieredCacheOptions,
  type TieredStats,
} from './tier/tiered-cache.js';
export {
  type DumpedEntry,
  type FetchOptions,
  type Loader,
  type SetOptions,
  TtlCache,
} from './ttl-cache.js';
