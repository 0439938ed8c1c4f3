/**
 * generic-pool's errors, with its messages: programs match on them.
 *
 * Its `TimeoutError` is a class of that name (`err.name === 'TimeoutError'`, an own
 * property as in generic-pool, so `JSON.stringify(err)` reads the same); generic-pool
 * keeps it in `lib/errors`, we export it. The stable `code` and the brand live on the
 * prototype, adding nothing to what a log of the error prints.
 */
const OURS = Symbol.for('bulwark.object-pool.error');

export class TimeoutError extends Error {
  declare readonly code: 'ERR_POOL_ACQUIRE_TIMEOUT';

  constructor(message = 'ResourceRequest timed out') {
    super(message);
    this.name = 'TimeoutError';
  }
}
Object.defineProperties(TimeoutError.prototype, {
  code: { value: 'ERR_POOL_ACQUIRE_TIMEOUT' },
  [OURS]: { value: true },
});

/**
 * Whether `error` is an acquire's `TimeoutError` from any copy of this package (two
 * versions installed side by side make two classes, so `instanceof` can miss).
 */
export function isTimeoutError(error: unknown): error is TimeoutError {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as Record<symbol, unknown>)[OURS] === true &&
    (error as { code?: unknown }).code === 'ERR_POOL_ACQUIRE_TIMEOUT'
  );
}

/**
 * The other refusals are plain `Error`s in generic-pool, told apart by message; they stay
 * so, since code written for it compares `err.message`.
 */
export const DRAINING_MESSAGE = 'pool is draining and cannot accept work';
export const TOO_MANY_WAITING_MESSAGE = 'max waitingClients count exceeded';
export const NOT_IN_POOL_MESSAGE = 'Resource not currently part of this pool';
export const DESTROY_TIMED_OUT_MESSAGE = 'destroy timed out';
