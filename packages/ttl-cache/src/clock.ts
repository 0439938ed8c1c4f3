import { performance } from 'node:perf_hooks';

/** A source of time in milliseconds. Only differences between readings matter. */
export interface Clock {
  now(): number;
}

/** Monotonic: wall-clock changes (NTP, DST, a user's hand) never expire or revive entries. */
export const monotonicClock: Clock = { now: () => performance.now() };
