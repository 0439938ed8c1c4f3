import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { both, type LRUClass, OURS, rig, describe as show } from './twins.js';

/**
 * The rest of lru-cache 11.3's surface, each checked against the real package: the
 * constructor's checks and messages, the properties programs read, the warning, the
 * diagnostics channel, callbacks that change the cache, and mutation during iteration.
 */

function thrown(fn: () => unknown): unknown {
  try {
    fn();
    return 'no error';
  } catch (error) {
    return [(error as Error).constructor.name, (error as Error).message];
  }
}

afterEach(() => vi.restoreAllMocks());

describe('LRUCache constructor, compared with lru-cache 11.3.6', () => {
  const BAD_OPTIONS: unknown[] = [
    123,
    {},
    { max: 0 },
    { ttl: 0 },
    { ttl: Number.NaN },
    { maxEntrySize: 10 },
    { max: -123 },
    { max: 2.5 },
    { max: Number.POSITIVE_INFINITY },
    { max: 2 ** 54 },
    { max: null },
    { max: '5' },
    { maxSize: -1, maxEntrySize: 5 },
    { maxSize: 10.5 },
    { maxSize: null },
    { max: 1, maxEntrySize: -2 },
    { max: 1, sizeCalculation: true },
    { maxSize: 10, sizeCalculation: true },
    { max: 1, ttl: -10 },
    { max: 1, ttl: 10.5 },
    { max: 1, ttl: 'banana' },
    { max: 1, ttl: Number.POSITIVE_INFINITY },
    { max: 1, fetchMethod: null },
    { max: 1, memoMethod: 5 },
    { max: 1, perf: {} },
    { max: 1, perf: null },
  ];

  it('refuses what lru-cache refuses, with its error class and message', async () => {
    const [anchor, ours] = await both((cls) => BAD_OPTIONS.map((o) => thrown(() => new cls(o))));
    expect(ours).toEqual(anchor);
    expect(ours.every((r) => r !== 'no error')).toBe(true);
  });

  it('accepts what lru-cache accepts, and reads the same options back', async () => {
    const dispose = () => {};
    const fetchMethod = async () => 1;
    const perf = { now: () => 5 };
    const GOOD: Record<string, unknown>[] = [
      { max: 3 },
      { maxSize: 10 },
      { maxSize: 100, ttl: 1000 },
      { max: 2, ttlResolution: -1, dispose: 'not a function', onInsert: 7 },
      {
        max: 2,
        ttlResolution: 0,
        perf,
        fetchMethod,
        dispose,
        disposeAfter: dispose,
        allowStale: 1,
        noDisposeOnSet: 'yes',
      },
      { max: 2, maxEntrySize: 4, sizeCalculation: () => 1 },
      { ttl: 10, ttlAutopurge: true },
    ];
    const [anchor, ours] = await both((cls) =>
      GOOD.map((o) => {
        const c = new cls(o);
        const own = Object.keys(c).filter((k) => k !== 'getRemainingTTL');
        return {
          own,
          values: own.map((k) => (c as any)[k]),
          getters: [
            c.max,
            c.maxSize,
            c.calculatedSize,
            c.size,
            c.perf === perf,
            c.fetchMethod,
            c.memoMethod,
            c.dispose,
            c.onInsert,
            c.disposeAfter,
          ],
          tag: Object.prototype.toString.call(c),
          // The message names the class, which lru-cache's minified build calls `u`.
          assignMax: (
            thrown(() => {
              (c as any).max = 9;
            }) as string[]
          )[0],
          copy: Object.keys(new cls(c))
            .filter((k) => k !== 'getRemainingTTL')
            .map((k) => (new cls(c) as any)[k]),
        };
      }),
    );
    expect(ours).toEqual(anchor);
  });

  it('warns once that a cache bounded only by ttl is unbounded, as lru-cache does', () => {
    const calls: unknown[][] = [];
    vi.spyOn(process, 'emitWarning').mockImplementation(((...args: unknown[]) => {
      calls.push(args);
    }) as typeof process.emitWarning);
    const ours = () => rig(OURS[0]![1], { ttl: 10 });
    ours();
    ours();
    expect(calls).toHaveLength(1);
    expect(calls[0]!.slice(0, 3)).toEqual([
      'TTL caching without ttlAutopurge, max, or maxSize can result in unbounded memory consumption.',
      'UnboundedCacheWarning',
      'LRU_CACHE_UNBOUNDED',
    ]);
  });
});

describe('LRUCache sizes, compared with lru-cache 11.3.6', () => {
  it('gives the same errors for sizes that are missing, invalid or not tracked', async () => {
    const [anchor, ours] = await both((cls) => [
      thrown(() => new cls({ max: 2 }).set('a', 1, { size: 3 })),
      thrown(() => new cls({ max: 2 }).set('a', 1, { size: 0 })),
      thrown(() => new cls({ maxSize: 10 }).set('a', 1)),
      thrown(() => new cls({ maxSize: 10 }).set('a', 1, { size: 0 })),
      thrown(() => new cls({ maxSize: 10 }).set('a', 1, { size: 1.5 })),
      thrown(() => new cls({ maxSize: 10, sizeCalculation: () => 0 }).set('a', 1)),
      thrown(() => new cls({ maxSize: 10, sizeCalculation: () => -1 }).set('a', 1)),
      thrown(() => new cls({ maxSize: 10 }).set('a', 1, { sizeCalculation: 'no' as any })),
      thrown(() => new cls({ ttl: 1000, ttlAutopurge: true }).set('a', 1, { size: 1 })),
    ]);
    expect(ours).toEqual(anchor);
  });

  it('never stores an entry larger than maxEntrySize, and drops what the key held', async () => {
    const [anchor, ours] = await both((cls) => {
      const { cache, log } = rig(cls, { maxSize: 10, sizeCalculation: (v: string) => v.length });
      cache.set('a', 'xx');
      cache.set('b', 'yyy');
      const status = {};
      cache.set('a', 'z'.repeat(11), { status });
      cache.set('c', 'w'.repeat(10));
      return { entries: [...cache.entries()], calculatedSize: cache.calculatedSize, status, log };
    });
    expect(ours).toEqual(anchor);
  });
});

