import { LUA_SERVER_NOW, RedisScript } from '@bulwark/redis-kit';

/**
 * One Lua script per algorithm, the same arithmetic as `src/algorithms/` (the reference).
 * A call decides a batch of items in order, atomically: the consumes that one process
 * issued together for keys in one hash slot (any keys, on a single Redis), so Redis runs
 * one script where it would run one per consume. Time is the Redis server's (`TIME`, read
 * once per call), unless the store runs with `time: 'client'` for services that refuse
 * TIME in scripts; then each item carries it.
 *
 * KEYS, per item: the key's hash (state fields and `blk`, when a block ends), and for
 * concurrency the key's leases (a sorted set of lease ends; same hash tag, so same slot).
 * ARGV: a, b (the algorithm's two parameters, as `params`), then per item: now ('' for the
 * server's), op ('c' consume, 'p' peek, 'r' refund), cost, blockMs.
 * Answer, per item, flattened: allowed 0/1, remaining, resetMs, retryAfterMs (each
 * item's `decide` returns the four as values, not a table).
 */
const HEADER = `
local a = tonumber(ARGV[1])
local b = tonumber(ARGV[2])
local EPS = 1e-9
local function fmt(x) return string.format('%.17g', x) end
local function floor(x) return math.floor(x + EPS) end
local function ceil(x) return math.ceil(x - EPS) end
-- The item being decided. The helpers below are made once per call, not once per item,
-- and read these.
local key, leases, now, op, cost, blockMs, vals, blocked, lives
local function num(i, default)
  local v = vals[i + 2]
  if v then return tonumber(v) end
  return default
end
-- Keeps the key while its state differs from a new key's, or it is blocked. The hash's
-- field x is a time the key is known to live until; the expiry is moved (to twice the
-- time needed, so not on every call) only when the key must outlive it.
local function keep(idleAt)
  local untilMs = math.max(idleAt, blocked) + 1000
  if untilMs > lives then
    local ttl = math.max(1, math.ceil(2 * (untilMs - now)))
    redis.call('PEXPIRE', key, ttl)
    redis.call('HSET', key, 'x', now + ttl)
  end
end
local function answer(allowed, remaining, resetMs, retryAfterMs)
  if op == 'c' and not allowed and blockMs > 0 then
    redis.call('HSET', key, 'blk', now + blockMs)
    -- Never shorten the key's life: its window may outlast the block.
    redis.call('PEXPIRE', key, math.max(redis.call('PTTL', key), blockMs + 1000))
    return 0, 0, math.max(resetMs, blockMs), blockMs
  end
  return allowed and 1 or 0, remaining, resetMs, retryAfterMs
end
local function decide(itemKey, itemLeases, itemNow, itemOp, itemCost, itemBlockMs)
key, leases, now, op, cost, blockMs = itemKey, itemLeases, itemNow, itemOp, itemCost, itemBlockMs
-- One read of every field the algorithm keeps (FIELDS, set before this header), blk and x.
vals = redis.call('HMGET', key, 'blk', 'x', unpack(FIELDS))
blocked = tonumber(vals[1]) or 0
lives = tonumber(vals[2]) or 0
if op ~= 'r' and blocked > now then
  return 0, 0, blocked - now, blocked - now
end
`;

/** a: tokens per ms, b: burst. Fields t (tokens), ts (when counted). */
const TOKEN_BUCKET = `
local tokens = num(1, nil)
local ts = num(2, now)
if not tokens then tokens = b end
local elapsed = now - ts
if elapsed > 0 then tokens = tokens + elapsed * a end
if tokens > b then tokens = b end
if op == 'r' then
  tokens = math.min(b, tokens + cost)
  redis.call('HSET', key, 't', fmt(tokens), 'ts', fmt(now))
  keep(now + (b - tokens) / a)
  return 1, 0, 0, 0
end
local allowed = tokens >= cost - EPS
local left = tokens
if allowed then left = math.max(0, tokens - cost) end
if op == 'c' then
  ts = math.max(now, ts)
  redis.call('HSET', key, 't', fmt(left), 'ts', fmt(ts))
  keep(ts + (b - left) / a)
end
local retry = 0
if not allowed then retry = ceil((cost - tokens) / a) end
return answer(allowed, floor(left), ceil((b - left) / a), retry)
`;

