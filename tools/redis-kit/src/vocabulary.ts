import { functionOption, positiveNumber } from '@bulwark/engine-kit';

/**
 * The Redis options every package spells the same way, with the same defaults:
 *
 * - `client`: an ioredis `Redis` or `Cluster`, made with any options.
 * - `prefix`: put before every key; default `bulwark:<package>:` (see `defaultPrefix`).
 * - `timeoutMs`: how long a Redis call may take before it counts as failed. Default 200.
 * - `onError`: a policy name for what to answer while Redis fails (each package lists
 *   its choices; a package with one sensible answer has no `onError`).
 * - `onRedisError(error)`: told of each Redis failure, after the fallback was taken.
 */
export const DEFAULT_REDIS_TIMEOUT_MS = 200;

export function redisTimeoutMs(who: string, value: unknown): number {
  return value === undefined ? DEFAULT_REDIS_TIMEOUT_MS : positiveNumber(`${who}.timeoutMs`, value);
}

export type RedisErrorListener = (error: unknown) => void;

export function redisErrorListener(who: string, value: unknown): RedisErrorListener | undefined {
  return value === undefined
    ? undefined
    : functionOption<RedisErrorListener>(`${who}.onRedisError`, value);
}

/** Calls the user's listener without letting it break the fallback that was already taken. */
export function tell(listener: RedisErrorListener | undefined, error: unknown): void {
  if (!listener) return;
  try {
    listener(error);
  } catch (listenerError) {
    // Not rethrown: the caller was already answered, and a throw here would end the process.
    process.emitWarning(
      `onRedisError threw: ${String((listenerError as Error)?.message ?? listenerError)}`,
      { code: 'BULWARK_LISTENER_THREW' },
    );
  }
}
