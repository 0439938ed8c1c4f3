/**
 * The two ways a Redis call fails in every Bulwark package, whatever the command: Redis
 * is not connected (nothing was sent), or it did not answer in time (the command may
 * still run). Guards compare `code`, so they hold across two installed copies of a
 * package, where `instanceof` would not.
 */

/** Nothing was sent: the client is not connected (connecting, reconnecting, or ended). */
export class RedisUnavailableError extends Error {
  readonly code = 'ERR_REDIS_UNAVAILABLE';
  override readonly name = 'RedisUnavailableError';
}

/** Sent, but no answer within `timeoutMs`. Redis cannot cancel it: it may still run. */
export class RedisTimeoutError extends Error {
  readonly code = 'ERR_REDIS_TIMEOUT';
  override readonly name = 'RedisTimeoutError';
}

export function isRedisUnavailableError(error: unknown): error is RedisUnavailableError {
  return hasCode(error, 'ERR_REDIS_UNAVAILABLE');
}

export function isRedisTimeoutError(error: unknown): error is RedisTimeoutError {
  return hasCode(error, 'ERR_REDIS_TIMEOUT');
}

function hasCode(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}