/** a: units per ms (one every 1/a ms), b: burst. Field tat. */
const GCRA = `
local emission = 1 / a
local tolerance = b * emission
local stored = num(1, now)
if op == 'r' then
  local tat = math.max(now, stored - cost * emission)
  redis.call('HSET', key, 'tat', fmt(tat))
  keep(tat)
  return 1, 0, 0, 0
end
local tat = math.max(stored, now)
local nextTat = tat + cost * emission
local allowed = nextTat - now <= tolerance + EPS
local debt = tat - now
if allowed then debt = nextTat - now end
if op == 'c' and allowed then
  redis.call('HSET', key, 'tat', fmt(nextTat))
  keep(nextTat)
end
local retry = 0
if not allowed then retry = ceil(nextTat - now - tolerance) end
return answer(allowed, floor((tolerance - debt) / emission), ceil(debt), retry)
`;

/** a: limit, b: window ms, epoch-aligned. Fields s (window start), c (count). */
const FIXED_WINDOW = `
-- A reading older than the key's window never reopens it (clock skew, time: 'client').
now = math.max(now, num(1, now))
local start = math.floor(now / b) * b
local count = 0
if num(1, -1) == start then count = num(2, 0) end
if op == 'r' then
  if num(1, -1) == start then redis.call('HSET', key, 'c', math.max(0, count - cost)) end
  return 1, 0, 0, 0
end
local allowed = count + cost <= a
local used = count
if allowed then used = count + cost end
if op == 'c' then
  -- Within one window only the count changes.
  if num(1, -1) == start then
    redis.call('HSET', key, 'c', used)
  else
    redis.call('HSET', key, 's', fmt(start), 'c', used)
  end
  keep(start + b)
end
local reset = start + b - now
local resetMs = 0
if used > 0 then resetMs = reset end
local retry = 0
if not allowed then retry = reset end
return answer(allowed, a - used, resetMs, retry)
`;

/** a: limit, b: window ms. Fields s (current window start), p (previous count), c (current count). */
const SLIDING_WINDOW = `
-- A reading older than the key's window never rolls it back (clock skew, time: 'client').
now = math.max(now, num(1, now))
local start = math.floor(now / b) * b
local s = num(1, start)
local previous = num(2, 0)
local current = num(3, 0)
if s ~= start then
  if s + b == start then previous = current else previous = 0 end
  current = 0
end
local function store()
  redis.call('HSET', key, 's', fmt(start), 'p', fmt(previous), 'c', fmt(current))
  if current > 0 then keep(start + 2 * b) else keep(start + b) end
end
if op == 'r' then
  current = math.max(0, current - cost)
  store()
  return 1, 0, 0, 0
end
local estimate = previous * (1 - (now - start) / b) + current
local allowed = estimate + cost <= a + EPS
if allowed then current = current + cost end
if op == 'c' then store() end
local used = estimate
if allowed then used = estimate + cost end
local resetMs = 0
if current > 0 then resetMs = start + 2 * b - now elseif used > 0 then resetMs = start + b - now end
local retry = 0
if not allowed then
  local room = a - current - cost
  if room >= 0 and previous > 0 then
    retry = math.max(1, math.ceil(start + b * (1 - room / previous) - now))
  else
    local fraction = 0
    if current > 0 then fraction = math.max(0, 1 - (a - cost) / current) end
    retry = math.max(1, math.ceil(start + b + b * fraction - now))
  end
end
return answer(allowed, math.max(0, floor(a - used)), resetMs, retry)
`;

