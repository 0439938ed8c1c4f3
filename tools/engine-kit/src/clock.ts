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

/** A user's `clock` option, which may be a `Clock` or a bare `() => number`. */
export function toClock(value: Clock | (() => number)): Clock {
  return typeof value === 'function' ? { now: value } : value;
}

/**
 * The reading function of a `clock` option given as a `Clock` or a bare `() => number`,
 * or of `fallback` when none was given: for hot paths that read time as a plain call.
 */
export function readingOf(
  value: Clock | (() => number) | undefined,
  fallback: Clock,
): () => number {
  if (value === undefined) return fallback.now;
  if (typeof value === 'function') return value;
  return () => value.now();
}
