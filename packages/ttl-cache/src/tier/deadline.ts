/** Thrown when a Redis call did not answer within the tier's `timeoutMs`. */
export class RedisDeadlineError extends Error {
  readonly code = 'ERR_REDIS_DEADLINE';
  override readonly name = 'RedisDeadlineError';
}

/**
 * `promise`, or a rejection after `ms`. The command is not cancelled (Redis has no way to),
 * but the caller stops waiting for it; a late rejection is absorbed so it is never unhandled.
 */
export function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new RedisDeadlineError(`${what}: no answer from Redis within ${ms} ms`)),
      ms,
    );
    timer.unref();
  });
  promise.catch(() => {});
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
