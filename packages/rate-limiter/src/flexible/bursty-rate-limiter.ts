import { type ConsumeOptions, isRefusal, type RateLimiterLike } from './limiter-abstract.js';
import { RateLimiterRes, type RateLimiterResFields } from './rate-limiter-res.js';

/**
 * rate-limiter-flexible's BurstyRateLimiter: a steady limiter, and a burst limiter that
 * may allow what the steady one refuses. Answers carry the steady limiter's points, and
 * the nearer of the two `msBeforeNext` (the burst limiter's points are not shown).
 */
export class BurstyRateLimiter {
  readonly #rateLimiter: RateLimiterLike;
  readonly #burstLimiter: RateLimiterLike;

  constructor(rateLimiter: RateLimiterLike, burstLimiter: RateLimiterLike) {
    this.#rateLimiter = rateLimiter;
    this.#burstLimiter = burstLimiter;
  }

  /** The steady limiter's points. */
  get points(): number | undefined {
    return this.#rateLimiter.points;
  }

  /** The steady limiter's answer when it allows; else the burst limiter decides. */
  async consume(
    key: string | number,
    pointsToConsume = 1,
    options: ConsumeOptions = {},
  ): Promise<RateLimiterResFields> {
    let steady: RateLimiterResFields;
    try {
      return await this.#rateLimiter.consume(key, pointsToConsume, options);
    } catch (refusal) {
      if (!isRefusal(refusal)) throw refusal;
      steady = refusal;
    }
    let burst: RateLimiterResFields;
    try {
      burst = await this.#burstLimiter.consume(key, pointsToConsume, options);
    } catch (refusal) {
      if (!isRefusal(refusal)) throw refusal;
      throw combine(steady, refusal);
    }
    return combine(steady, burst) as RateLimiterRes;
  }

  /** The steady limiter's record with the nearer `msBeforeNext`; null when it has none. */
  async get(key: string | number): Promise<RateLimiterRes | null> {
    const [steady, burst] = await Promise.all([
      this.#rateLimiter.get(key),
      this.#burstLimiter.get(key),
    ]);
    return combine(steady, burst);
  }
}

function combine(
  steady: RateLimiterResFields | null,
  burst: RateLimiterResFields | null,
): RateLimiterRes | null {
  if (!steady) return null;
  return new RateLimiterRes(
    steady.remainingPoints,
    Math.min(steady.msBeforeNext, burst ? burst.msBeforeNext : 0),
    steady.consumedPoints,
    steady.isFirstInDuration,
  );
}
