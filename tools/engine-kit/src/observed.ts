/**
 * The objects a metrics adapter observes, by the name the user gave each: read when metrics
 * are collected (their `stats()`), and optionally listened to while observed. Shared by
 * every package's Prometheus and OpenTelemetry adapters.
 */
export class Observed<T> {
  readonly #items = new Map<string, T>();

  /**
   * Starts observing `item` under `name` (a later item with the same name replaces it);
   * `attach` subscribes to it and returns how to unsubscribe. Returns the function that
   * stops observing.
   */
  add(item: T, name: string, attach?: (item: T, name: string) => () => void): () => void {
    if (typeof name !== 'string' || name === '') {
      throw new TypeError('metrics.observe: name must be a non-empty string');
    }
    this.#items.set(name, item);
    const detach = attach?.(item, name);
    return () => {
      detach?.();
      if (this.#items.get(name) === item) this.#items.delete(name);
    };
  }

  /** Each observed item with its name. */
  entries(): IterableIterator<[string, T]> {
    return this.#items.entries();
  }
}
