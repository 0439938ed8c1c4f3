import { isRateLimiterCompatible, type RateLimiterLike } from './limiter-abstract.js';
import type { RateLimiterResFields } from './rate-limiter-res.js';

/** Answers of a union, by each limiter's `keyPrefix`. */
export type UnionResult = Record<string, RateLimiterResFields>;

/**
 * rate-limiter-flexible's RateLimiterUnion: consumes from every limiter at once; resolves
 * with every answer by `keyPrefix`, or rejects with the refusals only. As there, points
 * consumed from the limiters that allowed are kept when another refused (`allLimits` is
 * the union that gives them back), and limiters need distinct prefixes to be told apart.
 */
export class RateLimiterUnion {
  readonly #limiters: RateLimiterLike[];

  constructor(...limiters: RateLimiterLike[]) {
    if (limiters.length < 1) {
      throw new Error('RateLimiterUnion: at least one limiter have to be passed');
    }
    for (const limiter of limiters) {
      if (!isRateLimiterCompatible(limiter)) {
        throw new Error(
          'RateLimiterUnion: all limiters have to be instance of RateLimiterAbstract or RateLimiterCompatibleAbstract',
        );
      }
    }
    this.#limiters = limiters;
  }

  async consume(key: string | number, points = 1): Promise<UnionResult> {
    const answers = await Promise.all(
      this.#limiters.map((limiter) =>
        limiter.consume(key, points).then(
          (res) => ({ refused: false, res }),
          (res: RateLimiterResFields) => ({ refused: true, res }),
        ),
      ),
    );
    const refused = answers.some((answer) => answer.refused);
    const byPrefix: UnionResult = {};
    answers.forEach((answer, i) => {
      if (answer.refused === refused)
        byPrefix[(this.#limiters[i] as RateLimiterLike).keyPrefix] = answer.res;
    });
    if (refused) throw byPrefix;
    return byPrefix;
  }
}
