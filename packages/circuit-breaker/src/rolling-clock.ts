/**
 * Decides when a rolling window moves on to its next bucket, without a timer. Opossum
 * rotates with a `setInterval` per breaker; computing the rotation from the clock when
 * the window is touched gives the same figures at every read, costs one comparison per
 * call, keeps nothing scheduled, and works with any injected clock.
 */
export class RollingClock {
  readonly #bucketMs: number;
  readonly #buckets: number;
  #nextRotationAt: number;

  constructor(bucketMs: number, buckets: number, now: number) {
    this.#bucketMs = bucketMs;
    this.#buckets = buckets;
    this.#nextRotationAt = now + bucketMs;
  }

  /** When the newest bucket ends. */
  get nextRotationAt(): number {
    return this.#nextRotationAt;
  }

  /**
   * How many buckets to rotate at `now`: 0 almost always, and never more than the
   * window holds, however long the window sat idle (so old counts can never survive an
   * idle period, cockatiel's issue #64).
   */
  rotationsDue(now: number): number {
    if (now < this.#nextRotationAt) return 0;
    const elapsed = Math.floor((now - this.#nextRotationAt) / this.#bucketMs) + 1;
    this.#nextRotationAt += elapsed * this.#bucketMs;
    return Math.min(elapsed, this.#buckets);
  }
}
