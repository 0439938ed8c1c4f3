/** A call waiting for its deadline. */
export interface Deadline {
  deadline: number;
  /** Set when the call settled first; the queue then skips it. */
  settled: boolean;
  next: Deadline | undefined;
  expire(): void;
}

/**
 * Timeouts for one breaker with one timer. Opossum arms a `setTimeout` per call and
 * clears it on success, about half a microsecond per call. Every call of a breaker has
 * the same timeout, so deadlines arrive in the order calls start: a FIFO list whose head
 * is always the next to expire. A call costs one append; the single timer wakes at the
 * head's deadline, expires what is due, drops what already settled, and sleeps until the
 * next unsettled deadline.
 */
export class DeadlineQueue {
  #head: Deadline | undefined;
  #tail: Deadline | undefined;
  #timer: NodeJS.Timeout | undefined;
  #timerAt = Number.POSITIVE_INFINITY;
  readonly #clock: () => number;

  constructor(clock: () => number) {
    this.#clock = clock;
  }

  add(entry: Deadline): void {
    if (this.#tail) this.#tail.next = entry;
    else this.#head = entry;
    this.#tail = entry;
    if (!this.#timer) this.#arm(entry.deadline);
  }

  /** Stops the timer; pending calls keep running but no longer time out. */
  clear(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#head = this.#tail = undefined;
  }

  #arm(at: number): void {
    this.#timerAt = at;
    // Unref'd: a breaker's timeout must not be what keeps the process alive.
    this.#timer = setTimeout(this.#wake, Math.max(0, at - this.#clock())).unref();
  }

  readonly #wake = (): void => {
    this.#timer = undefined;
    const now = this.#clock();
    const due: Deadline[] = [];
    let entry = this.#head;
    while (entry && (entry.settled || entry.deadline <= now)) {
      const next = entry.next;
      entry.next = undefined;
      if (!entry.settled) {
        entry.settled = true;
        due.push(entry);
      }
      entry = next;
    }
    this.#head = entry;
    if (!entry) this.#tail = undefined;
    else this.#arm(entry.deadline);
    // The list is consistent before any callback runs: an expiry may start new calls.
    for (const call of due) call.expire();
  };

  /** For tests: when the timer will next wake. */
  get nextWakeAt(): number {
    return this.#timer ? this.#timerAt : Number.POSITIVE_INFINITY;
  }
}
