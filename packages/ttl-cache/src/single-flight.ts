interface Flight<V> {
  promise: Promise<V>;
}

/**
 * One load per key at a time: callers that arrive while a load runs share its promise.
 * A set or delete of the key detaches the running load (`forget`), so its late result
 * cannot overwrite what was written after it started.
 */
export class SingleFlight<K, V> {
  readonly #running = new Map<K, Flight<V>>();

  /** Joins the load running for `key`, or starts one; `isCurrent` tells the load whether it still owns the key. */
  run(key: K, load: (isCurrent: () => boolean) => Promise<V>): Promise<V> {
    const running = this.#running.get(key);
    if (running) return running.promise;
    const flight = {} as Flight<V>;
    const isCurrent = () => this.#running.get(key) === flight;
    this.#running.set(key, flight);
    flight.promise = (async () => {
      try {
        return await load(isCurrent);
      } finally {
        if (isCurrent()) this.#running.delete(key);
      }
    })();
    return flight.promise;
  }

  forget(key: K): void {
    // Every set calls this; with nothing loading, skip the map lookup.
    if (this.#running.size > 0) this.#running.delete(key);
  }

  clear(): void {
    this.#running.clear();
  }
}
