import { LUA_SERVER_NOW, RedisScript } from '@bulwark/redis-kit';

/**
 * The circuit's state in Redis: one hash per circuit, so every script touches one key
 * (one hash slot on a Cluster), and time is the server's (`TIME`), so clock skew between
 * app servers cannot move a circuit. Windows are buckets addressed by epoch, each field
 * group remembering its epoch, as in the native twin: an idle window holds nothing old.
 *
 * Fields: state (0 closed, 1 open, 2 half-open), openedAt, round, probesLeft, probeOk,
 * lastProbeAt, consec, and per bucket w<i>e/c/f/s (the rule's window: epoch, calls,
 * failures, slow) and v<i>e/c (fired calls, for volumeThreshold).
 *
 * ARGV[1..12] describe the circuit (see `circuitArgs`); each script's own arguments follow.
 */
const PRELUDE = `${LUA_SERVER_NOW}
local key = KEYS[1]
local now = serverNowMs()
local kind = tonumber(ARGV[1])
local threshold = tonumber(ARGV[2])
local minimum = tonumber(ARGV[3])
local slowRate = tonumber(ARGV[4])
local windowMs = tonumber(ARGV[5])
local buckets = tonumber(ARGV[6])
local resetMs = tonumber(ARGV[7])
local probes = tonumber(ARGV[8])
local strict = ARGV[9] == '1'
local volume = tonumber(ARGV[10])
local rollingMs = tonumber(ARGV[11])
local rollingBuckets = tonumber(ARGV[12])
local channel = ARGV[13]
local name = ARGV[14]

local function num(field)
  return tonumber(redis.call('HGET', key, field) or '0')
end

local function add(p, spanMs, n, calls, failures, slow)
  local epoch = math.floor(now / (spanMs / n))
  local slot = epoch % n
  local e = tonumber(redis.call('HGET', key, p .. slot .. 'e') or '-1')
  if e ~= epoch then
    redis.call('HSET', key, p .. slot .. 'e', epoch, p .. slot .. 'c', 0, p .. slot .. 'f', 0, p .. slot .. 's', 0)
  end
  if calls > 0 then redis.call('HINCRBY', key, p .. slot .. 'c', calls) end
  if failures > 0 then redis.call('HINCRBY', key, p .. slot .. 'f', failures) end
  if slow > 0 then redis.call('HINCRBY', key, p .. slot .. 's', slow) end
end

local function sum(p, spanMs, n)
  local epoch = math.floor(now / (spanMs / n))
  local calls, failures, slow = 0, 0, 0
  for slot = 0, n - 1 do
    local v = redis.call('HMGET', key, p .. slot .. 'e', p .. slot .. 'c', p .. slot .. 'f', p .. slot .. 's')
    local e = tonumber(v[1] or '-1')
    if e > epoch - n and e <= epoch then
      calls = calls + tonumber(v[2] or '0')
      failures = failures + tonumber(v[3] or '0')
      slow = slow + tonumber(v[4] or '0')
    end
  end
  return calls, failures, slow
end

local function clear(p, n)
  for slot = 0, n - 1 do redis.call('HSET', key, p .. slot .. 'e', -1) end
end

local function exceeded()
  if kind == 1 then return num('consec') >= threshold end
  local calls, failures, slow = sum('w', windowMs, buckets)
  if calls < minimum or calls == 0 then return false end
  if kind == 2 then return (failures / calls) * 100 > threshold end
  return failures >= threshold * calls or slow >= slowRate * calls
end

local function volumeReached()
  if volume <= 0 then return true end
  local fired = sum('v', rollingMs, rollingBuckets)
  return fired >= volume
end

-- Every transition gets a version: the server's time in ms, then a sequence number. A
-- reply or notice carries the version of the state it reports, so an instance can tell a
-- late answer (sent before a transition it has already seen) from news. Server time keeps
-- versions rising across a restart or an expired key, where a counter would start over.
local function transitioned()
  local seq = redis.call('HINCRBY', key, 'seq', 1) % 1000
  -- %.0f: Lua would write a number this large as 1.7e+15 and lose the low digits.
  redis.call('HSET', key, 'ver', string.format('%.0f', now * 1000 + seq))
end

local function notify(state)
  redis.call('PUBLISH', channel, state .. '|' .. (now - num('openedAt')) .. '|' .. string.format('%.0f', num('ver')) .. '|' .. name)
end

local function open(at)
  redis.call('HSET', key, 'state', 1, 'openedAt', at, 'probesLeft', 0)
  transitioned()
  notify(1)
end

local function close()
  redis.call('HSET', key, 'state', 0, 'probesLeft', 0, 'consec', 0)
  -- Opossum keeps its rolling window across a close; the other rules start afresh.
  if kind ~= 2 then clear('w', buckets) end
  transitioned()
  notify(0)
end

local function refresh()
  local state = num('state')
  if state == 1 and now - num('openedAt') >= resetMs then
    redis.call('HSET', key, 'state', 2, 'probesLeft', probes, 'probeOk', 0, 'lastProbeAt', now)
    redis.call('HINCRBY', key, 'round', 1)
    transitioned()
    notify(2)
    state = 2
  end
  return state
end

local function reply(admission)
  -- Kept while anyone reports; an abandoned circuit is forgotten after twice its longest span.
  redis.call('PEXPIRE', key, 2 * math.max(windowMs, rollingMs, resetMs) + 60000)
  return {admission, num('state'), now - num('openedAt'), num('round'), num('probesLeft'), num('ver')}
end
`;

