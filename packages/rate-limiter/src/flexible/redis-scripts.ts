import { RedisScript } from '@bulwark/redis-kit';

/*
 * The records are rate-limiter-flexible's: a plain integer value under `keyPrefix:key`,
 * with the key's expiry as the duration. Processes on either library can share them
 * while a fleet switches. Durations here are ms (PX), so a duration of 1.5 s lasts 1.5 s
 * (rate-limiter-flexible rounds it down to whole seconds, and 0.5 s to "forever").
 */

/**
 * For each KEYS[i], adds ARGV[2i-1] to it; a new key lives ARGV[2i] ms (0: forever). A key
 * that has no expiry (set forever) is given one, as rate-limiter-flexible does. Returns
 * {count1, pttl1, count2, pttl2, ...}, in order (one key may appear more than once).
 */
export const ADD_MANY = new RedisScript(`
local out = {}
for i = 1, #KEYS do
  local key = KEYS[i]
  local ms = tonumber(ARGV[2 * i])
  if ms > 0 then redis.call('SET', key, 0, 'PX', ms, 'NX') end
  local consumed = redis.call('INCRBY', key, ARGV[2 * i - 1])
  local ttl = redis.call('PTTL', key)
  if ttl == -1 and ms > 0 then
    redis.call('PEXPIRE', key, ms)
    ttl = ms
  end
  out[2 * i - 1] = consumed
  out[2 * i] = ttl
end
return out
`);

/** Sets KEYS[1] to ARGV[1] for ARGV[2] ms (0: forever). Returns {count, pttl}. */
export const SET = new RedisScript(`
local ms = tonumber(ARGV[2])
if ms > 0 then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ms)
else
  redis.call('SET', KEYS[1], ARGV[1])
end
return {tonumber(ARGV[1]), redis.call('PTTL', KEYS[1])}
`);

/** KEYS[1]'s {count, pttl}, or nil when it has none. */
export const READ = new RedisScript(`
local value = redis.call('GET', KEYS[1])
if not value then return nil end
return {value, redis.call('PTTL', KEYS[1])}
`);
