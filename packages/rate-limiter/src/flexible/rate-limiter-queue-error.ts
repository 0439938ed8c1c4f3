/**
 * What RateLimiterQueue rejects with when it cannot take a request (too many tokens, a
 * full queue, an expired request). Its `name` is `'CustomError'`, as rate-limiter-flexible
 * sets it, so logs and checks on the name read the same.
 */
export class RateLimiterQueueError extends Error {
  extra?: unknown;

  constructor(message: string, extra?: unknown) {
    super(message);
    this.name = 'CustomError';
    if (extra) this.extra = extra;
  }
}
