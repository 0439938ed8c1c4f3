import { createHash } from 'node:crypto';
import type { RedisClient } from './redis-client.js';

/**
 * A Lua script sent once and then called by its SHA1 (EVALSHA). Redis forgets scripts on a
 * restart or failover; the NOSCRIPT answer then costs one EVAL, which loads it again.
 * Every script here touches exactly one key, so it runs on a Cluster as on a single node.
 */
export class LuaScript {
  readonly #source: string;
  readonly #sha: string;

  constructor(source: string) {
    this.#source = source;
    this.#sha = createHash('sha1').update(source).digest('hex');
  }

  async run(client: RedisClient, key: string, ...args: (string | number)[]): Promise<unknown> {
    try {
      return await client.callBuffer('EVALSHA', this.#sha, 1, key, ...args);
    } catch (error) {
      if (!String((error as Error)?.message).startsWith('NOSCRIPT')) throw error;
      return client.callBuffer('EVAL', this.#source, 1, key, ...args);
    }
  }
}

/** The value and its time to live in ms (-1: none), in one round trip. */
export const GET_WITH_TTL = new LuaScript(
  "local v = redis.call('GET', KEYS[1]) if not v then return nil end return {v, redis.call('PTTL', KEYS[1])}",
);

/** Takes the load lease for a key if nobody holds it: 1 if taken. */
export const TAKE_LEASE = new LuaScript(
  "if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end return 0",
);

/** Gives the lease back, only if this holder still has it (it may have expired and passed on). */
export const RELEASE_LEASE = new LuaScript(
  "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0",
);
