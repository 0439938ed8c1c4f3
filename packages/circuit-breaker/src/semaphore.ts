import { holdingTimer, type Timer } from '@bulwark/engine-kit';

/**
 * `capacity`'s slots, as opossum exposes them on `breaker.semaphore`: `count` free slots
 * (read-only), `test()` takes one if free, `release()` gives one back (to the longest
 * waiter first), `take(timeoutMs)` waits for one. The breaker takes a slot for each call
 * it runs and gives it back when the call settles.
 */
export class Semaphore {
  #count: number;
  readonly #waiters: { granted(): void; timer: Timer | undefined }[] = [];

  constructor(capacity: number) {
    this.#count = capacity;
  }

  /** Free slots. */
  get count(): number {
    return this.#count;
  }

  /** Takes a slot if one is free; whether it did. */
  test(): boolean {
    if (this.#count <= 0) return false;
    this.#count--;
    return true;
  }

  /** A slot back: to the longest waiter, else free. */
  release(): void {
    const next = this.#waiters.shift();
    if (next === undefined) {
      this.#count++;
      return;
    }
    next.timer?.cancel();
    next.granted();
  }

  /**
   * Resolves with a slot once one is free; with `timeoutMs`, rejects after that long with
   * opossum's error (`Timed out after <timeoutMs>ms`, code ETIMEDOUT).
   */
  take(timeoutMs?: number): Promise<void> {
    if (this.test()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter = { granted: () => resolve(), timer: undefined as Timer | undefined };
      if (timeoutMs !== undefined && timeoutMs > 0) {
        waiter.timer = holdingTimer(() => {
          this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
          const error = new Error(`Timed out after ${timeoutMs}ms`);
          (error as { code?: string }).code = 'ETIMEDOUT';
          reject(error);
        }, timeoutMs);
      }
      this.#waiters.push(waiter);
    });
  }
}
