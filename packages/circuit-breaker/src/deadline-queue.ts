import { holdingTimer, type Timer } from '@bulwark/engine-kit';

/** A call waiting for its deadline; the queue links it in place, so it costs no extra node. */
export interface Deadline {
  deadline: number;
  prev: Deadline | undefined;
  next: Deadline | undefined;
  /** Called once, by the queue's timer, if the call is still queued at its deadline. */
  expire(): void;
}

/**
 * Timeouts for one breaker with one timer. Opossum arms a `setTimeout` per call and
 * clears it when the call ends. Every call of a breaker has the same timeout, so
 * deadlines arrive in the order calls start: a list whose head is always the next to
 * expire. A call is linked in when it starts and unlinked when it settles (O(1), and
 * the list holds only calls in flight, however high the call rate); the single timer
 * wakes at the head's deadline, expires what is due and sleeps until the next one.
 */
export class DeadlineQueue {
  #head: Deadline | undefined;
  #tail: Deadline | undefined;
  #timer: Timer | undefined;
  readonly #clock: () => number;

  constructor(clock: () => number) {
    this.#clock = clock;
  }

  add(entry: Deadline): void {
    entry.prev = this.#tail;
    entry.next = undefined;
    if (this.#tail) this.#tail.next = entry;
    else this.#head = entry;
    this.#tail = entry;
    if (!this.#timer) this.#arm(entry.deadline);
  }

  /** Takes a call that settled out of the queue; false if it was not queued (already expired). */
  remove(entry: Deadline): boolean {
    if (entry.prev === undefined && this.#head !== entry) return false;
    if (entry.prev) entry.prev.next = entry.next;
    else this.#head = entry.next;
    if (entry.next) entry.next.prev = entry.prev;
    else this.#tail = entry.prev;
    entry.prev = entry.next = undefined;
    if (this.#head === undefined) {
      // Nothing in flight: the timer holds the process, so it must not outlive the calls.
      this.#timer?.cancel();
      this.#timer = undefined;
    }
    // Otherwise it stays armed for the old head; when it wakes it re-arms for the new one.
    return true;
  }

  /** Stops the timer; pending calls keep running but no longer time out. */
  clear(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
    this.#head = this.#tail = undefined;
  }

  #arm(at: number): void {
    // It holds the process, as opossum's per-call timer does: a program whose only work is
    // a call through the breaker still gets its ETIMEDOUT. No call in flight, no timer.
    this.#timer = holdingTimer(this.#wake, at - this.#clock());
  }

  readonly #wake = (): void => {
    this.#timer = undefined;
    const now = this.#clock();
    const due: Deadline[] = [];
    while (this.#head && this.#head.deadline <= now) {
      const entry = this.#head;
      this.remove(entry);
      due.push(entry);
    }
    if (this.#head) this.#arm(this.#head.deadline);
    // The list is consistent before any callback runs: an expiry may start new calls.
    for (const call of due) call.expire();
  };
}
