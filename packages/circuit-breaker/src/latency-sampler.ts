/**
 * Decides which calls of a rolling bucket a breaker times. Timing a call costs two clock
 * reads (`Date.now()` is about 40 ns each on a VM), which at high call rates is most of
 * a breaker's overhead; cockatiel avoids it by timing nothing unless someone listens.
 * Here the first `timedPerBucket` calls of each bucket are all timed, so at ordinary
 * rates every latency is exact; past that the stride between timed calls doubles each
 * time the bucket's calls double (1 in 2, 1 in 4, ... at most 1 in `MAX_STRIDE`).
 *
 * Each timed latency carries a weight, the stride it was sampled at, so a histogram
 * that adds the weight estimates every call's latency (a Horvitz-Thompson estimate):
 * the mean and percentiles stay unbiased however the stride moved within a bucket.
 * The skip before the next timed call is random around the stride, so latencies that
 * alternate with a period (every other call slow) cannot alias with the sampling.
 *
 * The owner calls `reset()` when a new bucket starts.
 */

/** At most one call in this many is timed: bounds how long counts can wait for a clock read. */
export const MAX_STRIDE = 64;

export class LatencySampler {
  readonly #timedPerBucket: number;
  /** Calls seen since the bucket started. */
  #seen = 0;
  /** Calls to let through untimed before the next timed one. */
  #skip = 0;

  constructor(timedPerBucket: number) {
    this.#timedPerBucket = timedPerBucket;
  }

  /**
   * Called once per call: 0 when this call goes untimed, otherwise how many calls its
   * latency stands for (1 while every call is timed).
   */
  next(): number {
    if (this.#skip > 0) {
      this.#skip--;
      this.#seen++;
      return 0;
    }
    const seen = ++this.#seen;
    if (seen <= this.#timedPerBucket) return 1;
    const stride = strideAfter(seen / this.#timedPerBucket);
    // Uniform in [0, 2 * stride - 2]: one timed call per `stride` calls on average.
    this.#skip = Math.floor(Math.random() * (2 * stride - 1));
    return stride;
  }

  /** A new bucket: time every call again until it holds `timedPerBucket`. */
  reset(): void {
    this.#seen = 0;
    this.#skip = 0;
  }
}

/** 2 for up to twice the fully timed calls, 4 up to four times, ... capped at MAX_STRIDE. */
function strideAfter(multiple: number): number {
  return Math.min(MAX_STRIDE, 2 ** Math.ceil(Math.log2(multiple)));
}
