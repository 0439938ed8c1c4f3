import { holdingTimer } from '@bulwark/engine-kit';
import type { RateLimiterLike } from './limiter-abstract.js';
import { RateLimiterQueueError } from './rate-limiter-queue-error.js';

export interface RateLimiterQueueOptions {
  /** Requests waiting per key at most; more are refused. Default 2^32 - 1. */
  maxQueueSize?: number;
}

const MAX_QUEUE_SIZE = 4_294_967_295;
const DEFAULT_KEY = 'limiter';
/**
 * How long to wait before asking again for a key whose record never expires
 * (`msBeforeNext` -1): only `delete`/`reward` can free it. rate-limiter-flexible asks
 * again every millisecond.
 */
const NEVER_EXPIRES_RETRY_MS = 1000;

/**
 * rate-limiter-flexible's RateLimiterQueue: `removeTokens` waits for the limiter to allow,
 * first come first served per key, and resolves with the points left. Same errors
 * (RateLimiterQueueError) and messages, and the same queue bound (see KeyQueue).
 */
export class RateLimiterQueue {
  readonly #limiter: RateLimiterLike;
  readonly #maxQueueSize: number;
  readonly #queues = new Map<string, KeyQueue>();

  constructor(limiterFlexible: RateLimiterLike, opts: RateLimiterQueueOptions = {}) {
    this.#limiter = limiterFlexible;
    this.#maxQueueSize = opts.maxQueueSize !== undefined ? opts.maxQueueSize : MAX_QUEUE_SIZE;
  }

  /** Points the key has left (the limiter's `points` when it has no record or cannot be read). */
  async getTokensRemaining(key: string = DEFAULT_KEY): Promise<number> {
    try {
      const res = await this.#limiter.get(key);
      return res !== null ? res.remainingPoints : (this.#limiter.points as number);
    } catch {
      return this.#limiter.points as number;
    }
  }

  /**
   * Waits until `tokens` can be consumed from `key`, then resolves with the points left.
   * `expiresUnixAt` (Unix seconds, 0: never) gives up on the request at that time.
   */
  removeTokens(tokens: number, key: string = DEFAULT_KEY, expiresUnixAt = 0): Promise<number> {
    let queue = this.#queues.get(key);
    if (queue === undefined) {
      queue = new KeyQueue(this.#limiter, key, this.#maxQueueSize, () => this.#queues.delete(key));
      this.#queues.set(key, queue);
    }
    return queue.removeTokens(tokens, expiresUnixAt);
  }
}

interface Waiter {
  tokens: number;
  expiresUnixAt: number;
  resolve(remaining: number): void;
  reject(error: unknown): void;
}

/**
 * One key's requests. As in rate-limiter-flexible, a request that finds no one waiting is
 * tried at once (requests arriving together are tried together), and one that is refused
 * waits in the queue, which is what `maxQueueSize` bounds; one timer at a time retries the
 * head. Unlike there, a key's queue is dropped once it is idle (there, every key used
 * keeps one for the life of the process).
 */
class KeyQueue {
  /** Refused requests, in arrival order. */
  readonly #waiting: Waiter[] = [];
  /** Consumes in flight: first tries, and the head's retry. */
  #inFlight = 0;
  #timerArmed = false;

  constructor(
    private readonly limiter: RateLimiterLike,
    private readonly key: string,
    private readonly maxQueueSize: number,
    private readonly onIdle: () => void,
  ) {}

  removeTokens(tokens: number, expiresUnixAt: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const points = this.limiter.points as number;
      if (tokens > points) {
        reject(
          new RateLimiterQueueError(
            `Requested tokens ${tokens} exceeds maximum ${points} tokens per interval`,
          ),
        );
        return;
      }
      const waiter = { tokens, expiresUnixAt, resolve, reject };
      if (this.#waiting.length > 0) {
        this.#enqueue(waiter);
        return;
      }
      this.#inFlight++;
      this.limiter.consume(this.key, tokens).then(
        (res) => {
          this.#inFlight--;
          resolve(res.remainingPoints);
          this.#idleCheck();
        },
        (refusal: unknown) => {
          this.#inFlight--;
          if (refusal instanceof Error) {
            reject(refusal);
            this.#idleCheck();
            return;
          }
          this.#enqueue(waiter);
          this.#retryAfter((refusal as { msBeforeNext: number }).msBeforeNext);
        },
      );
    });
  }

  #enqueue(waiter: Waiter): void {
    if (this.#waiting.length >= this.maxQueueSize) {
      waiter.reject(
        new RateLimiterQueueError(`Number of requests reached it's maximum ${this.maxQueueSize}`),
      );
      this.#idleCheck();
      return;
    }
    this.#waiting.push(waiter);
  }

  #retryAfter(ms: number): void {
    if (this.#timerArmed || this.#waiting.length === 0) return;
    this.#timerArmed = true;
    holdingTimer(
      () => {
        this.#timerArmed = false;
        this.#retryHead();
      },
      ms < 0 ? NEVER_EXPIRES_RETRY_MS : ms,
    );
  }

  /** Retries the head of the queue; on success, the next one at once. */
  #retryHead(): void {
    this.#dropExpired();
    const head = this.#waiting.shift();
    if (head === undefined) {
      this.#idleCheck();
      return;
    }
    this.#inFlight++;
    this.limiter.consume(this.key, head.tokens).then(
      (res) => {
        this.#inFlight--;
        head.resolve(res.remainingPoints);
        this.#retryHead();
      },
      (refusal: unknown) => {
        this.#inFlight--;
        if (refusal instanceof Error) {
          head.reject(refusal);
          this.#retryHead();
          return;
        }
        this.#waiting.unshift(head);
        this.#retryAfter((refusal as { msBeforeNext: number }).msBeforeNext);
      },
    );
  }

  /** Refuses, in arrival order, the requests whose `expiresUnixAt` has come. */
  #dropExpired(): void {
    const nowSeconds = Math.floor(Date.now() / 1000);
    const expired = this.#waiting.filter(
      (w) => w.expiresUnixAt > 0 && nowSeconds >= w.expiresUnixAt,
    );
    for (const waiter of expired) {
      this.#waiting.splice(this.#waiting.indexOf(waiter), 1);
      waiter.reject(
        new RateLimiterQueueError(
          'The request to remove tokens expired before it could be fulfilled',
        ),
      );
    }
  }

  /** Nothing waiting, armed or in flight: the key's queue can go. */
  #idleCheck(): void {
    if (this.#waiting.length === 0 && this.#inFlight === 0 && !this.#timerArmed) {
      this.onIdle();
    }
  }
}
