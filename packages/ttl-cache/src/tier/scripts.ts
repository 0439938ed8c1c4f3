import { RedisScript } from '@bulwark/redis-kit';

/**
 * Each key's value and time to live in ms (-1: none), for many keys in one round trip:
 * {value1, pttl1, value2, pttl2, ...}, a missing key as nil and -2. (`false`, not `nil`,
 * in the table: a Lua nil would end the array there.) The keys are ARGV; KEYS[1] is the
 * first of them, which routes the call. On a Cluster the keys may be of any slots the
 * node serves: Redis 7's `allow-cross-slot-keys` lets a script reach keys of other slots
 * than its declared ones, on the node that runs it. It only reads.
 */
export const GET_MANY_WITH_TTL = new RedisScript(`#!lua flags=no-writes,allow-cross-slot-keys
local out = {}
for i = 1, #ARGV do
  local v = redis.call('GET', ARGV[i])
  if v then
    out[2 * i - 1] = v
    out[2 * i] = redis.call('PTTL', ARGV[i])
  else
    out[2 * i - 1] = false
    out[2 * i] = -2
  end
end
return out
`);

/** Takes the load lease for a key if nobody holds it: 1 if taken. */
export const TAKE_LEASE = new RedisScript(
  "if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end return 0",
);

/** Gives the lease back, only if this holder still has it (it may have expired and passed on). */
export const RELEASE_LEASE = new RedisScript(
  "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0",
);

/**
 * Lua reading the write time a value carries (codec.ts: header byte, 8 bytes of kept time
 * with flag 2, then 8 bytes of write time with flag 4, both little-endian doubles): 0 when
 * the value has none (written before writes were stamped) or the key is absent.
 */
const WRITTEN_AT = `
local function writtenAt(stored)
  if not stored then return 0 end
  local header = string.byte(stored, 1)
  if bit.band(header, 4) == 0 then return 0 end
  local at = 2
  if bit.band(header, 2) ~= 0 then at = 10 end
  return struct.unpack('<d', stored, at)
end
`;

/**
 * A write made during a partition, replayed: sets KEYS[1] to ARGV[1] (PX ARGV[2], 0: none)
 * only if Redis holds no write of the key newer than ARGV[3] (the replayed write's time).
 * 1 if written.
 */
export const REPLAY_SET = new RedisScript(`${WRITTEN_AT}
if writtenAt(redis.call('GET', KEYS[1])) > tonumber(ARGV[3]) then return 0 end
if tonumber(ARGV[2]) > 0 then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
else
  redis.call('SET', KEYS[1], ARGV[1])
end
return 1
`);

/** A delete made during a partition, replayed: deletes KEYS[1] unless it was written after ARGV[1]. */
export const REPLAY_DELETE = new RedisScript(`${WRITTEN_AT}
if writtenAt(redis.call('GET', KEYS[1])) > tonumber(ARGV[1]) then return 0 end
return redis.call('DEL', KEYS[1])
`);
