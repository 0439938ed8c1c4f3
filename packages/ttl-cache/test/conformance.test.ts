import { enginesUnderTest } from '@bulwark/engine-kit/testing';
import { anyUtf16 } from '@bulwark/testkit';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type DisposeReason, engineInfo, TtlCache, type TtlCacheOptions } from '../src/index.js';

/** A clock the test moves by hand. */
function fakeClock() {
  return {
    t: 1_000,
    now() {
      return this.t;
    },
  };
}

describe.each(enginesUnderTest(engineInfo()))('TtlCache conformance (%s engine)', (engine) => {
  function cache<K = string, V = string>(options: TtlCacheOptions<K, V>) {
    const c = new TtlCache<K, V>({ ...options, engine });
    expect(c.engine).toBe(engine);
    return c;
  }

  it('stores, reads, checks and deletes', () => {
    const c = cache({ max: 10 });
    expect(c.get('a')).toBeUndefined();
    c.set('a', 'A');
    expect([c.get('a'), c.peek('a'), c.has('a'), c.has('b'), c.size]).toEqual([
      'A',
      'A',
      true,
      false,
      1,
    ]);
    expect(c.delete('a')).toBe(true);
    expect(c.delete('a')).toBe(false);
    expect(c.size).toBe(0);
  });

  it('keeps the number 1 and the string "1" apart, and treats -0 as 0', () => {
    const c = cache<string | number, string>({ max: 10 });
    c.set(1, 'number').set('1', 'string').set(-0, 'zero');
    expect([c.get(1), c.get('1'), c.get(0), c.size]).toEqual(['number', 'string', 'zero', 3]);
    expect(Object.is([...c.keys()][0], 0)).toBe(true); // as a Map gives it back
  });

  it('keeps keys that differ only in a lone surrogate apart, and gives each back as it was', () => {
    const c = cache<string, string>({ max: 10 });
    c.set('user:\uD800', 'bob-secret').set('user:\uFFFD', 'alice').set('100%', 'pct');
    expect([
      c.get('user:\uD800'),
      c.get('user:\uFFFD'),
      c.get('user:\uDC00'),
      c.get('100%'),
    ]).toEqual(['bob-secret', 'alice', undefined, 'pct']);
    expect(new Set(c.keys())).toEqual(new Set(['user:\uD800', 'user:\uFFFD', '100%']));
  });

  it('any two UTF-16 strings are two keys, and each reads back as it was set', () => {
    fc.assert(
      fc.property(fc.uniqueArray(anyUtf16(6), { maxLength: 20 }), (keys) => {
        const c = cache<string, number>({ max: 100 });
        for (const [i, k] of keys.entries()) c.set(k, i);
        for (const [i, k] of keys.entries()) expect(c.get(k)).toBe(i);
        expect(new Set(c.keys())).toEqual(new Set(keys));
        const seen: string[] = [];
        const d = cache<string, number>({ max: 100, dispose: (_v, k) => seen.push(k) });
        for (const [i, k] of keys.entries()) d.set(k, i);
        d.clear();
        expect(new Set(seen)).toEqual(new Set(keys));
      }),
      { numRuns: 300 },
    );
  });

  it('round-trips strings, Buffers and structured values', () => {
    const c = cache<string, unknown>({ max: 10 });
    const value = { n: 1, list: [1, 'two'], when: new Date(5), map: new Map([['k', 2]]) };
    c.set('obj', value)
      .set('buf', Buffer.from([1, 2, 3]))
      .set('str', 'héllo');
    expect(c.get('obj')).toEqual(value);
    expect(Buffer.isBuffer(c.get('buf'))).toBe(true);
    expect([...(c.get('buf') as Buffer)]).toEqual([1, 2, 3]);
    expect(c.get('str')).toBe('héllo');
    c.set('lone surrogate', 'a\uD800b');
    expect(c.get('lone surrogate')).toBe('a\uD800b');
  });

  it('evicts the least recently used entry past max, and get refreshes recency', () => {
    const c = cache({ max: 3 });
    c.set('a', '1').set('b', '2').set('c', '3');
    c.get('a');
    c.set('d', '4');
    expect([...c.keys()]).toEqual(['d', 'a', 'c']);
    expect(c.stats().evictions).toBe(1);
  });

  it('peek and has leave recency alone', () => {
    const c = cache({ max: 2 });
    c.set('a', '1').set('b', '2');
    c.peek('a');
    c.has('a');
    c.set('c', '3');
    expect(c.has('a')).toBe(false);
  });

  it('keeps calculatedSize within maxSize and refuses entries above maxEntrySize', () => {
    const c = cache({ maxSize: 100, maxEntrySize: 40, sizeCalculation: (v) => v.length });
    c.set('small', 'x'.repeat(30)).set('other', 'y'.repeat(30));
    c.set('small', 'z'.repeat(41));
    expect(c.has('small')).toBe(false);
    expect(c.calculatedSize).toBe(30);
    for (let i = 0; i < 20; i++) {
      c.set(`k${i}`, 'v'.repeat(10 + (i % 30)));
      expect(c.calculatedSize).toBeLessThanOrEqual(100);
    }
  });

  it('holds calculatedSize within maxSize under adversarial sizes, and refuses oversized entries', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.array(
          fc.tuple(fc.integer({ min: 0, max: 9 }), fc.double({ min: 0.5, max: 120, noNaN: true })),
          {
            maxLength: 80,
            size: 'max',
          },
        ),
        (maxSize, writes) => {
          const c = cache<number, string>({ maxSize, sizeCalculation: () => 1 });
          for (const [key, size] of writes) {
            c.set(key, 'v', { size });
            expect(c.calculatedSize).toBeLessThanOrEqual(maxSize);
            expect(c.has(key)).toBe(size <= maxSize);
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  it('never reports more time left than the TTL, whatever the clock reads', () => {
    // A performance.now() reading at which start + ttl - start rounds above ttl.
    const clock = { t: 4_161_722.627_650_255, now: () => clock.t };
    const c = cache({ max: 10, ttl: 60_000, clock });
    c.set('a', '1');
    expect(c.getRemainingTTL('a')).toBe(60_000);
    expect(c.dump()[0]?.[1].remainingTtl).toBe(60_000);
  });

  it('expires entries by TTL, per entry too, and reports the time left', () => {
    const clock = fakeClock();
    const c = cache({ max: 10, ttl: 100, clock });
    c.set('a', '1').set('b', '2', { ttl: 500 }).set('forever', '3', { ttl: 0 });
    clock.t += 60;
    expect(c.getRemainingTTL('a')).toBe(40);
    expect(c.getRemainingTTL('forever')).toBe(Number.POSITIVE_INFINITY);
    expect(c.getRemainingTTL('missing')).toBe(0);
    clock.t += 40;
    expect([c.get('a'), c.has('a'), c.get('b'), c.get('forever')]).toEqual([
      undefined,
      false,
      '2',
      '3',
    ]);
    expect(c.size).toBe(2);
    expect(c.stats().expirations).toBe(1);
  });

  it('times the first TTL entry of a cache that had none from the clock, not from zero', () => {
    const clock = fakeClock();
    const c = cache({ max: 10, clock });
    c.set('plain', '1');
    clock.t += 5_000;
    c.set('timed', '2', { ttl: 100 });
    clock.t += 99;
    expect([c.get('timed'), c.getRemainingTTL('timed')]).toEqual(['2', 1]);
    clock.t += 1;
    expect([c.get('timed'), c.get('plain')]).toEqual([undefined, '1']);
  });

  it('a dispose that throws during a ttlAutopurge sweep is reported as a warning, and sweeping goes on', async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    try {
      const disposed: string[] = [];
      const c = cache({
        max: 10,
        ttl: 5,
        ttlAutopurge: true,
        dispose: (_v, key) => {
          disposed.push(key);
          if (key === 'bad') throw new Error('dispose failed');
        },
      });
      c.set('bad', '1');
      await new Promise((r) => setTimeout(r, 300));
      c.set('good', '2');
      await new Promise((r) => setTimeout(r, 300));
      expect(disposed).toEqual(['bad', 'good']);
      expect(c.size).toBe(0);
      expect(warnings.map((w) => (w as { code?: string }).code)).toContain(
        'BULWARK_CACHE_DISPOSE_FAILED',
      );
      c.close();
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('handles TTLs beyond 2^31 ms', () => {
    const clock = fakeClock();
    const c = cache({ max: 10, ttl: 2 ** 33, clock, ttlAutopurge: true });
    c.set('a', '1');
    clock.t += 2 ** 32;
    expect(c.get('a')).toBe('1');
    clock.t += 2 ** 32;
    expect(c.get('a')).toBeUndefined();
    c.close();
  });

  it('serves a stale value once under allowStale, and keeps it with noDeleteOnStaleGet', () => {
    const clock = fakeClock();
    const once = cache({ max: 10, ttl: 10, allowStale: true, clock });
    once.set('a', '1');
    clock.t += 20;
    expect([once.peek('a'), once.get('a'), once.get('a')]).toEqual(['1', '1', undefined]);

    const kept = cache({ max: 10, ttl: 10, noDeleteOnStaleGet: true, clock });
    kept.set('a', '1');
    clock.t += 20;
    expect([kept.get('a'), kept.size]).toEqual([undefined, 1]);
  });

  it('restarts the TTL on get and has when asked to', () => {
    const clock = fakeClock();
    const onGet = cache({ max: 10, ttl: 100, updateAgeOnGet: true, clock });
    const onHas = cache({ max: 10, ttl: 100, updateAgeOnHas: true, clock });
    onGet.set('a', '1');
    onHas.set('a', '1');
    clock.t += 90;
    onGet.get('a');
    onHas.has('a');
    clock.t += 90;
    expect([onGet.get('a'), onHas.get('a')]).toEqual(['1', '1']);
  });

  it('tells dispose why each entry left', () => {
    const clock = fakeClock();
    const seen: [string, string, DisposeReason][] = [];
    const c = cache({ max: 2, ttl: 100, clock, dispose: (v, k, why) => seen.push([v, k, why]) });
    c.set('a', '1').set('a', '1').set('a', '2').set('b', '3').set('c', '4');
    c.delete('b');
    clock.t += 200;
    c.get('c');
    c.set('d', '5');
    c.clear();
    expect(seen).toEqual([
      ['1', 'a', 'set'],
      ['2', 'a', 'evict'],
      ['3', 'b', 'delete'],
      ['4', 'c', 'expire'],
      ['5', 'd', 'clear'],
    ]);
  });

  it('a set disposes the old value unless it is the same: equal text, or the same object', () => {
    const seen: string[] = [];
    const c = cache<string, unknown>({
      max: 10,
      dispose: (_v, k, why) => seen.push(`${k}:${why}`),
    });
    const obj = { x: 1 };
    c.set('obj', obj).set('obj', obj); // the same object: not a replacement
    c.set('obj', { x: 1 }); // an equal, other object: a replacement
    c.set('obj', c.get('obj')); // what was read back: not a replacement
    const buf = Buffer.from('z');
    c.set('buf', buf).set('buf', buf);
    c.set('buf', Buffer.from('z'));
    c.set('str', 'a').set('str', 'a');
    c.set('str', `${'a'}`);
    expect(seen).toEqual(['obj:set', 'buf:set']);
  });

  it('emits evict and expire with the key and value, only while heard, alongside dispose', () => {
    const clock = fakeClock();
    const c = cache({ max: 2, ttl: 100, clock });
    const heard: [string, string, string][] = [];
    const onEvict = (k: string, v: string) => heard.push(['evict', k, v]);
    const onExpire = (k: string, v: string) => heard.push(['expire', k, v]);
    c.set('a', '1').set('b', '2').set('c', '3'); // a is evicted unheard
    c.on('evict', onEvict).on('expire', onExpire);
    c.set('d', '4'); // evicts b
    clock.t += 200;
    c.get('c'); // expired
    c.set('a', '9').set('a', '10'); // a replaced: neither evicted nor expired
    c.delete('a');
    c.off('evict', onEvict).off('expire', onExpire);
    c.set('e', '5').set('f', '6').set('g', '7'); // evictions unheard
    expect(heard).toEqual([
      ['evict', 'b', '2'],
      ['expire', 'c', '3'],
    ]);
  });

  it('emits load (with its duration and outcome) and loadError', async () => {
    const c = cache<string, string>({ max: 10 });
    const heard: unknown[] = [];
    c.on('load', (k, ms, ok) => heard.push(['load', k, typeof ms === 'number' && ms >= 0, ok]));
    c.on('loadError', (k, e) => heard.push(['loadError', k, (e as Error).message]));
    await c.fetch('a', async () => 'A');
    await expect(
      c.fetch('b', async () => {
        throw new Error('down');
      }),
    ).rejects.toThrow('down');
    expect(heard).toEqual([
      ['load', 'a', true, true],
      ['load', 'b', true, false],
      ['loadError', 'b', 'down'],
    ]);
  });

  it('lists entries, keys and values most recently used first, skipping stale ones', () => {
    const clock = fakeClock();
    const c = cache({ max: 10, clock });
    c.set('a', '1', { ttl: 10 }).set('b', '2').set('c', '3');
    c.get('b');
    clock.t += 10;
    expect([...c.entries()]).toEqual([
      ['b', '2'],
      ['c', '3'],
    ]);
    expect([...c]).toEqual([...c.entries()]);
    expect([...c.values()]).toEqual(['2', '3']);
  });

  it('purges stale entries and shrinks to a fraction of its bounds', () => {
    const clock = fakeClock();
    const c = cache({ max: 10, clock });
    for (let i = 0; i < 10; i++) c.set(`k${i}`, String(i), { ttl: i < 4 ? 10 : 0 });
    clock.t += 10;
    expect(c.purgeStale()).toBe(4);
    expect(c.shrink(0.3)).toBe(3);
    expect([...c.keys()]).toEqual(['k9', 'k8', 'k7']);
    expect(() => c.shrink(2)).toThrow(/toFraction/);
  });

  it('dumps and loads entries with their order and remaining TTL', () => {
    const clock = fakeClock();
    const source = cache({ max: 10, clock });
    source.set('a', '1', { ttl: 100 }).set('b', '2').set('gone', '3', { ttl: 5 });
    clock.t += 40;
    const target = cache({ max: 10, clock });
    target.load(JSON.parse(JSON.stringify(source.dump())));
    expect([...target.keys()]).toEqual(['b', 'a']);
    expect(target.getRemainingTTL('a')).toBe(60);
  });

  it('counts what happened in stats', () => {
    const c = cache({ max: 1 });
    c.set('a', '1');
    c.get('a');
    c.get('zz');
    c.set('b', '2');
    c.delete('b');
    expect(c.stats()).toMatchObject({
      hits: 1,
      misses: 1,
      sets: 2,
      deletes: 1,
      evictions: 1,
      size: 0,
      hitRate: 0.5,
    });
  });

  it('calls the loader once for 1,000 concurrent fetches of one key', async () => {
    const c = cache({ max: 10 });
    let calls = 0;
    const loader = async (key: string) => {
      calls++;
      await new Promise((r) => setTimeout(r, 5));
      return `loaded ${key}`;
    };
    const results = await Promise.all(Array.from({ length: 1000 }, () => c.fetch('k', loader)));
    expect(calls).toBe(1);
    expect(new Set(results)).toEqual(new Set(['loaded k']));
    expect(await c.fetch('k', loader)).toBe('loaded k');
    expect(calls).toBe(1);
    expect(c.stats()).toMatchObject({ loads: 1, hits: 1 });
  });

  it('gives a loader error to every waiter and does not cache it', async () => {
    const c = cache({ max: 10 });
    let calls = 0;
    const failing = async () => {
      calls++;
      throw new Error('upstream down');
    };
    const settled = await Promise.allSettled([c.fetch('k', failing), c.fetch('k', failing)]);
    expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected']);
    expect(calls).toBe(1);
    expect(await c.fetch('k', async () => 'ok')).toBe('ok');
    expect(c.stats().loadErrors).toBe(1);
  });

  it('serves stale while one refresh runs', async () => {
    const clock = fakeClock();
    const c = cache({ max: 10, ttl: 10, clock });
    c.set('k', 'old');
    clock.t += 20;
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let calls = 0;
    const loader = async () => {
      calls++;
      await gate;
      return 'new';
    };
    expect(await c.fetch('k', loader, { staleWhileRevalidate: true })).toBe('old');
    expect(await c.fetch('k', loader, { staleWhileRevalidate: true })).toBe('old');
    release();
    await new Promise((r) => setImmediate(r));
    expect(calls).toBe(1);
    expect(c.get('k')).toBe('new');
  });

  it('staleIfError: a failed load answers the value that went stale within the window, to every waiter', async () => {
    const clock = fakeClock();
    const c = cache({ max: 10, ttl: 100, staleIfError: 1_000, clock });
    const failing = async () => {
      throw new Error('upstream down');
    };
    c.set('k', 'old');
    clock.t += 150;
    // Stale: reads miss it, but it is still held.
    expect([c.get('k'), c.has('k'), c.peek('k'), c.size]).toEqual([undefined, false, undefined, 1]);
    expect(await Promise.all([c.fetch('k', failing), c.fetch('k', failing)])).toEqual([
      'old',
      'old',
    ]);
    expect(c.stats()).toMatchObject({ loadErrors: 1, staleHits: 2 });
    await expect(c.fetch('k', failing, { staleIfError: false })).rejects.toThrow('upstream down');
    // A key never held has nothing to fall back on.
    await expect(c.fetch('other', failing)).rejects.toThrow('upstream down');
    // A load that works replaces the stale value as usual.
    expect(await c.fetch('k', async () => 'new')).toBe('new');
    expect(c.get('k')).toBe('new');
  });

  it('staleIfError: past the window the entry is gone, from fetch, reads and the sweep alike', async () => {
    const clock = fakeClock();
    const c = cache({ max: 10, ttl: 100, staleIfError: 1_000, clock });
    const failing = async () => {
      throw new Error('upstream down');
    };
    c.set('a', '1');
    c.set('b', '2');
    clock.t += 100 + 999;
    expect(c.purgeStale()).toBe(0);
    expect(await c.fetch('a', failing)).toBe('1');
    clock.t += 1;
    await expect(c.fetch('a', failing)).rejects.toThrow('upstream down');
    expect(c.get('a')).toBeUndefined();
    expect(c.size).toBe(1);
    expect(c.purgeStale()).toBe(1);
    expect(c.size).toBe(0);
  });

  it('softTimeout: a slow load is answered with the kept stale value, and fills the cache when it ends', async () => {
    const clock = fakeClock();
    const c = cache({ max: 10, ttl: 100, staleIfError: 1_000, softTimeout: 20, clock });
    c.set('k', 'old');
    clock.t += 150;
    let release!: (v: string) => void;
    let calls = 0;
    const slow = () => {
      calls++;
      return new Promise<string>((r) => {
        release = r;
      });
    };
    expect(await Promise.all([c.fetch('k', slow), c.fetch('k', slow)])).toEqual(['old', 'old']);
    expect(calls).toBe(1);
    release('new');
    await new Promise((r) => setImmediate(r));
    expect(c.get('k')).toBe('new');
    expect(c.stats()).toMatchObject({ staleHits: 2, loads: 1, loadErrors: 0 });
    // Nothing kept: the load is waited for, however slow.
    const pending = c.fetch('other', slow);
    await new Promise((r) => setTimeout(r, 40));
    release('loaded');
    expect(await pending).toBe('loaded');
  });

  it('staleIfError: an aborted caller gets its abort, not the stale value', async () => {
    const clock = fakeClock();
    const c = cache({ max: 10, ttl: 100, staleIfError: 1_000, clock });
    c.set('k', 'old');
    clock.t += 150;
    const controller = new AbortController();
    let fail!: (e: Error) => void;
    const loader = () =>
      new Promise<string>((_, reject) => {
        fail = reject;
      });
    const aborted = c.fetch('k', loader, { signal: controller.signal });
    const patient = c.fetch('k', loader);
    controller.abort(new Error('caller gave up'));
    await expect(aborted).rejects.toThrow('caller gave up');
    fail(new Error('upstream down'));
    expect(await patient).toBe('old');
  });

  it('rejects only the caller whose signal aborts', async () => {
    const c = cache({ max: 10 });
    const controller = new AbortController();
    let release!: (v: string) => void;
    const loader = () =>
      new Promise<string>((r) => {
        release = r;
      });
    const aborted = c.fetch('k', loader, { signal: controller.signal });
    const patient = c.fetch('k', loader);
    controller.abort(new Error('caller gave up'));
    await expect(aborted).rejects.toThrow('caller gave up');
    release('value');
    expect(await patient).toBe('value');
    expect(c.get('k')).toBe('value');
  });

  it('does not let a load that started before a set overwrite it', async () => {
    const c = cache({ max: 10 });
    let release!: (v: string) => void;
    const pending = c.fetch('k', () => new Promise<string>((r) => (release = r)));
    c.set('k', 'newer');
    release('older');
    expect(await pending).toBe('older');
    expect(c.get('k')).toBe('newer');
  });

  it('caches a wrapped function by its argument', async () => {
    const c = cache<string, number>({ max: 10 });
    let calls = 0;
    const square = c.cached(
      async (x: number) => {
        calls++;
        return x * x;
      },
      { key: (x) => `sq:${x}` },
    );
    expect([await square(3), await square(3), await square(4)]).toEqual([9, 9, 16]);
    expect(calls).toBe(2);
  });
});

describe('TtlCache options', () => {
  it.each([
    [{}, /at least one of max, maxSize, ttl/],
    [{ max: 0 }, /max must be a positive integer; got 0/],
    [{ max: 1.5 }, /max must be a positive integer/],
    [{ ttl: -1 }, /ttl must be a finite number/],
    [{ max: 1, staleIfError: -5 }, /staleIfError must be a finite number of ms >= 0 \(0 for off\)/],
    [{ max: 1, softTimeout: 50 }, /softTimeout needs staleIfError/],
    [{ maxSize: 10, engine: 'js' }, /maxSize needs sizeCalculation on the js engine/],
    [
      { maxSize: 10, sizeCalculation: () => 1, maxEntrySize: 20 },
      /maxEntrySize \(20\) must not exceed/,
    ],
    [{ max: 1, allowStale: 'yes' }, 'allowStale must be true or false; got the string "yes"'],
    [{ max: '100' }, 'max must be a positive integer; got the string "100"'],
    [{ max: 1, engine: 'rust' }, /engine must be one of "auto", "js", "native"/],
    [{ max: 1, dispose: 'no' }, /dispose must be a function/],
    [{ max: 10, tll: 1000 }, 'TtlCache: unknown option `tll`; did you mean `ttl`?'],
    [{ max: 10, maxsize: 1000 }, 'TtlCache: unknown option `maxsize`; did you mean `maxSize`?'],
  ])('rejects %j', (options, message) => {
    expect(() => new TtlCache(options as TtlCacheOptions<unknown, unknown>)).toThrow(message);
  });

  it('rejects a bad size from sizeCalculation, naming it', () => {
    const c = new TtlCache<string, string>({ maxSize: 10, sizeCalculation: () => Number.NaN });
    expect(() => c.set('a', 'b')).toThrow(
      /sizeCalculation returned a positive finite number; got NaN/,
    );
  });

  it('refuses keys the native engine cannot hold, naming the type', () => {
    if (!engineInfo().nativeAvailable) throw new Error(engineInfo().reason);
    const c = new TtlCache<object, string>({ max: 1, engine: 'native' });
    expect(() => c.set({}, 'v')).toThrow(
      /native engine takes string, number or Buffer keys; got Object/,
    );
  });
});
