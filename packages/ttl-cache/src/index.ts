export {
  type EngineInfo,
  type EngineName,
  type EngineOption,
  isNativeEngineUnavailableError,
  NativeEngineUnavailableError,
} from '@bulwark/engine-kit';
export type { Clock } from './clock.js';
export type { DisposeReason } from './engine/types.js';
export { engineInfo } from './native-binding.js';
export type { TtlCacheOptions } from './options.js';
export { type Serializer, structuredCloneSerializer } from './serializer.js';
export type { CacheStats } from './stats.js';
export {
  type DumpedEntry,
  type FetchOptions,
  type Loader,
  type SetOptions,
  TtlCache,
} from './ttl-cache.js';
