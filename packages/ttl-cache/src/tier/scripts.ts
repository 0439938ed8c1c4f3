import { RedisScript } from '@bulwark/redis-kit';

/** The value and its time to live in ms (-1: none), in one round trip. */
export const GET_WITH_TTL = new RedisScript(
  "local v = redis.call('GET', KEYS[1]) if not v then return nil end return {v, redis.call('PTTL', KEYS[1])}",
);

/** Takes the load lease for a key if nobody holds it: 1 if taken. */
export const TAKE_LEASE = new RedisScript(
  "if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end return 0",
);

/** Gives the lease back, only if this holder still has it (it may have expired and passed on). */
export const RELEASE_LEASE = new RedisScript(
  "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0",
);
