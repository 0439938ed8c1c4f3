import { describeValue, warnUnknownOptions } from '@bulwark/engine-kit';
import type { RateLimiterRes, RateLimiterResFields } from './rate-limiter-res.js';

/** rate-limiter-flexible's options common to every limiter. Durations are in seconds. */
export interface IRateLimiterOptions {
  /** Points a key may consume per `duration`. Any finite number (0 and negatives refuse every consume). */
  points: number;
  /** Seconds a key's count lives, from its first consume. 0: forever. */
  duration: number;
  /** Seconds to keep a key refused once it first goes over `points`. Default 0: no block. */
  blockDuration?: number;
  /** Delay allowed consumes so that they spread over the duration. Default false. */
  execEvenly?: boolean;
  /** The least delay with `execEvenly`. Default: `duration * 1000 / points`, rounded up. */
  execEvenlyMinDelayMs?: number;
  /** Put before every key, with a `:`. Default `rlflx`; `''` for none. */
  keyPrefix?: string;
  /** A limiter that answers while the store fails (store limiters only). */
  insuranceLimiter?: RateLimiterLike;
}

/** Per-call options: `customDuration` (seconds) for a key that starts its duration now. */
export interface ConsumeOptions {
  customDuration?: number;
  [name: string]: unknown;
}

/**
 * What a limiter must have to be a union member, insurance or the heart of a queue: ours,
 * or rate-limiter-flexible's own (its answers are read by their fields, never by class).
 */
export interface RateLimiterLike {
  keyPrefix: string;
  points?: number;
  blockDuration: number;
  execEvenly: boolean;
  consume(
    key: string | number,
    points?: number,
    options?: ConsumeOptions,
  ): Promise<RateLimiterResFields>;
  penalty(
    key: string | number,
    points?: number,
    options?: ConsumeOptions,
  ): Promise<RateLimiterResFields>;
  reward(
    key: string | number,
    points?: number,
    options?: ConsumeOptions,
  ): Promise<RateLimiterResFields>;
  get(key: string | number, options?: ConsumeOptions): Promise<RateLimiterResFields | null>;
  set(
    key: string | number,
    points: number,
    secDuration: number,
    options?: ConsumeOptions,
  ): Promise<RateLimiterResFields>;
  block(
    key: string | number,
    secDuration: number,
    options?: ConsumeOptions,
  ): Promise<RateLimiterResFields>;
  delete(key: string | number, options?: ConsumeOptions): Promise<boolean>;
}

/**
 * A refusal, as opposed to a failure: limiters reject with an answer (ours or
 * rate-limiter-flexible's RateLimiterRes) when over their points, with an Error otherwise.
 */
export function isRefusal(value: unknown): value is RateLimiterResFields {
  return (
    typeof value === 'object' &&
    value !== null &&
    !(value instanceof Error) &&
    typeof (value as RateLimiterResFields).msBeforeNext === 'number'
  );
}

const DEFAULT_KEY_PREFIX = 'rlflx';

/** The warning code for option names rate-limiter-flexible has and we do not know. */
export const UNKNOWN_OPTION_CODE = 'BULWARK_UNKNOWN_OPTION';

export const COMMON_OPTIONS = [
  'points',
  'duration',
  'blockDuration',
  'execEvenly',
  'execEvenlyMinDelayMs',
  'keyPrefix',
  'insuranceLimiter',
];

/**
 * Options and keys as rate-limiter-flexible has them: the same setters, defaults and error
 * messages (`points must be set and must be a finite number`), readable and writable after
 * construction. Where rate-limiter-flexible takes any value silently (`blockDuration:
 * 'x'`), we refuse with an error naming the option.
 */
export abstract class RateLimiterAbstract implements RateLimiterLike {
  #points = 0;
  #duration = 0;
  #blockDuration = 0;
  #execEvenly = false;
  #execEvenlyMinDelayMs: number | undefined;
  #keyPrefix = DEFAULT_KEY_PREFIX;

  constructor(opts: IRateLimiterOptions, who: string, known: readonly string[]) {
    const options = (opts ?? {}) as Partial<IRateLimiterOptions>;
    warnUnknownOptions(who, options, known, UNKNOWN_OPTION_CODE);
    this.points = options.points as number;
    this.duration = options.duration as number;
    this.blockDuration = options.blockDuration as number;
    this.execEvenly = options.execEvenly as boolean;
    this.execEvenlyMinDelayMs = options.execEvenlyMinDelayMs as number;
    this.keyPrefix = options.keyPrefix as string;
  }

  get points(): number {
    return this.#points;
  }

  set points(value: number) {
    if (!Number.isFinite(value)) throw new Error('points must be set and must be a finite number');
    this.#points = value;
  }

  get duration(): number {
    return this.#duration;
  }

