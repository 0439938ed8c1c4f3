/** The four numbers a rate-limiter-flexible answer carries, as plain data. */
export interface RateLimiterResFields {
  remainingPoints: number;
  msBeforeNext: number;
  consumedPoints: number;
  isFirstInDuration: boolean;
}

/**
 * rate-limiter-flexible's answer: what `consume` resolves with, and rejects with when the
 * key is over its points. Same fields, defaults (0, 0, 0, false), `toString` (JSON) and
 * `toJSON`, so code that logs or serialises it sees what it saw before.
 */
export class RateLimiterRes implements RateLimiterResFields {
  /** Points left in the current duration (never below 0). */
  remainingPoints: number;
  /** ms until the key's record expires (-1: it never does); on refusal, until a retry can pass. */
  msBeforeNext: number;
  /** Points counted in the current duration, refused ones included. */
  consumedPoints: number;
  #isFirstInDuration: boolean;

  constructor(
    remainingPoints?: number,
    msBeforeNext?: number,
    consumedPoints?: number,
    isFirstInDuration?: boolean,
  ) {
    this.remainingPoints = remainingPoints === undefined ? 0 : remainingPoints;
    this.msBeforeNext = msBeforeNext === undefined ? 0 : msBeforeNext;
    this.consumedPoints = consumedPoints === undefined ? 0 : consumedPoints;
    this.#isFirstInDuration = Boolean(isFirstInDuration);
  }

  /** Whether this call started the key's duration. Set to anything: kept as a boolean. */
  get isFirstInDuration(): boolean {
    return this.#isFirstInDuration;
  }

  set isFirstInDuration(value: boolean) {
    this.#isFirstInDuration = Boolean(value);
  }

  toJSON(): RateLimiterResFields {
    return {
      remainingPoints: this.remainingPoints,
      msBeforeNext: this.msBeforeNext,
      consumedPoints: this.consumedPoints,
      isFirstInDuration: this.#isFirstInDuration,
    };
  }

  toString(): string {
    return JSON.stringify(this.toJSON());
  }

  /** What `console.log` and `util.inspect` show: the four fields. */
  [Symbol.for('nodejs.util.inspect.custom')](): RateLimiterResFields {
    return this.toJSON();
  }
}
