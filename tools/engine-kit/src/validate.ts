import { describeValue } from './describe-value.js';

/**
 * Option checks shared by every package. Each names the option and what it received:
 * a `TypeError` when the type is wrong (`got the string "100"`), a `RangeError` when the
 * type is right and the value is out of range (`got -1`). `name` is what the user wrote,
 * with its owner where that helps (`redisStore.timeoutMs`).
 */

export interface NumberBounds {
  /** Smallest allowed value. Default: none. */
  min?: number;
  /** Whether `min` itself is refused (a number > 0). Default false. */
  minExclusive?: boolean;
  /** Largest allowed value. Default: none. */
  max?: number;
  /** Whether Infinity is allowed (as "no limit"). Default false. */
  infinity?: boolean;
}

/** A finite number (or Infinity when allowed) within bounds. */
export function numberOption(name: string, value: unknown, bounds: NumberBounds = {}): number {
  const wanted = describeNumber('a number', bounds);
  if (typeof value !== 'number')
    throw new TypeError(`${name} must be ${wanted}; got ${describeValue(value)}`);
  const finiteOk =
    Number.isFinite(value) || (bounds.infinity === true && value === Number.POSITIVE_INFINITY);
  if (!finiteOk || !withinBounds(value, bounds)) {
    throw new RangeError(`${name} must be ${wanted}; got ${describeValue(value)}`);
  }
  return value;
}

/** A safe integer (or Infinity when allowed) within bounds. */
export function integerOption(name: string, value: unknown, bounds: NumberBounds = {}): number {
  const wanted = describeNumber('an integer', bounds);
  if (typeof value !== 'number')
    throw new TypeError(`${name} must be ${wanted}; got ${describeValue(value)}`);
  const integerOk =
    Number.isSafeInteger(value) || (bounds.infinity === true && value === Number.POSITIVE_INFINITY);
  if (!integerOk || !withinBounds(value, bounds)) {
    throw new RangeError(`${name} must be ${wanted}; got ${describeValue(value)}`);
  }
  return value;
}

export const positiveInteger = (name: string, value: unknown): number =>
  integerOption(name, value, { min: 1 });
export const nonNegativeInteger = (name: string, value: unknown): number =>
  integerOption(name, value, { min: 0 });
export const positiveNumber = (name: string, value: unknown): number =>
  numberOption(name, value, { min: 0, minExclusive: true });
export const nonNegativeNumber = (name: string, value: unknown): number =>
  numberOption(name, value, { min: 0 });

export function booleanOption(name: string, value: unknown): boolean {
  if (typeof value !== 'boolean')
    throw new TypeError(`${name} must be true or false; got ${describeValue(value)}`);
  return value;
}

export function stringOption(name: string, value: unknown): string {
  if (typeof value !== 'string')
    throw new TypeError(`${name} must be a string; got ${describeValue(value)}`);
  return value;
}

// biome-ignore lint/suspicious/noExplicitAny: any function type may be asked for.
export function functionOption<F extends (...args: any[]) => unknown>(
  name: string,
  value: unknown,
): F {
  if (typeof value !== 'function')
    throw new TypeError(`${name} must be a function; got ${describeValue(value)}`);
  return value as F;
}

/** One of a fixed set of values (a policy name, an algorithm). */
export function oneOfOption<T extends string>(
  name: string,
  value: unknown,
  choices: readonly T[],
): T {
  if (choices.includes(value as T)) return value as T;
  const list = choices.map((c) => JSON.stringify(c)).join(', ');
  const error = typeof value === 'string' ? RangeError : TypeError;
  throw new error(`${name} must be one of ${list}; got ${describeValue(value)}`);
}

/** The options argument itself: an object, or undefined for all defaults. */
export function optionsObject<T extends object>(who: string, value: unknown): Partial<T> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(`${who}: options must be an object; got ${describeValue(value)}`);
  }
  return value as Partial<T>;
}

function withinBounds(value: number, { min, minExclusive, max }: NumberBounds): boolean {
  if (min !== undefined && (minExclusive ? value <= min : value < min)) return false;
  return max === undefined || value <= max;
}

function describeNumber(kind: string, { min, minExclusive, max, infinity }: NumberBounds): string {
  let text =
    min === 0 && minExclusive
      ? `a positive ${kind.replace(/^an? /, '')}`
      : min === 1 && kind === 'an integer' && !minExclusive
        ? 'a positive integer'
        : min !== undefined
          ? `${kind} ${minExclusive ? '>' : '>='} ${min}`
          : kind;
  if (max !== undefined) text += ` <= ${max}`;
  if (infinity) text += ' (or Infinity)';
  return text;
}
