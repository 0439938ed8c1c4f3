import { holdingTimer, type Timer } from '@bulwark/engine-kit';
import { RateLimitWaitTimeoutError } from './errors.js';
import type { RateLimitResult } from './result.js';

interface Waiter {
  cost: number;
  /** When this waiter gives up (ms, the limiter's clock); Infinity for never. */
  giveUpAt: number;
  maxWaitMs: number;
  resolve(result: RateLimitResult): void;
  reject(error: unknown): void;
  detach(): void;
}

/** How a queue reaches the limiter: one consume of one key, and the clock. */
export interface Consumer {
  consume(key: string, cost: number): Promise<RateLimitResult>;
  refund(key: string, cost: number): Promise<void>;
  now(): number;
}

/**
 * Callers waiting for one key, served first come first served: only the head of a key's
 * queue tries to consume, and the others wait behind it, so a large cost is not starved
 * by a stream of small ones (bottleneck's queue; the seeds' `async with limiter`). One
 * timer per waiting key, none per waiter.
 */
export class WaitQueues {
  readonly #queues = new Map<string, Waiter[]>();
  /** Per key, the wait until its head may fit: it holds the process (a caller awaits it). */
  readonly #timers = new Map<string, Timer>();
  readonly #consumer: Consumer;

  constructor(consumer: Consumer) {
    this.#consumer = consumer;
  }

  /** Callers waiting now, over every key. */
  get waiting(): number {
    let n = 0;
    for (const queue of this.#queues.values()) n += queue.length;
    return n;
  }

  wait(
    key: string,
    cost: number,
    maxWaitMs: number,
    signal?: AbortSignal,
  ): Promise<RateLimitResult> {
    signal?.throwIfAborted();
    return new Promise<RateLimitResult>((resolve, reject) => {
      const onAbort = () => {
        this.#remove(key, waiter);
        reject(signal?.reason);
      };
      const waiter: Waiter = {
        cost,
        giveUpAt: this.#consumer.now() + maxWaitMs,
        maxWaitMs,
        resolve,
        reject,
        detach: () => signal?.removeEventListener('abort', onAbort),
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const queue = this.#queues.get(key);
      if (queue) {
        queue.push(waiter);
        return;
      }
      this.#queues.set(key, [waiter]);
      void this.#serve(key);
    });
  }

  /** Units of `key` came back (a refund): its head may fit now, before its timer says. */
  nudge(key: string): void {
    const timer = this.#timers.get(key);
    if (timer === undefined) return;
    timer?.cancel();
    void this.#serve(key);
  }

  /** Rejects every waiter, e.g. when the limiter closes. */
  rejectAll(error: Error): void {
    for (const timer of this.#timers.values()) timer.cancel();
    this.#timers.clear();
    for (const queue of this.#queues.values()) {
      for (const waiter of queue) {
        waiter.detach();
        waiter.reject(error);
      }
    }
    this.#queues.clear();
  }

  /** Admits heads of `key`'s queue for as long as they fit, then sleeps until the next could. */
  async #serve(key: string): Promise<void> {
    this.#timers.delete(key);
    for (;;) {
      const queue = this.#queues.get(key);
      const head = queue?.[0];
      if (!queue || !head) {
        this.#queues.delete(key);
        return;
      }
      let result: RateLimitResult;
      try {
        result = await this.#consumer.consume(key, head.cost);
      } catch (error) {
        queue.shift();
        head.detach();
        head.reject(error);
        continue;
      }
      if (queue[0] !== head) {
        // Aborted while consuming: what it was given goes back.
        if (result.allowed) await this.#consumer.refund(key, head.cost).catch(() => {});
        continue;
      }
      if (result.allowed) {
        queue.shift();
        head.detach();
        head.resolve(result);
        continue;
      }
      const wakeAt = this.#consumer.now() + result.retryAfterMs;
      if (wakeAt > head.giveUpAt) {
        queue.shift();
        head.detach();
        head.reject(new RateLimitWaitTimeoutError(key, head.maxWaitMs, result.retryAfterMs));
        continue;
      }
      this.#timers.set(
        key,
        // Any wait works, a 30-day block included: a bare setTimeout past 2^31 ms would
        // fire after 1 ms and ask the store again ~1,000 times a second.
        holdingTimer(() => void this.#serve(key), Math.max(1, result.retryAfterMs)),
      );
      return;
    }
  }

  #remove(key: string, waiter: Waiter): void {
    const queue = this.#queues.get(key);
    if (!queue) return;
    const index = queue.indexOf(waiter);
    if (index < 0) return;
    queue.splice(index, 1);
    // The head left: the next one may fit now.
    if (index === 0 && this.#timers.has(key)) {
      this.#timers.get(key)?.cancel();
      void this.#serve(key);
    }
  }
}
