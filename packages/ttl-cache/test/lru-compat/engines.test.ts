import { describe, expect, it } from 'vitest';
import { LRUCache } from '../../src/index.js';
import { OURS } from './twins.js';

/**
 * What `LRUCache` adds to lru-cache: an engine. The differential suites run both engines
 * against lru-cache; these check what only the choice of engine decides.
 */
describe('LRUCache engines', () => {
  it('runs js unless asked: lru-cache keeps values as they are', () => {
    const cache = new LRUCache({ max: 2 });
    expect(cache.engine).toBe(process.env.BULWARK_ENGINE === 'native' ? 'native' : 'js');
    expect(cache.engineReason).toMatch(/js|BULWARK_ENGINE/);
  });

  it('refuses an engine it does not have, naming the option', () => {
    expect(() => new LRUCache({ max: 2, engine: 'rust' as never })).toThrow(
      /engine must be one of "auto", "js", "native"; got "rust"/,
    );
    expect(() => new LRUCache({ max: 2, serializer: {} as never })).toThrow(/serializer must have/);
  });

  const nativeAvailable = OURS.some(([engine]) => engine === 'native');

  describe.runIf(nativeAvailable)('native', () => {
    it('is chosen by engine: "native" or by giving a serializer', () => {
      expect(new LRUCache({ max: 2, engine: 'native' }).engine).toBe('native');
      const serializer = {
        serialize: (v: unknown) => Buffer.from(JSON.stringify(v)),
        deserialize: (b: Uint8Array) => JSON.parse(Buffer.from(b).toString()),
      };
      const cache = new LRUCache<string, { n: number }>({ max: 2, serializer });
      expect(cache.engine).toBe('native');
      cache.set('a', { n: 1 });
      expect(cache.get('a')).toEqual({ n: 1 });
    });

    it('reads values back as copies, and a changed copy set again is stored', () => {
      const cache = new LRUCache<string, { n: number }>({ max: 2, engine: 'native' });
      const original = { n: 1 };
      cache.set('a', original);
      const copy = cache.get('a')!;
      expect(copy).toEqual(original);
      expect(copy).not.toBe(original);
      copy.n = 2;
      const status: LRUCache.Status<string, { n: number }> = {};
      cache.set('a', copy, { status });
      expect(status.set).toBe('update');
      expect(cache.get('a')).toEqual({ n: 2 });
    });

    it('tells an update from a replacement by identity, as lru-cache does on the heap', () => {
      const disposed: unknown[] = [];
      const cache = new LRUCache<string, { n: number }>({
        max: 2,
        engine: 'native',
        dispose: (v, k, r) => disposed.push([k, v, r]),
      });
      const value = { n: 1 };
      cache.set('a', value);
      cache.get('a');
      cache.set('a', value); // the object set before: an update
      cache.set('a', { n: 1 }); // an equal but other object: a replacement
      expect(disposed).toEqual([['a', { n: 1 }, 'set']]);
    });

    it('refuses a value it cannot serialize, naming it, and leaves the cache as it was', () => {
      const disposed: unknown[] = [];
      const cache = new LRUCache<string, {}>({
        max: 1,
        engine: 'native',
        dispose: (v, k, r) => disposed.push([k, v, r]),
      });
      cache.set('a', 'kept');
      expect(() => cache.set('b', () => 1)).toThrow(
        /value: the native engine stores values as bytes/,
      );
      expect([...cache.entries()]).toEqual([['a', 'kept']]);
      expect(disposed).toEqual([]);
      cache.set('b', 'next');
      expect([...cache.entries()]).toEqual([['b', 'next']]);
    });

    it('keeps every string exactly, lone surrogates included', () => {
      const cache = new LRUCache<string, string>({ max: 4, engine: 'native' });
      cache.set('a', 'user:\uD800');
      cache.set('b', 'user:\uFFFD');
      expect(cache.get('a')).toBe('user:\uD800');
      expect(cache.get('b')).toBe('user:\uFFFD');
    });
  });
});
