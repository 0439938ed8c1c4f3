/**
 * Option checks shared by the breakers and the circuit. Each throws a TypeError or
 * RangeError that names the option, the value it got and what it accepts.
 */

function show(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

export function requireNumber(name: string, value: unknown): number {
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new TypeError(`${name} must be a number, got ${show(value)}`);
  }
  return value;
}

/** An integer >= `min`. */
export function integerAtLeast(name: string, value: unknown, min: number): number {
  const n = requireNumber(name, value);
  if (!Number.isInteger(n) || n < min) {
    throw new RangeError(`${name} must be an integer >= ${min}, got ${show(value)}`);
  }
  return n;
}

/** A finite number > 0. */
export function positiveNumber(name: string, value: unknown): number {
  const n = requireNumber(name, value);
  if (!(n > 0) || !Number.isFinite(n)) {
    throw new RangeError(`${name} must be a finite number > 0, got ${show(value)}`);
  }
  return n;
}

/** A finite number >= 0. */
export function nonNegativeNumber(name: string, value: unknown): number {
  const n = requireNumber(name, value);
  if (!(n >= 0) || !Number.isFinite(n)) {
    throw new RangeError(`${name} must be a finite number >= 0, got ${show(value)}`);
  }
  return n;
}

/** A rate in (0, 1]: the share of calls that trips a breaker. */
export function rate(name: string, value: unknown): number {
  const n = requireNumber(name, value);
  if (!(n > 0 && n <= 1)) {
    throw new RangeError(`${name} must be a rate in (0, 1], got ${show(value)}`);
  }
  return n;
}

export function optionalFunction<T>(name: string, value: T | undefined): T | undefined {
  if (value !== undefined && typeof value !== 'function') {
    throw new TypeError(`${name} must be a function, got ${typeof value}`);
  }
  return value;
}
