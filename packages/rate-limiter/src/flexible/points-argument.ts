import { describeValue } from '@bulwark/engine-kit';

/**
 * A points argument as rate-limiter-flexible takes it: a number, or a string of digits
 * (its Redis limiter accepts `'3'`). Anything else would turn a key's count into NaN
 * there, silently; here it is refused, naming the method and the argument.
 */
export function pointsArgument(who: string, name: string, value: unknown): number {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return Number(value);
  throw new TypeError(`${who}: ${name} must be a finite number; got ${describeValue(value)}`);
}
