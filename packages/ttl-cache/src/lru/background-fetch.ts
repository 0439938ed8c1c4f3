/**
 * What a key holds while its `fetchMethod` runs: the pending result, the controller that
 * aborts it, and the value it is replacing (served meanwhile under `allowStale`). Only
 * `LRUCache` makes these, so `instanceof` tells a placeholder from any user value.
 */
export class BackgroundFetch<V> {
  /** Set once built: it settles with what the fetch finally gives. */
  promise!: Promise<V | undefined>;
  readonly controller = new AbortController();
  /** Whether a caller awaits `promise`: only then does a failure reject it. */
  awaited = false;

  constructor(readonly stale: V | undefined) {}
}