describe('LRUCache callbacks and iteration, compared with lru-cache 11.3.6', () => {
  it('disposeAfter may set keys again (the dispose.ts scenario)', async () => {
    const [anchor, ours] = await both((cls) => {
      let c!: InstanceType<LRUClass>;
      c = new cls({
        max: 5,
        disposeAfter: (v: number, k: number) => {
          if (k === 2) c.set(k, v + 1, { noDisposeOnSet: true });
        },
      });
      c.set(2, 20);
      for (let i = 0; i < 100; i++) c.set(i === 2 ? 200 : i, i);
      const afterSets = [...c.entries()];
      c.delete(2);
      const afterDelete = [...c.entries()];
      c.clear();
      return { afterSets, afterDelete, afterClear: [...c.entries()] };
    });
    expect(ours).toEqual(anchor);
  });

  it('deleting and adding while iterating end the walk where lru-cache ends it', async () => {
    const [anchor, ours] = await both((cls) => {
      const out: unknown[] = [];
      for (const reverse of [false, true]) {
        const c = new cls({ max: 5 });
        for (let i = 0; i < 5; i++) c.set(i, i);
        const seen: unknown[] = [];
        for (const k of reverse ? c.rkeys() : c.keys()) {
          seen.push(k);
          if (k === 3) {
            c.delete(3);
            c.delete(4);
          }
          if (k === 1) {
            c.delete(1);
            c.delete(0);
          }
        }
        const d = new cls({ max: 3 });
        for (let i = 0; i < 3; i++) d.set(i, i);
        const walked: unknown[] = [];
        for (const k of d.keys()) {
          walked.push(k);
          if (k === 2) d.set(9, 9);
        }
        out.push(seen, [...c.keys()], walked, [...d.keys()]);
      }
      return out;
    });
    expect(ours).toEqual(anchor);
  });

  it('ttlAutopurge removes each entry by its own timer once stale, as lru-cache does', async () => {
    vi.useFakeTimers();
    try {
      const [anchor, ours] = await both((cls) => {
        const { cache, log, advance } = rig(cls, { max: 5, ttl: 10, ttlAutopurge: true });
        const sizes: number[] = [];
        const step = (ms: number) => {
          advance(ms);
          vi.advanceTimersByTime(ms);
          sizes.push(cache.size);
        };
        cache.set(1, 1);
        cache.set(2, 2, { ttl: 11 });
        cache.set(3, 3, { ttl: 30 });
        step(5);
        cache.get(3, { updateAgeOnGet: true });
        step(6);
        step(1);
        step(20);
        step(20);
        return { sizes, log };
      });
      expect(ours).toEqual(anchor);
      expect(ours.sizes.at(-1)).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('dump and load round-trip a cache, recency and TTLs included', async () => {
    // A still wall clock: dump and load convert ages through Date.now(), and a millisecond
    // passing between the two would age one run's entries and not the other's.
    vi.spyOn(Date, 'now').mockReturnValue(1_700_000_000_000);
    const [anchor, ours] = await both((cls) => {
      const { cache, advance } = rig(cls, { max: 5, ttl: 100 });
      for (let i = 0; i < 5; i++) cache.set(i, `v${i}`, { ttl: 50 + i });
      cache.get(1);
      advance(10);
      const copy = new cls(cache);
      copy.load(cache.dump());
      const small = new cls({ max: 2 });
      small.load(cache.dump());
      return {
        entries: [...copy.entries()],
        ttls: [...copy.keys()].map((k) => copy.getRemainingTTL(k)),
        small: [...small.entries()],
      };
    });
    expect(ours).toEqual(anchor);
  });

  it('publishes each call on the lru-cache:metrics channel as lru-cache does', async () => {
    const [anchor, ours] = await both((cls) => {
      const messages: unknown[] = [];
      const listener = (message: unknown) => messages.push(JSON.parse(JSON.stringify(message)));
      subscribe('lru-cache:metrics', listener);
      try {
        const c = new cls({ max: 2 });
        const options: Record<string, unknown> = {};
        c.set('a', 1, options);
        c.get('a');
        c.get('zz');
        c.has('a');
        c.peek('a');
        c.delete('a');
        c.delete('missing');
        return { messages, optionsGotStatus: Object.keys(options) };
      } finally {
        unsubscribe('lru-cache:metrics', listener);
      }
    });
    expect(ours).toEqual(anchor);
    expect(ours.messages.length).toBeGreaterThan(5);
  });

  it('writes the status onto the caller’s options object, as lru-cache does', async () => {
    const [anchor, ours] = await both((cls) => {
      const c = new cls({ max: 2 });
      const options = {};
      c.get('a', options);
      return { keys: Object.keys(options), value: show((options as any).status) };
    });
    expect(ours).toEqual(anchor);
    expect(ours.keys).toEqual(['status']);
  });
});