/** Reports a batch of finished normal calls: ARGV fires, calls, failures, slow, lead, maxRun, trailing, hadSuccess, mayOpen. */
const REPORT = `
local fires, calls, failures, slow = tonumber(ARGV[15]), tonumber(ARGV[16]), tonumber(ARGV[17]), tonumber(ARGV[18])
local lead, maxRun, trailing = tonumber(ARGV[19]), tonumber(ARGV[20]), tonumber(ARGV[21])
local hadSuccess, mayOpen = ARGV[22] == '1', ARGV[23] == '1'
if kind == 2 then add('w', windowMs, buckets, fires, failures, 0)
elseif kind == 3 then add('w', windowMs, buckets, calls, failures, slow) end
if volume > 0 and fires > 0 then add('v', rollingMs, rollingBuckets, fires, 0, 0) end
local trips = false
if kind == 1 then
  local consec = num('consec')
  if hadSuccess then
    trips = consec + lead >= threshold or maxRun >= threshold
    consec = trailing
  else
    consec = consec + failures
    trips = consec >= threshold
  end
  redis.call('HSET', key, 'consec', consec)
elseif failures > 0 or (kind == 3 and calls > 0) then
  trips = exceeded()
end
if trips and mayOpen and num('state') == 0 and volumeReached() then open(now) end
return reply(0)
`;

/** Admission: ARGV take (1: claim a probe place if half-open; 0: only look, and refresh). */
const CLAIM = `
local take = ARGV[15] == '1'
local state = refresh()
local admission = -1
if state == 0 then
  admission = 0
elseif state == 2 and take then
  if num('probesLeft') > 0 then
    redis.call('HINCRBY', key, 'probesLeft', -1)
    redis.call('HSET', key, 'lastProbeAt', now)
    admission = num('round')
  elseif strict and num('probeOk') < probes and now - num('lastProbeAt') >= resetMs then
    -- A probe that has not settled within resetTimeout hands its place on.
    redis.call('HSET', key, 'lastProbeAt', now)
    admission = num('round')
  end
end
return reply(admission)
`;

/** A probe's result: ARGV admission (its round; 0 for any call when not strict), failed. */
const PROBE = `
local admission, failed = tonumber(ARGV[15]), ARGV[16] == '1'
if num('state') == 2 and (not strict or admission == num('round')) then
  if failed then
    open(now)
  elseif redis.call('HINCRBY', key, 'probeOk', 1) >= probes or not strict then
    close()
  end
end
return reply(admission)
`;

/** By hand: ARGV target (0 close, 1 open, 3 give a probe place back), then ageMs or admission. */
const SET = `
local target, value = tonumber(ARGV[15]), tonumber(ARGV[16])
local state = num('state')
if target == 1 and state ~= 1 then open(now - value)
elseif target == 0 and state ~= 0 then close()
elseif target == 3 and state == 2 and value == num('round') then
  redis.call('HINCRBY', key, 'probesLeft', 1)
end
return reply(0)
`;

/** Every script is the prelude (the circuit, the server's clock, helpers) and its body. */
const script = (body: string) => new RedisScript(PRELUDE + body);

export const SCRIPTS = {
  report: script(REPORT),
  claim: script(CLAIM),
  probe: script(PROBE),
  set: script(SET),
};

/** What every script answers: the circuit after it. */
export interface CircuitReply {
  /** The version of the state (see `transitioned` in the scripts): later transitions are higher. */
  version: number;
  admission: number;
  state: number;
  /** ms since it last opened, by the server's clock. */
  ageMs: number;
  round: number;
  probesLeft: number;
}

export function toReply(raw: number[]): CircuitReply {
  const [admission = 0, state = 0, ageMs = 0, round = 0, probesLeft = 0, version = 0] =
    raw.map(Number);
  return { admission, state, ageMs, round, probesLeft, version };
}
