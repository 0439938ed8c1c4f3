/**
 * A consume could not reach Redis and `onError` is `throw`. Its `cause` is the Redis error
 * (`RedisUnavailableError`, `RedisTimeoutError`, or what Redis answered).
 */
export class RateLimitStoreError extends Error {
  readonly code = 'ERR_RATE_LIMIT_STORE_UNAVAILABLE';
  override readonly name = 'RateLimitStoreError';

  constructor(message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
  }
}

export function isRateLimitStoreError(error: unknown): error is RateLimitStoreError {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { code?: unknown }).code === 'ERR_RATE_LIMIT_STORE_UNAVAILABLE'
  );
}
