/** `wait()` gave up: the cost could not be admitted within `maxWaitMs`. */
export class RateLimitWaitTimeoutError extends Error {
  readonly code = 'ERR_RATE_LIMIT_WAIT_TIMEOUT';
  override readonly name = 'RateLimitWaitTimeoutError';
  /** When the cost would have been admitted, as far as the limiter could tell, in ms from the rejection. */
  readonly retryAfterMs: number;

  constructor(key: string, maxWaitMs: number, retryAfterMs: number) {
    super(
      `rate limit: key ${JSON.stringify(key)} could not be admitted within maxWaitMs (${maxWaitMs} ms)`,
    );
    this.retryAfterMs = retryAfterMs;
  }
}

/** The limiter was closed: it answers nothing more. */
export class RateLimiterClosedError extends Error {
  readonly code = 'ERR_RATE_LIMITER_CLOSED';
  override readonly name = 'RateLimiterClosedError';

  constructor(what: string) {
    super(`rate limiter: ${what} after close()`);
  }
}

export function isRateLimiterClosedError(error: unknown): error is RateLimiterClosedError {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { code?: unknown }).code === 'ERR_RATE_LIMITER_CLOSED'
  );
}

export function isRateLimitWaitTimeoutError(error: unknown): error is RateLimitWaitTimeoutError {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { code?: unknown }).code === 'ERR_RATE_LIMIT_WAIT_TIMEOUT'
  );
}
