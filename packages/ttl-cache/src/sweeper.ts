import { backgroundTimer, type Clock, type Timer } from '@bulwark/engine-kit';

/**
 * Sweeps are at least this far apart (or one TTL, if shorter): a sweep costs what it
 * removes (both engines index entries by expiry), and the interval batches removals so a
 * cache whose entries expire one by one is not swept once per entry.
 */
const MIN_SWEEP_INTERVAL = 1000;

/**
 * `ttlAutopurge` with one timer per cache instead of one per entry: the timer is set for
 * the earliest known expiry, each sweep purges what is stale and re-arms for the next one.
 * The timer is unref'd, so a cache never keeps the process alive.
 */
export class Sweeper {
  readonly #clock: Clock;
  /** Purges stale entries and returns when the next one expires (Infinity for none). */
  readonly #sweep: (now: number) => number;
  #timer: Timer | undefined;
  #dueAt = Number.POSITIVE_INFINITY;
  #minInterval = MIN_SWEEP_INTERVAL;

  constructor(clock: Clock, sweep: (now: number) => number) {
    this.#clock = clock;
    this.#sweep = sweep;
  }

  /** An entry with `ttl` will be stale at `expiresAt`: make sure a sweep comes by then. */
  expect(expiresAt: number, ttl: number): void {
    if (ttl < this.#minInterval) this.#minInterval = ttl;
    if (expiresAt < this.#dueAt) this.#arm(expiresAt);
  }

  stop(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
    this.#dueAt = Number.POSITIVE_INFINITY;
  }

  #arm(at: number): void {
    this.#timer?.cancel();
    this.#dueAt = at;
    this.#timer = backgroundTimer(() => this.#run(), at - this.#clock.now());
  }

  #run(): void {
    this.#timer = undefined;
    this.#dueAt = Number.POSITIVE_INFINITY;
    const now = this.#clock.now();
    const next = this.#sweep(now);
    if (next !== Number.POSITIVE_INFINITY) this.#arm(Math.max(next, now + this.#minInterval));
  }
}
