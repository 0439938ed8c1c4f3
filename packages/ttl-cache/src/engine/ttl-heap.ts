/**
 * Which slot goes stale next, without walking the cache: a binary min-heap of (expiry,
 * slot) in two typed arrays, with lazy deletion, as the native engine's `ttl_index.rs`.
 *
 * A slot whose expiry moves (a new value, an age reset) or that is freed gets no heap
 * surgery; its old item stays until it reaches the top, where `isCurrent` says it no longer
 * matches, and is dropped. Every change is one push, O(log n); when dropped items outnumber
 * live entries the heap is rebuilt from the current ones.
 */
export class TtlHeap {
  #expiries = new Float64Array(64);
  #slots = new Int32Array(64);
  #length = 0;

  get length(): number {
    return this.#length;
  }

  push(expiry: number, slot: number): void {
    if (this.#length === this.#expiries.length) this.#grow();
    let i = this.#length++;
    // Sift up: move parents down until the new item's place is found.
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.#expiries[parent]! <= expiry) break;
      this.#expiries[i] = this.#expiries[parent]!;
      this.#slots[i] = this.#slots[parent]!;
      i = parent;
    }
    this.#expiries[i] = expiry;
    this.#slots[i] = slot;
  }

  /** The earliest current item's slot, dropping the ones before it that are not; -1 if none. */
  firstCurrent(isCurrent: (expiry: number, slot: number) => boolean): number {
    while (this.#length > 0) {
      if (isCurrent(this.#expiries[0]!, this.#slots[0]!)) return this.#slots[0]!;
      this.pop();
    }
    return -1;
  }

  /** The expiry of the top item; Infinity when empty. */
  topExpiry(): number {
    return this.#length > 0 ? this.#expiries[0]! : Number.POSITIVE_INFINITY;
  }

  pop(): void {
    const last = --this.#length;
    if (last <= 0) {
      this.#length = Math.max(0, last);
      return;
    }
    const expiry = this.#expiries[last]!;
    const slot = this.#slots[last]!;
    // Sift down from the root with the last item.
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= last) break;
      if (child + 1 < last && this.#expiries[child + 1]! < this.#expiries[child]!) child++;
      if (this.#expiries[child]! >= expiry) break;
      this.#expiries[i] = this.#expiries[child]!;
      this.#slots[i] = this.#slots[child]!;
      i = child;
    }
    this.#expiries[i] = expiry;
    this.#slots[i] = slot;
  }

  clear(): void {
    this.#length = 0;
  }

  /**
   * Drops out-of-date items once they outnumber `live` (plus slack), and repeats of one
   * slot's item: a slot set twice within one clock reading (time stands still through
   * synchronous code) has two current items, and a heap of repeats would never shrink.
   * After this the heap holds at most one item per live entry.
   */
  compactIfNeeded(live: number, isCurrent: (expiry: number, slot: number) => boolean): void {
    if (this.#length <= 2 * live + 1024) return;
    const expiries = this.#expiries.slice(0, this.#length);
    const slots = this.#slots.slice(0, this.#length);
    const kept = new Set<number>();
    this.#length = 0;
    for (let i = 0; i < expiries.length; i++) {
      const slot = slots[i]!;
      if (!kept.has(slot) && isCurrent(expiries[i]!, slot)) {
        kept.add(slot);
        this.push(expiries[i]!, slot);
      }
    }
  }

  #grow(): void {
    const expiries = new Float64Array(this.#expiries.length * 2);
    expiries.set(this.#expiries);
    this.#expiries = expiries;
    const slots = new Int32Array(this.#slots.length * 2);
    slots.set(this.#slots);
    this.#slots = slots;
  }
}
