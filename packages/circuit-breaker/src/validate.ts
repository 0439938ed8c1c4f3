/**
 * The breakers' and the circuit's option checks, in engine-kit's words: a TypeError that
 * says which type it got, a RangeError that names the value. Kept as named adapters so
 * each call site reads as the rule it checks.
 */
import { describeValue, functionOption, integerOption } from '@bulwark/engine-kit';

/** A finite number > 0, and a finite number >= 0: engine-kit's, as they are. */
export { nonNegativeNumber, positiveNumber } from '@bulwark/engine-kit';

/** A number, any value but NaN. */
export function requireNumber(name: string, value: unknown): number {
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new TypeError(`${name} must be a number; got ${describeValue(value)}`);
  }
  return value;
}

/** An integer >= `min`. */
export const integerAtLeast = (name: string, value: unknown, min: number): number =>
  integerOption(name, value, { min });

/** A rate in (0, 1]: the share of calls that trips a breaker. */
export function rate(name: string, value: unknown): number {
  const n = requireNumber(name, value);
  if (!(n > 0 && n <= 1))
    throw new RangeError(`${name} must be a rate in (0, 1]; got ${describeValue(n)}`);
  return n;
}

export function optionalFunction<T>(name: string, value: T | undefined): T | undefined {
  return value === undefined ? undefined : (functionOption(name, value) as T);
}
