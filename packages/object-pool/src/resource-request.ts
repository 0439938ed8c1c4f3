import { holdingTimer, type Timer } from '@bulwark/engine-kit';
import { TimeoutError } from './errors.js';

/**
 * One `acquire` waiting for a resource. It settles once: with a resource, or with the
 * timeout's `TimeoutError`, or with the caller's abort reason. The timeout timer keeps
 * the process alive while the caller waits, as generic-pool's does: a program waiting
 * only on an acquire gets its answer.
 */
export class ResourceRequest<T> {
  readonly promise: Promise<T>;
  #resolve!: (resource: T) => void;
  #reject!: (error: unknown) => void;
  #timer: Timer | undefined;
  #signal: AbortSignal | undefined;
  #settled = false;
  /** Called when the request gives up (timeout or abort), to leave the queue at once. */
  onGiveUp: (() => void) | undefined;

  constructor(timeoutMillis: number | undefined, signal: AbortSignal | undefined) {
    this.promise = new Promise<T>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    if (timeoutMillis !== undefined) {
      this.#timer = holdingTimer(() => this.#giveUp(new TimeoutError()), timeoutMillis);
    }
    if (signal) {
      if (signal.aborted) queueMicrotask(() => this.#giveUp(signal.reason));
      else {
        this.#signal = signal;
        signal.addEventListener('abort', this.#onAbort, { once: true });
      }
    }
  }

  readonly #onAbort = (): void => this.#giveUp(this.#signal?.reason);

  get pending(): boolean {
    return !this.#settled;
  }

  resolve(resource: T): void {
    if (this.#settle()) this.#resolve(resource);
  }

  reject(error: unknown): void {
    if (this.#settle()) this.#reject(error);
  }

  #giveUp(error: unknown): void {
    if (!this.#settle()) return;
    this.onGiveUp?.();
    this.#reject(error);
  }

  #settle(): boolean {
    if (this.#settled) return false;
    this.#settled = true;
    this.#timer?.cancel();
    // A long-lived signal (one per request handler, say) must not keep every settled
    // request reachable through its listener list.
    this.#signal?.removeEventListener('abort', this.#onAbort);
    return true;
  }
}
