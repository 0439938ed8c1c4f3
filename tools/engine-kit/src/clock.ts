import { describeValue } from './describe-value.js';

/**
 * The one clock shape every package takes: an object with `now()` in milliseconds, so a
 * test can hand in a fake one and drive time (`{ now: () => t }`), and so a package can
 * tell "no clock given" from "a clock given" without comparing functions.
 */
export interface Clock {
  now(): number;
}

/**
 * Wall-clock milliseconds since the epoch (`Date.now()`): for times that other processes
 * or Redis must agree on, and for opossum-style timestamps users read.
 */
export const wallClock: Clock = { now: () => Date.now() };

/**
 * Monotonic milliseconds (`performance.now()`): for durations and deadlines, which a
 * wall-clock step (NTP, a user's hand) must not stretch or cut short.
 */
export const monotonicClock: Clock = { now: () => globalThis.performance.now() };

/**
 * A `clock` option, given as a `Clock` or a bare `() => number`, as the reading function
 * hot paths call (the `fallback`'s when none was given); anything else is a TypeError.
 */
export function clockOption(name: string, value: unknown, fallback: Clock): () => number {
  if (value === undefined) return fallback.now;
  if (typeof value === 'function') return value as () => number;
  if (typeof (value as Clock | null)?.now === 'function') {
    const clock = value as Clock;
    return () => clock.now();
  }
  throw new TypeError(
    `${name} must be a Clock ({ now() }) or a function returning milliseconds; got ${describeValue(value)}`,
  );
}
