import { EventEmitter } from 'node:events';
import { backgroundRepeat, backgroundTimer, type Timer, wallClock } from '@bulwark/engine-kit';
import { BIN_COUNT, binOf, percentileOf } from './latency-histogram.js';
import { LatencySampler } from './latency-sampler.js';
import { RollingClock } from './rolling-clock.js';

/** The counters of one rolling bucket, in opossum's order and names. */
export const COUNTERS = [
  'failures',
  'fallbacks',
  'successes',
  'rejects',
  'fires',
  'timeouts',
  'cacheHits',
  'cacheMisses',
  'coalesceCacheHits',
  'coalesceCacheMisses',
  'semaphoreRejections',
] as const;
export type Counter = (typeof COUNTERS)[number];

const COUNTER_INDEX = Object.fromEntries(COUNTERS.map((name, i) => [name, i])) as Record<
  Counter,
  number
>;
const FIELDS = COUNTERS.length;
/** Counter numbers for `Status.count`, the breaker's fast path. */
export const FIELD = COUNTER_INDEX;
/** The percentiles opossum reports. */
const PERCENTILES = [0, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.995, 1];

export type Bucket = Record<Counter, number> & {
  percentiles: Record<number, number>;
  /**
   * Always empty: opossum lists every latency of the window here, an array that grows
   * with traffic. Percentiles and the mean come from a fixed-size histogram instead.
   */
  latencyTimes: number[];
  isCircuitBreakerOpen?: boolean;
};
export type Stats = Bucket & { latencyMean: number };

export interface StatusOptions {
  rollingCountTimeout?: number;
  rollingCountBuckets?: number;
  rollingPercentilesEnabled?: boolean;
  enableSnapshots?: boolean;
  rotateBucketController?: EventEmitter;
  /** Stats (from `breaker.stats` or `toJSON().status`) to start the newest bucket with. */
  stats?: Partial<Stats>;
  /** Milliseconds now; Date.now by default. */
  clock?: () => number;
  /**
   * Calls of each bucket that are all timed before timing turns to a sample (see
   * LatencySampler). Default 1000; Infinity times every call.
   */
  timedCallsPerBucket?: number;
}

const ROTATE_EVENT = 'rotate';
export const DEFAULT_TIMED_CALLS_PER_BUCKET = 1000;

/**
 * The rolling statistics of a breaker, with opossum's `Status` API: `stats` totals the
 * last `rollingCountBuckets` buckets of `rollingCountTimeout / rollingCountBuckets` ms
 * each. Running totals are kept as calls come in, so reading a count is O(1) and the
 * breaker's decision never re-sums the window; only `stats` (percentiles) merges the
 * bucket histograms.
 */
export class Status extends EventEmitter {
  readonly rollingPercentilesEnabled: boolean;
  readonly enableSnapshots: boolean;
  readonly rotateBucketController: EventEmitter | undefined;

  readonly #buckets: number;
  readonly #bucketMs: number;
  readonly #clock: () => number;
  readonly #rolling: RollingClock | undefined;
  /** Counters of every bucket, bucket-major; `#current` is the newest bucket. */
  readonly #counts: Float64Array;
  readonly #totals = new Float64Array(FIELDS);
  readonly #latencySum: Float64Array;
  readonly #latencyCount: Float64Array;
  readonly #histograms: (Uint32Array | undefined)[];
  readonly #open: boolean[];
  readonly #sampler: LatencySampler;
  /** Set while sampling: fires when the bucket ends, so a lull after a burst is timed again. */
  #sampleUntil: Timer | undefined;
  #current = 0;
  #snapshotTimer: Timer | undefined;
  #isShutdown = false;

