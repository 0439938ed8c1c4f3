/**
 * Timers with the two lifetimes a library needs, and no 2^31 ms limit.
 *
 * - `holdingTimer`: settles a promise someone awaits (a call's timeout, an acquire
 *   timeout). It keeps the process alive, as the I/O it stands for would: a program whose
 *   only work is a call with a timeout must see that timeout fire, not exit early.
 * - `backgroundTimer`: housekeeping (sweeps, bucket rotation, reset and health-check
 *   timers, retries). It is unref'd: a primitive never keeps an idle process alive.
 *
 * Node clamps any delay of 2^31 ms (about 24.8 days) or more to 1 ms, so a 30-day
 * `resetTimeout` would fire at once. These timers wait such delays out in steps.
 */

/** The longest delay `setTimeout` honours. */
export const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

export interface Timer {
  /** Stops the timer; calling it again, or after it fired, does nothing. */
  cancel(): void;
  /** Whether it is still waiting (not fired, not cancelled). */
  readonly pending: boolean;
}

export function holdingTimer(callback: () => void, delayMs: number): Timer {
  return new SteppedTimer(callback, delayMs, true);
}

export function backgroundTimer(callback: () => void, delayMs: number): Timer {
  return new SteppedTimer(callback, delayMs, false);
}

/**
 * `callback` every `everyMs`, unref'd, until cancelled. The next run is armed after the
 * callback returns, so a slow callback never piles runs up.
 */
export function backgroundRepeat(callback: () => void, everyMs: number): Timer {
  let current: Timer | undefined;
  let stopped = false;
  const arm = (): void => {
    current = backgroundTimer(() => {
      if (stopped) return;
      try {
        callback();
      } finally {
        if (!stopped) arm();
      }
    }, everyMs);
  };
  arm();
  return {
    cancel() {
      stopped = true;
      current?.cancel();
    },
    get pending() {
      return !stopped;
    },
  };
}

class SteppedTimer implements Timer {
  #handle: NodeJS.Timeout | undefined;
  #remainingMs: number;
  readonly #callback: () => void;
  readonly #holds: boolean;

  constructor(callback: () => void, delayMs: number, holds: boolean) {
    if (typeof delayMs !== 'number' || Number.isNaN(delayMs)) {
      throw new TypeError(`timer delay must be a number of ms; got ${String(delayMs)}`);
    }
    this.#callback = callback;
    this.#holds = holds;
    this.#remainingMs = Math.max(0, delayMs);
    this.#arm();
  }

  get pending(): boolean {
    return this.#handle !== undefined;
  }

  cancel(): void {
    if (this.#handle) clearTimeout(this.#handle);
    this.#handle = undefined;
  }

  #arm(): void {
    // Infinity never fires; it still holds (or not) like any other wait.
    const step = Math.min(this.#remainingMs, MAX_TIMER_DELAY_MS);
    this.#remainingMs -= step;
    this.#handle = setTimeout(() => {
      if (this.#remainingMs > 0) {
        this.#arm();
        return;
      }
      this.#handle = undefined;
      this.#callback();
    }, step);
    if (!this.#holds) this.#handle.unref();
  }
}

/**
 * Resolves after `ms` (any length), holding the process meanwhile: the wait of a caller
 * who awaits it. Rejects with the signal's reason when `signal` aborts first.
 */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => {
      timer.cancel();
      reject(signal?.reason);
    };
    const timer = holdingTimer(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
