import { type Clock, holdingTimer, monotonicClock, type Timer } from '@bulwark/engine-kit';
import { RedisTimeoutError } from './errors.js';

interface Waiting {
  dueAt: number;
  reject(error: unknown): void;
  what: string;
  ms: number;
  prev: Waiting | undefined;
  next: Waiting | undefined;
}

/** Calls of one `timeoutMs`, oldest first: they fall due in the order they were made. */
class Line {
  head: Waiting | undefined;
  tail: Waiting | undefined;
}

/**
 * Every deadline of one Redis client, under one timer. A timer per call costs more than
 * the call at hundreds of calls in flight; here a call is two list links. Calls with the
 * same `timeoutMs` fall due in the order they started, so each `timeoutMs` is a FIFO
 * line and the timer waits for the earliest head.
 *
 * The timer holds the process: it settles a promise a caller awaits (see `holdingTimer`).
 */
export class Deadlines {
  readonly #lines = new Map<number, Line>();
  readonly #clock: Clock;
  #timer: Timer | undefined;
  #timerAt = Number.POSITIVE_INFINITY;
  /** Calls in flight: at 0 the timer is stopped, since it holds the process. */
  #count = 0;

  constructor(clock: Clock = monotonicClock) {
    this.#clock = clock;
  }

  /**
   * `promise`, or a `RedisTimeoutError` once it is `ms` old. A late answer or error is
   * swallowed, never unhandled: Redis cannot cancel a command it has been sent.
   */
  within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
    promise.catch(() => {});
    return new Promise<T>((resolve, reject) => {
      const waiting = this.#add(ms, what, reject);
      promise.then(
        (value) => {
          this.#remove(waiting);
          resolve(value);
        },
        (error: unknown) => {
          this.#remove(waiting);
          reject(error);
        },
      );
    });
  }

  /** Calls in flight (for tests and stats). */
  get pending(): number {
    return this.#count;
  }

  #add(ms: number, what: string, reject: (error: unknown) => void): Waiting {
    const waiting: Waiting = {
      dueAt: this.#clock.now() + ms,
      reject,
      what,
      ms,
      prev: undefined,
      next: undefined,
    };
    let line = this.#lines.get(ms);
    if (!line) {
      line = new Line();
      this.#lines.set(ms, line);
    }
    waiting.prev = line.tail;
    if (line.tail) line.tail.next = waiting;
    else line.head = waiting;
    line.tail = waiting;
    this.#count++;
    if (waiting.dueAt < this.#timerAt) this.#arm(waiting.dueAt);
    return waiting;
  }

  #remove(waiting: Waiting): void {
    const line = this.#lines.get(waiting.ms);
    if (!line) return;
    if (waiting.prev) waiting.prev.next = waiting.next;
    else if (line.head === waiting) line.head = waiting.next;
    else return; // already expired and unlinked
    if (waiting.next) waiting.next.prev = waiting.prev;
    else line.tail = waiting.prev;
    waiting.prev = waiting.next = undefined;
    if (--this.#count === 0) {
      this.#timer?.cancel();
      this.#timer = undefined;
      this.#timerAt = Number.POSITIVE_INFINITY;
    }
    // Otherwise the timer is left armed: it finds nothing due, and re-arms for the next head.
  }

  #arm(at: number): void {
    this.#timer?.cancel();
    this.#timerAt = at;
    this.#timer = holdingTimer(() => this.#expire(), Math.max(0, at - this.#clock.now()));
  }

  #expire(): void {
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
    const now = this.#clock.now();
    let next = Number.POSITIVE_INFINITY;
    for (const [ms, line] of this.#lines) {
      let head = line.head;
      while (head && head.dueAt <= now) {
        const due = head;
        head = due.next;
        line.head = head;
        if (head) head.prev = undefined;
        else line.tail = undefined;
        due.next = undefined;
        this.#count--;
        due.reject(new RedisTimeoutError(`${due.what}: no answer from Redis within ${due.ms} ms`));
      }
      if (head) next = Math.min(next, head.dueAt);
      else this.#lines.delete(ms);
    }
    if (next < Number.POSITIVE_INFINITY) this.#arm(next);
  }
}

const byClient = new WeakMap<object, Deadlines>();

/** The one deadline keeper of a client, shared by every package and store that uses it. */
export function deadlinesOf(client: object): Deadlines {
  let deadlines = byClient.get(client);
  if (!deadlines) {
    deadlines = new Deadlines();
    byClient.set(client, deadlines);
  }
  return deadlines;
}
