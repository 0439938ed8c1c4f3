import { monotonicClock } from '@bulwark/engine-kit';

/**
 * "Now" for a store's idle sweep, in the callers' clock. A store has no clock of its own:
 * it learns the time from the `now` its callers pass. Judged by the last time a caller
 * passed, keys would never go idle while the process is idle; so when no caller has come
 * since the previous sweep, the time that has passed since then (monotonic) is added.
 * No clock is read on the consume path: only at sweeps.
 */
export class IdleClock {
  /** The latest time a caller passed in (set by the store on its hot path). */
  latest = Number.NEGATIVE_INFINITY;
  #seenLatest = Number.NEGATIVE_INFINITY;
  #seenAt = 0;

  /** Called by the sweep: the callers' latest time, moved on by real time when they are quiet. */
  now(): number {
    const at = monotonicClock.now();
    if (this.latest !== this.#seenLatest) {
      this.#seenLatest = this.latest;
      this.#seenAt = at;
      return this.latest;
    }
    return this.latest + (at - this.#seenAt);
  }
}
