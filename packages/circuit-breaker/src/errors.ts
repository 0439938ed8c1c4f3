/**
 * The errors the breaker itself raises. Opossum marks them with a private flag and a
 * `code`; code written against opossum switches on those codes, so they stay the same,
 * and so do their messages and `name` ('Error'). Each is also a class, so TypeScript
 * callers can use `instanceof`.
 */

/** Marks errors this package created, for `CircuitBreaker.isOurError`. */
const OURS = Symbol.for('bulwark.circuit-breaker.error');

export type CircuitErrorCode = 'EOPENBREAKER' | 'ETIMEDOUT' | 'ESEMLOCKED' | 'ESHUTDOWN';

export class CircuitBreakerError extends Error {
  // `declare`: a class field would be defined on every instance, and an open circuit can
  // reject many thousands of calls a second; the marker and names live on prototypes.
  declare readonly code: CircuitErrorCode;

  constructor(message: string, code: CircuitErrorCode) {
    super(message);
    (this as { code: CircuitErrorCode }).code = code;
  }
}
Object.defineProperty(CircuitBreakerError.prototype, OURS, { value: true });

export const OPEN_MESSAGE = 'Breaker is open';
export const SEMAPHORE_MESSAGE = 'Semaphore locked';

/** The circuit is open (or half-open with its probes taken): the call was not made. */
export class OpenCircuitError extends CircuitBreakerError {
  constructor() {
    super(OPEN_MESSAGE, 'EOPENBREAKER');
  }
}

/** The action did not settle within `timeout` ms. */
export class CircuitTimeoutError extends CircuitBreakerError {
  constructor(timeoutMs: number) {
    super(`Timed out after ${timeoutMs}ms`, 'ETIMEDOUT');
  }
}

/** `capacity` calls were already in flight. */
export class SemaphoreLockedError extends CircuitBreakerError {
  constructor() {
    super(SEMAPHORE_MESSAGE, 'ESEMLOCKED');
  }
}

/**
 * Turns `error`, a plain `new Error(OPEN_MESSAGE or SEMAPHORE_MESSAGE)` made by the
 * caller, into an OpenCircuitError or SemaphoreLockedError, for the paths that reject
 * at full rate. Capturing the stack is most of a rejection's cost, and every constructor
 * in the class chain adds to it: on the bench VM a plain Error took 2.5 µs and
 * `new OpenCircuitError()` 3.2 µs. Given the class's prototype, message and code, the
 * plain Error is the same to every observer: `instanceof`, `name`, `code`,
 * `isOurError`, and a stack that starts at the caller.
 */
export function brandAs(
  error: Error,
  type: typeof OpenCircuitError | typeof SemaphoreLockedError,
): OpenCircuitError | SemaphoreLockedError {
  const branded = Object.setPrototypeOf(error, type.prototype) as { code: CircuitErrorCode };
  branded.code = type === OpenCircuitError ? 'EOPENBREAKER' : 'ESEMLOCKED';
  return branded as OpenCircuitError | SemaphoreLockedError;
}

/** The breaker was shut down and takes no more calls. */
export class ShutdownError extends CircuitBreakerError {
  constructor() {
    super('The circuit has been shutdown.', 'ESHUTDOWN');
  }
}

/** True for the errors above, whichever copy of this package made them. */
export function isOurError(error: unknown): boolean {
  return (
    typeof error === 'object' && error !== null && (error as { [OURS]?: boolean })[OURS] === true
  );
}

/** The breaker's error with `code`, whichever copy of this package made it. */
function isOurs(error: unknown, code: CircuitErrorCode): boolean {
  return isOurError(error) && (error as { code?: unknown }).code === code;
}

/** The circuit was open (EOPENBREAKER): the call was not made. */
export const isOpenCircuitError = (error: unknown): error is OpenCircuitError =>
  isOurs(error, 'EOPENBREAKER');
/** The call did not settle within `timeout` (ETIMEDOUT, from the breaker, not a socket). */
export const isCircuitTimeoutError = (error: unknown): error is CircuitTimeoutError =>
  isOurs(error, 'ETIMEDOUT');
/** `capacity` calls were in flight (ESEMLOCKED). */
export const isSemaphoreLockedError = (error: unknown): error is SemaphoreLockedError =>
  isOurs(error, 'ESEMLOCKED');
/** The breaker was shut down (ESHUTDOWN). */
export const isShutdownError = (error: unknown): error is ShutdownError =>
  isOurs(error, 'ESHUTDOWN');

// Opossum's errors are plain `Error`s: `err.name` is 'Error' and `String(err)` reads
// `Error: Breaker is open`, which logs, alerts and tests match on. Ours are classes for
// `instanceof`, named as opossum names them. (`err.constructor.name` tells them apart.)
for (const type of [
  CircuitBreakerError,
  OpenCircuitError,
  CircuitTimeoutError,
  SemaphoreLockedError,
  ShutdownError,
]) {
  Object.defineProperty(type.prototype, 'name', {
    value: 'Error',
    writable: true,
    configurable: true,
  });
}
