/**
 * Fixed-width numeric state for many keys in one Float64Array, found through a Map of
 * key to slot. A key costs its Map entry and `width` doubles; freed slots are reused.
 * Slot layout: [blockedUntil, ...algorithm state].
 */
export class SlotTable {
  readonly width: number;
  readonly #slots = new Map<string, number>();
  #data: Float64Array;
  #free: number[] = [];
  #used = 0;

  constructor(stateWidth: number, initialSlots = 64) {
    this.width = stateWidth + 1;
    this.#data = new Float64Array(initialSlots * this.width);
  }

  get size(): number {
    return this.#slots.size;
  }

  get data(): Float64Array {
    return this.#data;
  }

  /** The offset of `key`'s slot, or -1. */
  find(key: string): number {
    const slot = this.#slots.get(key);
    return slot === undefined ? -1 : slot * this.width;
  }

  /** A new slot for `key`, zeroed; the caller initialises it. */
  add(key: string): number {
    let slot = this.#free.pop();
    if (slot === undefined) {
      slot = this.#used++;
      if (this.#used * this.width > this.#data.length) this.#grow();
    }
    this.#slots.set(key, slot);
    const at = slot * this.width;
    this.#data.fill(0, at, at + this.width);
    return at;
  }

  delete(key: string): void {
    const slot = this.#slots.get(key);
    if (slot === undefined) return;
    this.#slots.delete(key);
    this.#free.push(slot);
  }

  /** The keys held, in the order they were added. */
  keys(): IterableIterator<string> {
    return this.#slots.keys();
  }

  /** Drops every key `idle` says can go. */
  sweep(idle: (at: number) => boolean): void {
    for (const [key, slot] of this.#slots) {
      if (idle(slot * this.width)) this.delete(key);
    }
  }

  clear(): void {
    this.#slots.clear();
    this.#free = [];
    this.#used = 0;
  }

  #grow(): void {
    const bigger = new Float64Array(this.#data.length * 2);
    bigger.set(this.#data);
    this.#data = bigger;
  }
}
