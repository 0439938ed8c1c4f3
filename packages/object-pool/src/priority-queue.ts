/**
 * Waiters by priority, as generic-pool orders them: `priorityRange` slots, slot 0 served
 * first, first come first served within a slot. A priority that is missing or not a
 * number goes to slot 0; one out of range, either way, to the last slot (generic-pool's
 * mapping, which its README describes differently for a missing one). Each slot is a
 * `Set`, so a waiter that gives up leaves its place at once.
 */
export class PriorityQueue<T> {
  readonly #slots: Set<T>[];

  constructor(priorityRange: number) {
    const count = Math.max(Math.trunc(Number(priorityRange)) || 0, 1);
    this.#slots = Array.from({ length: count }, () => new Set<T>());
  }

  get length(): number {
    let n = 0;
    for (const slot of this.#slots) n += slot.size;
    return n;
  }

  enqueue(item: T, priority?: unknown): void {
    this.#slots[this.#slotFor(priority)]!.add(item);
  }

  /** The next waiter, removed; undefined when none waits. */
  dequeue(): T | undefined {
    for (const slot of this.#slots) {
      for (const item of slot) {
        slot.delete(item);
        return item;
      }
    }
    return undefined;
  }

  remove(item: T): void {
    for (const slot of this.#slots) if (slot.delete(item)) return;
  }

  /** Every waiter, in the order they would be served. */
  *[Symbol.iterator](): Generator<T> {
    for (const slot of this.#slots) yield* slot;
  }

  #slotFor(priority: unknown): number {
    // generic-pool's reading: anything falsy or not a number is priority 0, fractions truncate,
    // and out-of-range priorities go to the last (least urgent) slot.
    const slot = priority ? Number(priority) | 0 : 0;
    return slot < 0 || slot >= this.#slots.length ? this.#slots.length - 1 : slot;
  }
}
