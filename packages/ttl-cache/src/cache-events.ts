import { EventEmitter } from 'node:events';

/** What a cache tells its listeners. Nothing is emitted, or prepared, for an unheard event. */
export interface TtlCacheEvents<K, V> {
  /** An entry was pushed out by `max`, `maxSize` or `shrink`. */
  evict: (key: K, value: V) => void;
  /** An entry went stale and was removed (on a read, a sweep or `purgeStale`). */
  expire: (key: K, value: V) => void;
  /** A loader (`fetch`, `cached`) ended: its duration in ms, and whether it succeeded. */
  load: (key: K, durationMs: number, ok: boolean) => void;
  /** A loader threw or rejected. */
  loadError: (key: K, error: unknown) => void;
}

/** The removal events: while any is heard, the engine keeps removed entries to tell of. */
const REMOVAL_EVENTS: ReadonlySet<string | symbol> = new Set(['evict', 'expire']);

/**
 * The emitter behind a cache's `on`/`off`/`once`, which says when removal events gain
 * their first listener or lose their last, so the cache can have the engine keep removed
 * entries only then (it costs an allocation per removal).
 */
export class CacheEvents extends EventEmitter {
  constructor(onRemovalListening: (listening: boolean) => void) {
    super();
    this.on('newListener', (event: string | symbol) => {
      if (REMOVAL_EVENTS.has(event) && !this.hearsRemovals()) onRemovalListening(true);
    });
    this.on('removeListener', (event: string | symbol) => {
      if (REMOVAL_EVENTS.has(event) && !this.hearsRemovals()) onRemovalListening(false);
    });
  }

  hearsRemovals(): boolean {
    return this.listenerCount('evict') > 0 || this.listenerCount('expire') > 0;
  }
}
