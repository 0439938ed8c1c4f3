import { describe, expect, it } from 'vitest';
import { LRUCache } from '../../src/index.js';

/**
 * lru-cache's README usage, typed as its users type it: this file must compile (the
 * package's typecheck covers tests) for the import switch to be a one-line change.
 */
describe('LRUCache types, as lru-cache users write them', () => {
  it('compiles the README usage of lru-cache and runs it', async () => {
    interface User {
      id: number;
    }
    const options: LRUCache.Options<string, User, { tenant: string }> = {
      max: 500,
      maxSize: 5000,
      sizeCalculation: (value: User, key: string): LRUCache.Size => key.length + value.id,
      dispose: (value: User, key: string, reason: LRUCache.DisposeReason) => {
        expect(typeof value.id + typeof key + typeof reason).toBe('numberstringstring');
      },
      onInsert: (_value: User, _key: string, reason: LRUCache.InsertReason) => {
        expect(['add', 'update', 'replace']).toContain(reason);
      },
      ttl: 1000 * 60 * 5,
      allowStale: false,
      updateAgeOnGet: false,
      updateAgeOnHas: false,
      fetchMethod: async (key, staleValue, { options, signal, context }) => {
        expect(signal.aborted).toBe(false);
        expect(options.ttl).toBe(1000 * 60 * 5);
        return { id: key.length + (staleValue?.id ?? 0) + context.tenant.length };
      },
    };
    const cache = new LRUCache<string, User, { tenant: string }>(options);
    const status: LRUCache.Status<string, User> = {};
    const fetched: User | undefined = await cache.fetch('abc', {
      context: { tenant: 't' },
      status,
    });
    const entries: [string, LRUCache.Entry<User>][] = cache.dump();
    const info: LRUCache.Entry<User> | undefined = cache.info('abc');
    const copy = new LRUCache(cache);
    copy.load(entries);
    expect(fetched).toEqual({ id: 4 });
    expect(status.fetch).toBe('miss');
    expect(info?.value).toEqual({ id: 4 });
    expect([...copy.keys()]).toEqual(['abc']);
  });
});
