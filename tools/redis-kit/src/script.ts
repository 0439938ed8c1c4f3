import { createHash } from 'node:crypto';

/**
 * A Lua script, called by its SHA1 (EVALSHA) so its text crosses the network once. Redis
 * forgets scripts on a restart or failover; `RedisLink.run` then answers NOSCRIPT with one
 * EVAL, which loads it again. Every script of ours touches keys of one hash slot, so it
 * runs on a Cluster as on a single server (see `hashTag`).
 */
export class RedisScript {
  readonly source: string;
  readonly sha: string;

  constructor(source: string) {
    this.source = source;
    this.sha = createHash('sha1').update(source).digest('hex');
  }
}

/**
 * Lua defining `serverNowMs()`: the Redis server's clock (`TIME`) in whole ms. Scripts
 * take time from the server, so clock skew between app servers cannot move a decision.
 * Put it at the top of a script's source.
 */
export const LUA_SERVER_NOW = `
local function serverNowMs()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
`;
