/** Thrown when Redis did not answer within the store's `timeoutMs`. */
export class RedisTimeoutError extends Error {
  readonly code = 'ERR_REDIS_TIMEOUT';
  override readonly name = 'RedisTimeoutError';
}

/**
 * Waits for `promise` at most `ms`. Redis cannot cancel a command, so a late answer still
 * arrives; it is swallowed here so it never surfaces as an unhandled rejection.
 */
export function withinDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  promise.catch(() => {});
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new RedisTimeoutError(`no answer from Redis within ${ms} ms`)),
      ms,
    );
    timer.unref();
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}