/** a: limit, b: lease ms. leases: lease ends (members numbered by the hash's seq). */
const CONCURRENCY = `
redis.call('ZREMRANGEBYSCORE', leases, '-inf', now)
if op == 'r' then
  redis.call('ZPOPMIN', leases, cost)
  return 1, 0, 0, 0
end
local held = redis.call('ZCARD', leases)
local allowed = held + cost <= a
local after = held
if allowed then after = held + cost end
local lastEnd = now
if allowed then
  lastEnd = now + b
elseif held > 0 then
  lastEnd = tonumber(redis.call('ZRANGE', leases, -1, -1, 'WITHSCORES')[2])
end
local retry = 0
if not allowed then
  local needed = held + cost - a
  retry = math.max(1, tonumber(redis.call('ZRANGE', leases, needed - 1, needed - 1, 'WITHSCORES')[2]) - now)
end
if op == 'c' and allowed then
  for i = 1, cost do
    local seq = redis.call('HINCRBY', key, 'seq', 1)
    redis.call('ZADD', leases, now + b, seq)
  end
  redis.call('PEXPIRE', leases, b + 1000)
  keep(now + b)
end
local resetMs = 0
if after > 0 then resetMs = lastEnd - now end
return answer(allowed, math.max(0, a - after), resetMs, retry)
`;

/** Blocks a key: ARGV now, until. */
export const BLOCK_SOURCE = `${LUA_SERVER_NOW}
local now = tonumber(ARGV[1])
if ARGV[1] == '' then now = serverNowMs() end
local untilMs = now + tonumber(ARGV[2])
redis.call('HSET', KEYS[1], 'blk', untilMs)
redis.call('PEXPIRE', KEYS[1], math.max(redis.call('PTTL', KEYS[1]), tonumber(ARGV[2]) + 1000))
return 1
`;

/** Runs `decide` for each item of the call and returns the answers flattened. */
const batchLoop = (keysPerItem: number) => `
end
local serverNow
local out = {}
local filled = 0
local items = (#ARGV - 2) / 4
for i = 0, items - 1 do
  local at = 3 + i * 4
  local now
  if ARGV[at] == '' then
    if not serverNow then serverNow = serverNowMs() end
    now = serverNow
  else
    now = tonumber(ARGV[at])
  end
  -- Four values returned, not a table: no allocation per item.
  local allowed, remaining, resetMs, retryAfterMs = decide(KEYS[i * ${keysPerItem} + 1],
    KEYS[i * ${keysPerItem} + ${keysPerItem}], now, ARGV[at + 1], tonumber(ARGV[at + 2]),
    tonumber(ARGV[at + 3]))
  out[filled + 1] = allowed
  out[filled + 2] = remaining
  out[filled + 3] = resetMs
  out[filled + 4] = retryAfterMs
  filled = filled + 4
end
return out
`;

/** A decision script: the hash fields it keeps (read in one HMGET), its body, keys per item. */
export class DecisionScript extends RedisScript {
  constructor(
    fields: string[],
    body: string,
    readonly keysPerItem: 1 | 2,
  ) {
    const list = fields.map((f) => `'${f}'`).join(', ');
    super(`${LUA_SERVER_NOW}local FIELDS = {${list}}${HEADER}${body}${batchLoop(keysPerItem)}`);
  }
}

export const SCRIPTS = {
  'token-bucket': new DecisionScript(['t', 'ts'], TOKEN_BUCKET, 1),
  gcra: new DecisionScript(['tat'], GCRA, 1),
  'fixed-window': new DecisionScript(['s', 'c'], FIXED_WINDOW, 1),
  'sliding-window': new DecisionScript(['s', 'p', 'c'], SLIDING_WINDOW, 1),
  concurrency: new DecisionScript([], CONCURRENCY, 2),
} as const;

export const BLOCK_SCRIPT = new RedisScript(BLOCK_SOURCE);
