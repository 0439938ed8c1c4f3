/**
 * Gathers what callers ask for in one turn of the event loop into batches, one per group
 * (a hash slot on a Cluster, where one script call may touch one slot only; one group on a
 * single server), and hands each batch to `send` in chunks of at most `maxItems` (which
 * bounds a call's argument list and how long Redis runs it while other clients wait).
 * Items keep their order within a group. 200 callers at once then cost one call, not 200.
 */
export class TickBatches<Item> {
  readonly #send: (items: Item[]) => void;
  readonly #maxItems: number;
  #pending = new Map<string | number, Item[]>();
  #scheduled = false;

  constructor(send: (items: Item[]) => void, maxItems: number) {
    this.#send = send;
    this.#maxItems = maxItems;
  }

  add(group: string | number, item: Item): void {
    let items = this.#pending.get(group);
    if (items === undefined) {
      items = [];
      this.#pending.set(group, items);
    }
    items.push(item);
    if (!this.#scheduled) {
      this.#scheduled = true;
      // After the promise jobs now queued: calls issued together all join the batch.
      process.nextTick(() => this.#flush());
    }
  }

  #flush(): void {
    const groups = this.#pending;
    this.#pending = new Map();
    this.#scheduled = false;
    for (const items of groups.values()) {
      for (let from = 0; from < items.length; from += this.#maxItems) {
        this.#send(items.slice(from, from + this.#maxItems));
      }
    }
  }
}