  set duration(value: number) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new Error('duration must be set and must be a finite, non-negative number');
    }
    this.#duration = value;
  }

  get msDuration(): number {
    return this.#duration * 1000;
  }

  get blockDuration(): number {
    return this.#blockDuration;
  }

  set blockDuration(value: number) {
    this.#blockDuration = seconds('blockDuration', value);
  }

  get msBlockDuration(): number {
    return this.#blockDuration * 1000;
  }

  get execEvenly(): boolean {
    return this.#execEvenly;
  }

  set execEvenly(value: boolean) {
    this.#execEvenly = Boolean(value);
  }

  get execEvenlyMinDelayMs(): number {
    if (this.#execEvenlyMinDelayMs !== undefined) return this.#execEvenlyMinDelayMs;
    return this.#points > 0 ? Math.ceil(this.msDuration / this.#points) : 0;
  }

  set execEvenlyMinDelayMs(value: number) {
    if (value !== undefined && (typeof value !== 'number' || !(value >= 0))) {
      throw new TypeError(
        `execEvenlyMinDelayMs must be a non-negative number of ms; got ${describeValue(value)}`,
      );
    }
    this.#execEvenlyMinDelayMs = value;
  }

  get keyPrefix(): string {
    return this.#keyPrefix;
  }

  set keyPrefix(value: string) {
    if (value === undefined) value = DEFAULT_KEY_PREFIX;
    if (typeof value !== 'string') throw new Error('keyPrefix must be string');
    this.#keyPrefix = value;
  }

  /** The stored key: `keyPrefix:key`, or `key` when the prefix is empty. */
  getKey(key: string | number): string {
    return this.#keyPrefix.length > 0 ? `${this.#keyPrefix}:${key}` : String(key);
  }

  /** The user's key back from a stored one. */
  parseKey(rlKey: string): string {
    return this.#keyPrefix.length > 0 ? rlKey.substring(this.#keyPrefix.length + 1) : rlKey;
  }

  /** Seconds a key starting now lives: `options.customDuration` when it is ≥ 0. */
  protected durationOf(options: ConsumeOptions | undefined): number {
    const custom = options?.customDuration;
    return typeof custom === 'number' && custom >= 0 ? custom : this.#duration;
  }

  /**
   * With `execEvenly`, how long an allowed consume waits before it resolves, or 0. The
   * delay spreads the points left over the time left (`msBeforeNext / (remaining + 2)`),
   * and is never below `execEvenlyMinDelayMs` times the points consumed so far.
   */
  protected evenDelayMs(res: RateLimiterRes): number {
    if (!this.#execEvenly || this.#points <= 0 || res.msBeforeNext <= 0 || res.isFirstInDuration) {
      return 0;
    }
    const delay = Math.ceil(res.msBeforeNext / (res.remainingPoints + 2));
    const least = this.execEvenlyMinDelayMs;
    return delay < least ? res.consumedPoints * least : delay;
  }

  abstract consume(
    key: string | number,
    points?: number,
    options?: ConsumeOptions,
  ): Promise<RateLimiterRes>;
  abstract penalty(
    key: string | number,
    points?: number,
    options?: ConsumeOptions,
  ): Promise<RateLimiterRes>;
  abstract reward(
    key: string | number,
    points?: number,
    options?: ConsumeOptions,
  ): Promise<RateLimiterRes>;
  abstract get(key: string | number, options?: ConsumeOptions): Promise<RateLimiterRes | null>;
  abstract set(
    key: string | number,
    points: number,
    secDuration: number,
    options?: ConsumeOptions,
  ): Promise<RateLimiterRes>;
  abstract block(
    key: string | number,
    secDuration: number,
    options?: ConsumeOptions,
  ): Promise<RateLimiterRes>;
  abstract delete(key: string | number, options?: ConsumeOptions): Promise<boolean>;
}

/**
 * For limiters of your own that a union, a queue or `insuranceLimiter` should accept: the
 * same role as rate-limiter-flexible's class of this name.
 */
export abstract class RateLimiterCompatibleAbstract implements RateLimiterLike {
  abstract keyPrefix: string;
  abstract blockDuration: number;
  abstract execEvenly: boolean;
  abstract consume(
    key: string | number,
    points?: number,
    options?: ConsumeOptions,
  ): Promise<RateLimiterRes>;
  abstract penalty(
    key: string | number,
    points?: number,
    options?: ConsumeOptions,
  ): Promise<RateLimiterRes>;
  abstract reward(
    key: string | number,
    points?: number,
    options?: ConsumeOptions,
  ): Promise<RateLimiterRes>;
  abstract get(key: string | number, options?: ConsumeOptions): Promise<RateLimiterRes | null>;
  abstract set(
    key: string | number,
    points: number,
    secDuration: number,
    options?: ConsumeOptions,
  ): Promise<RateLimiterRes>;
  abstract block(
    key: string | number,
    secDuration: number,
    options?: ConsumeOptions,
  ): Promise<RateLimiterRes>;
  abstract delete(key: string | number, options?: ConsumeOptions): Promise<boolean>;
}

const LIMITER_METHODS = ['consume', 'penalty', 'reward', 'get', 'set', 'block', 'delete'] as const;

/**
 * Ours, a subclass of RateLimiterCompatibleAbstract, or any object with the seven methods
 * (a rate-limiter-flexible limiter, during a gradual switch).
 */
export function isRateLimiterCompatible(value: unknown): value is RateLimiterLike {
  if (value instanceof RateLimiterAbstract || value instanceof RateLimiterCompatibleAbstract) {
    return true;
  }
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return LIMITER_METHODS.every((name) => typeof candidate[name] === 'function');
}

/** A duration in seconds; undefined is 0. Numeric strings (from the environment) are taken. */
function seconds(name: string, value: unknown): number {
  if (value === undefined) return 0;
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !(n >= 0)) {
    throw new TypeError(
      `${name} must be a non-negative number of seconds; got ${describeValue(value)}`,
    );
  }
  return n;
}
