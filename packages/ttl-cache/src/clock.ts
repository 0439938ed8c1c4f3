import { backgroundTimer, type Clock, monotonicClock } from '@bulwark/engine-kit';

// The cache's default is the monotonic clock, so wall-clock changes (NTP, DST, a user's
// hand) never expire or revive entries. Only differences between readings matter.
export { type Clock, monotonicClock };

const coarseClocks = new Map<number, Clock>();

/**
 * `performance.now()` read at most once per `resolutionMs`: the reading is kept until an
 * unref'd timer clears it. A TTL check on every read then costs a variable load instead of
 * a clock call. The cost: time stands still while synchronous code runs, so an entry can
 * be served up to `resolutionMs` (or one long synchronous stretch) past its TTL. One timer
 * per resolution for the whole process, never per cache.
 */
export function coarseClock(resolutionMs: number): Clock {
  if (resolutionMs <= 0) return monotonicClock;
  let clock = coarseClocks.get(resolutionMs);
  if (!clock) {
    let cached: number | undefined;
    const forget = () => {
      cached = undefined;
    };
    clock = {
      now() {
        if (cached === undefined) {
          cached = monotonicClock.now();
          backgroundTimer(forget, resolutionMs);
        }
        return cached;
      },
    };
    coarseClocks.set(resolutionMs, clock);
  }
  return clock;
}
