export { checkClient, type RedisClient, type RedisSubscriber } from './client.js';
export { Deadlines, deadlinesOf } from './deadlines.js';
export {
  isRedisTimeoutError,
  isRedisUnavailableError,
  RedisTimeoutError,
  RedisUnavailableError,
} from './errors.js';
export { hashSlot } from './hash-slot.js';
export { defaultPrefix, escapeKey, hashTag } from './keys.js';
export { RedisLink } from './link.js';
export { LUA_SERVER_NOW, RedisScript } from './script.js';
export { TickBatches } from './tick-batches.js';
export {
  DEFAULT_REDIS_TIMEOUT_MS,
  type RedisErrorListener,
  redisErrorListener,
  redisTimeoutMs,
  tell,
} from './vocabulary.js';