  constructor(options: StatusOptions = {}) {
    super();
    this.#buckets = options.rollingCountBuckets || 10;
    const timeout = options.rollingCountTimeout || 10_000;
    this.#bucketMs = Math.max(1, Math.floor(timeout / this.#buckets));
    this.rollingPercentilesEnabled = options.rollingPercentilesEnabled !== false;
    this.enableSnapshots = options.enableSnapshots !== false;
    this.rotateBucketController = options.rotateBucketController;
    // Looked up per call, so fake timers that replace Date are honoured.
    this.#clock = options.clock ?? wallClock.now;
    this.#counts = new Float64Array(FIELDS * this.#buckets);
    this.#latencySum = new Float64Array(this.#buckets);
    this.#latencyCount = new Float64Array(this.#buckets);
    this.#histograms = new Array(this.#buckets).fill(undefined);
    this.#open = new Array(this.#buckets).fill(false);
    this.#sampler = new LatencySampler(
      options.timedCallsPerBucket ?? DEFAULT_TIMED_CALLS_PER_BUCKET,
    );
    if (this.rotateBucketController) this.startListeneningForRotateEvent();
    else this.#rolling = new RollingClock(this.#bucketMs, this.#buckets, this.#clock());
    if (options.stats) this.#seed(options.stats);
    // The snapshot interval runs only while someone listens: an idle breaker costs no timer.
    this.on('newListener', (event) => {
      if (
        event === 'snapshot' &&
        this.enableSnapshots &&
        !this.#snapshotTimer &&
        !this.#isShutdown
      ) {
        this.#snapshotTimer = backgroundRepeat(() => this.#emitSnapshot(), this.#bucketMs);
      }
    });
  }

  /** Adds one to `property` in the newest bucket; successes, failures and timeouts also record a latency. */
  increment(property: Counter, latencyMs?: number): void {
    const field = COUNTER_INDEX[property];
    if (field === undefined) return;
    this.count(field, this.#clock(), latencyMs ?? 0);
  }

  /**
   * The breaker's fast path: adds one to counter number `field` (see FIELD) at `now`,
   * the time the caller already read, recording `latencyMs` for outcomes with `weight`
   * (the calls it stands for; 0 when the call was not timed).
   */
  count(field: number, now: number, latencyMs = 0, weight = 1): void {
    if (this.#rolling) {
      const due = this.#rolling.rotationsDue(now);
      for (let i = 0; i < due; i++) this.rotateBucket();
    }
    (this.#counts[this.#current * FIELDS + field] as number)++;
    (this.#totals[field] as number)++;
    if (
      weight > 0 &&
      (field === FIELD.successes || field === FIELD.failures || field === FIELD.timeouts)
    ) {
      this.recordLatency(latencyMs, weight);
    }
  }

  /**
   * Asked before each call that could go untimed: 0 means do not time it (count it at
   * the last time read), otherwise the weight its latency carries. Counts stay exact;
   * only which calls are timed is sampled.
   */
  sampleCall(): number {
    const weight = this.#sampler.next();
    if (weight > 1 && this.#sampleUntil === undefined && this.#rolling) {
      // Untimed calls do not read the clock, so nothing would notice the bucket ending
      // if traffic then fell quiet: a timer ends sampling when the bucket does.
      const delay = Math.max(1, this.#rolling.nextRotationAt - this.#clock());
      this.#sampleUntil = backgroundTimer(() => {
        this.#sampleUntil = undefined;
        this.#sampler.reset();
      }, delay);
    }
    return weight;
  }

  /** Count of counter number `field` over the window, O(1). */
  totalOf(field: number): number {
    this.#roll();
    return this.#totals[field] as number;
  }

  /** Records a latency standing for `weight` calls (1 unless it was sampled). */
  recordLatency(latencyMs: number, weight = 1): void {
    if (!this.rollingPercentilesEnabled) return;
    const b = this.#current;
    (this.#latencySum[b] as number) += latencyMs * weight;
    (this.#latencyCount[b] as number) += weight;
    let histogram = this.#histograms[b];
    if (!histogram) this.#histograms[b] = histogram = new Uint32Array(BIN_COUNT);
    (histogram[binOf(latencyMs)] as number) += weight;
  }

  /** Marks the newest bucket as one in which the circuit was open. */
  open(): void {
    this.#roll();
    this.#open[this.#current] = true;
  }

  close(): void {
    this.#roll();
    this.#open[this.#current] = false;
  }

  /** Moves to a fresh bucket, dropping the oldest (what `rotateBucketController` triggers). */
  readonly rotateBucket = (): void => {
    const next = (this.#current + 1) % this.#buckets;
    for (let f = 0; f < FIELDS; f++) {
      const i = next * FIELDS + f;
      (this.#totals[f] as number) -= this.#counts[i] as number;
      this.#counts[i] = 0;
    }
    this.#latencySum[next] = 0;
    this.#latencyCount[next] = 0;
    this.#histograms[next]?.fill(0);
    this.#open[next] = false;
    this.#current = next;
    this.#sampler.reset();
  };

  get stats(): Stats {
    this.#roll();
    const stats = this.#emptyBucket() as Stats;
    for (let f = 0; f < FIELDS; f++) stats[COUNTERS[f] as Counter] = this.#totals[f] as number;
    if (!this.rollingPercentilesEnabled) {
      stats.latencyMean = -1;
      for (const p of PERCENTILES) stats.percentiles[p] = -1;
      return stats;
    }
    let sum = 0;
    let count = 0;
    const merged = new Uint32Array(BIN_COUNT);
    for (let b = 0; b < this.#buckets; b++) {
      sum += this.#latencySum[b] as number;
      count += this.#latencyCount[b] as number;
      const histogram = this.#histograms[b];
      if (histogram)
        for (let i = 0; i < BIN_COUNT; i++) (merged[i] as number) += histogram[i] as number;
    }
    stats.latencyMean = count === 0 ? 0 : sum / count;
    for (const p of PERCENTILES) stats.percentiles[p] = percentileOf(merged, count, p);
    return stats;
  }

  /** The buckets, newest first, as opossum's `status.window`. */
  get window(): Bucket[] {
    this.#roll();
    const window: Bucket[] = [];
    for (let age = 0; age < this.#buckets; age++) {
      const b = (this.#current - age + this.#buckets) % this.#buckets;
      const bucket = this.#emptyBucket();
      for (let f = 0; f < FIELDS; f++) {
        bucket[COUNTERS[f] as Counter] = this.#counts[b * FIELDS + f] as number;
      }
      bucket.isCircuitBreakerOpen = this.#open[b] as boolean;
      window.push(bucket);
    }
    return window;
  }

  shutdown(): void {
    this.#isShutdown = true;
    this.removeAllListeners();
    this.removeRotateBucketControllerListener();
    this.#snapshotTimer?.cancel();
    this.#snapshotTimer = undefined;
    this.#sampleUntil?.cancel();
    this.#sampleUntil = undefined;
  }

  removeRotateBucketControllerListener(): void {
    this.rotateBucketController?.removeListener(ROTATE_EVENT, this.rotateBucket);
  }

  /** Opossum's spelling, kept so code that calls it keeps working. */
  startListeneningForRotateEvent(): void {
    const controller = this.rotateBucketController;
    if (controller && controller.listeners(ROTATE_EVENT).indexOf(this.rotateBucket) === -1) {
      controller.on(ROTATE_EVENT, this.rotateBucket);
    }
  }

  #roll(): void {
    const due = this.#rolling?.rotationsDue(this.#clock()) ?? 0;
    for (let i = 0; i < due; i++) this.rotateBucket();
  }

  #emitSnapshot(): void {
    if (this.listenerCount('snapshot') > 0) this.emit('snapshot', this.stats);
  }

  #emptyBucket(): Bucket {
    const bucket = {} as Bucket;
    for (const name of COUNTERS) bucket[name] = 0;
    bucket.percentiles = {};
    bucket.latencyTimes = [];
    return bucket;
  }

  #seed(stats: Partial<Stats>): void {
    for (let f = 0; f < FIELDS; f++) {
      const value = stats[COUNTERS[f] as Counter];
      if (typeof value === 'number' && Number.isFinite(value) && value > 0) {
        this.#counts[this.#current * FIELDS + f] = value;
        this.#totals[f] = value;
      }
    }
    for (const latency of stats.latencyTimes ?? []) this.recordLatency(latency);
  }
}
