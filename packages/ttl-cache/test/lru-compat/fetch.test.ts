import { describe, expect, it } from 'vitest';
import { both, fields, type LRUClass, rig, describe as show } from './twins.js';

/**
 * fetch, forceFetch and memo: each scenario (from lru-cache's README and tests) runs on
 * lru-cache 11.3.6 and on our LRUCache, records what a user could see, and the two
 * records must be equal; a few facts are also asserted outright so that a shared mistake
 * in a scenario cannot pass unnoticed.
 */

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets every pending promise callback run. */
const settle = () => new Promise((r) => setImmediate(r));

/** What a promise came to, as a word: never rejects, so no scenario leaves one unhandled. */
async function outcome(p: Promise<unknown>): Promise<unknown> {
  try {
    return ['resolved', show(await p)];
  } catch (error) {
    return ['rejected', show(error)];
  }
}

/** A fetchMethod whose calls the scenario resolves by hand, in any order. */
function manualFetcher() {
  const calls: {
    key: unknown;
    stale: unknown;
    signal: AbortSignal;
    options: any;
    context: unknown;
    d: ReturnType<typeof deferred<unknown>>;
  }[] = [];
  const fetchMethod = (key: unknown, stale: unknown, { signal, options, context }: any) => {
    const d = deferred<unknown>();
    calls.push({ key, stale, signal, options, context, d });
    return d.promise;
  };
  return { calls, fetchMethod };
}

describe('LRUCache.fetch compared with lru-cache 11.3.6', () => {
  it('a miss makes one fetchMethod call for concurrent callers, and stores its value', async () => {
    const [anchor, ours] = await both(async (cls: LRUClass) => {
      const f = manualFetcher();
      const { cache, log } = rig(cls, { max: 5, fetchMethod: f.fetchMethod });
      const statuses = [{}, {}];
      const a = cache.fetch(1, { status: statuses[0], context: 'ctx' } as any);
      const b = cache.fetch(1, { status: statuses[1] });
      const during = [
        cache.size,
        cache.get(1),
        cache.has(1),
        cache.peek(1),
        [...cache.keys()],
        cache.dump(),
        cache.info(1),
        cache.getRemainingTTL(1),
      ];
      f.calls[0]!.d.resolve('one');
      const results = [await outcome(a), await outcome(b)];
      return {
        calls: f.calls.length,
        context: f.calls[0]!.context,
        optionKeys: Object.keys(f.calls[0]!.options),
        during,
        results,
        after: [...cache.entries()],
        statuses: statuses.map(fields),
        log,
        aborted: f.calls[0]!.signal.aborted,
      };
    });
    expect(ours).toEqual(anchor);
    expect(ours.calls).toBe(1);
    expect(ours.results).toEqual([
      ['resolved', 'one'],
      ['resolved', 'one'],
    ]);
  });

  it('stale-while-revalidate: allowStale serves the old value while it refreshes', async () => {
    const [anchor, ours] = await both(async (cls) => {
      const f = manualFetcher();
      const { cache, log, advance } = rig(cls, {
        max: 5,
        ttl: 10,
        allowStale: true,
        fetchMethod: f.fetchMethod,
      });
      cache.set('k', 'old');
      advance(11);
      const status = {};
      const first = await outcome(cache.fetch('k', { status }));
      const during = [
        cache.get('k'),
        cache.has('k'),
        cache.peek('k'),
        [...cache.keys()],
        cache.dump().map(([k, e]) => [k, e.value]),
      ];
      f.calls[0]!.d.resolve('new');
      await settle();
      return {
        first,
        during,
        stale: f.calls[0]!.stale,
        after: cache.get('k'),
        status: fields(status),
        log,
      };
    });
    expect(ours).toEqual(anchor);
    expect(ours.first).toEqual(['resolved', 'old']);
    expect(ours.after).toBe('new');
  });

  it('rejections: delete by default, keep with noDeleteOnFetchRejection, resolve stale with allowStaleOnFetchRejection', async () => {
    for (const extra of [
      {},
      { noDeleteOnFetchRejection: true },
      { allowStaleOnFetchRejection: true },
    ]) {
      const [anchor, ours] = await both(async (cls) => {
        const f = manualFetcher();
        const { cache, log, advance } = rig(cls, {
          max: 5,
          ttl: 10,
          fetchMethod: f.fetchMethod,
          ...extra,
        });
        cache.set('k', 'old');
        advance(11);
        const status = {};
        const p = cache.fetch('k', { status });
        f.calls[0]!.d.reject(new Error('boom'));
        const result = await outcome(p);
        return {
          result,
          left: cache.peek('k', { allowStale: true }),
          size: cache.size,
          status: fields(status),
          log,
        };
      });
      expect(ours).toEqual(anchor);
    }
  });

  it('aborts: delete, set over the fetch and eviction reject it; the fetchMethod sees the signal', async () => {
    const [anchor, ours] = await both(async (cls) => {
      const f = manualFetcher();
      const { cache, log } = rig(cls, { max: 2, fetchMethod: f.fetchMethod });
      const deleted = cache.fetch('a');
      cache.delete('a');
      const replaced = cache.fetch('b');
      cache.set('b', 'set-by-hand');
      const evicted = cache.fetch('c');
      cache.set('d', 1);
      cache.set('e', 2);
      const reasons = f.calls.map((c) => [c.key, c.signal.aborted, show(c.signal.reason)]);
      for (const c of f.calls) c.d.resolve(`late ${c.key}`);
      const results = [await outcome(deleted), await outcome(replaced), await outcome(evicted)];
      return { reasons, results, entries: [...cache.entries()], log };
    });
    expect(ours).toEqual(anchor);
    expect(ours.results[0]).toEqual(['rejected', 'Error: deleted']);
  });

  it("a caller's signal aborts the fetch with the caller's reason", async () => {
    const [anchor, ours] = await both(async (cls) => {
      const f = manualFetcher();
      const { cache } = rig(cls, { max: 2, fetchMethod: f.fetchMethod });
      const ac = new AbortController();
      const p = cache.fetch('a', { signal: ac.signal });
      ac.abort(new Error('caller gave up'));
      return { result: await outcome(p), size: cache.size, signal: f.calls[0]!.signal.aborted };
    });
    expect(ours).toEqual(anchor);
  });

  it('ignoreFetchAbort keeps the fetch going and caches it; allowStaleOnFetchAbort serves stale and writes back later', async () => {
    for (const extra of [
      { ignoreFetchAbort: true },
      { allowStaleOnFetchAbort: true },
      { ignoreFetchAbort: true, allowStaleOnFetchAbort: true },
    ]) {
      const [anchor, ours] = await both(async (cls) => {
        const f = manualFetcher();
        const { cache, log, advance } = rig(cls, {
          max: 5,
          ttl: 10,
          fetchMethod: f.fetchMethod,
          ...extra,
        });
        cache.set('k', 'old');
        advance(11);
        const ac = new AbortController();
        const status = {};
        const p = cache.fetch('k', { signal: ac.signal, status });
        ac.abort(new Error('stop'));
        const early = await outcome(Promise.race([p, settle().then(() => 'still pending')]));
        f.calls[0]!.d.resolve('late');
        const result = await outcome(p);
        await settle();
        return {
          early,
          result,
          after: cache.peek('k', { allowStale: true }),
          status: fields(status),
          log,
        };
      });
      expect(ours).toEqual(anchor);
    }
  });

  it('a fetch that resolves undefined restores the stale value, or removes a placeholder', async () => {
    const [anchor, ours] = await both(async (cls) => {
      const f = manualFetcher();
      const { cache, log, advance } = rig(cls, { max: 5, ttl: 10, fetchMethod: f.fetchMethod });
      cache.set('k', 'old');
      advance(11);
      const stale = cache.fetch('k');
      const missing = cache.fetch('m');
      for (const c of f.calls) c.d.resolve(undefined);
      await settle();
      const forced = outcome(cache.forceFetch('m'));
      f.calls[2]!.d.resolve(undefined);
      return {
        results: [await outcome(stale), await outcome(missing), await forced],
        k: [cache.has('k'), cache.peek('k', { allowStale: true })],
        size: cache.size,
        log,
      };
    });
    expect(ours).toEqual(anchor);
    expect(ours.results[2]).toEqual(['rejected', 'Error: fetch() returned undefined']);
  });

  it('forceRefresh fetches a fresh entry again, serving it meanwhile under allowStale; fetchMethod may change the ttl', async () => {
    const [anchor, ours] = await both(async (cls) => {
      const f = manualFetcher();
      const { cache, log } = rig(cls, { max: 5, ttl: 100, fetchMethod: f.fetchMethod });
      cache.set('k', 'v1');
      const status = {};
      const p = cache.fetch('k', { forceRefresh: true, allowStale: true, status });
      const during = [
        cache.get('k'),
        cache.has('k'),
        [...cache.keys()],
        cache.find((v) => v === 'v1'),
      ];
      f.calls[0]!.options.ttl = 25;
      f.calls[0]!.d.resolve('v2');
      const first = await outcome(p);
      await settle();
      return {
        first,
        during,
        after: cache.get('k'),
        ttl: cache.getRemainingTTL('k'),
        status: fields(status),
        log,
      };
    });
    expect(ours).toEqual(anchor);
    expect(ours.ttl).toBe(25);
  });

  it('without a fetchMethod, fetch is get', async () => {
    const [anchor, ours] = await both(async (cls) => {
      const { cache } = rig(cls, { max: 5 });
      cache.set('k', 'v');
      const status = {};
      return {
        hit: await outcome(cache.fetch('k', { status })),
        miss: await outcome(cache.forceFetch('m')),
        status: fields(status),
      };
    });
    expect(ours).toEqual(anchor);
  });

  it('a placeholder is not removed when earlier fetches resolve out of order (maxSize)', async () => {
    const [anchor, ours] = await both(async (cls) => {
      const f = manualFetcher();
      const { cache } = rig(cls, {
        maxSize: 10,
        sizeCalculation: (v: number) => v,
        fetchMethod: f.fetchMethod,
      });
      const ps = [3, 4, 5].map((k) => cache.fetch(k));
      f.calls[1]!.d.resolve(4);
      await settle();
      f.calls[2]!.d.resolve(5);
      await settle();
      f.calls[0]!.d.resolve(3);
      const results = await Promise.all(ps.map(outcome));
      return {
        results,
        entries: [...cache.entries()],
        size: cache.size,
        calculatedSize: cache.calculatedSize,
      };
    });
    expect(ours).toEqual(anchor);
  });

  it('pop skips an in-flight miss and returns a refresh’s stale value', async () => {
    const [anchor, ours] = await both(async (cls) => {
      const f = manualFetcher();
      const { cache, log } = rig(cls, { max: 5, fetchMethod: f.fetchMethod });
      const miss = cache.fetch('a');
      cache.set('b', 111);
      const refresh = cache.fetch('b', { forceRefresh: true });
      cache.set('c', 3);
      const popped = [cache.pop(), cache.pop(), cache.pop()];
      return { popped, results: [await outcome(miss), await outcome(refresh)], log };
    });
    expect(ours).toEqual(anchor);
  });

  it('a synchronous throw in fetchMethod rejects the fetch', async () => {
    const [anchor, ours] = await both(async (cls) => {
      const { cache } = rig(cls, {
        max: 5,
        fetchMethod: () => {
          throw new Error('sync');
        },
      });
      return { result: await outcome(cache.fetch('a')), size: cache.size };
    });
    expect(ours).toEqual(anchor);
  });
});

describe('LRUCache.memo compared with lru-cache 11.3.6', () => {
  it('computes on a miss, serves hits, recomputes on forceRefresh, and passes context', async () => {
    const [anchor, ours] = await both((cls) => {
      const calls: unknown[] = [];
      const { cache, log } = rig(cls, {
        max: 5,
        memoMethod: (k: string, stale: unknown, { options, context }: any) => {
          calls.push([k, stale, Object.keys(options), context]);
          return Number.parseInt(k, context ?? 10);
        },
      });
      const statuses = [{}, {}, {}];
      const out = [
        cache.memo('10', { status: statuses[0] }),
        cache.memo('10', { context: 16, status: statuses[1] } as any),
        cache.memo('10', { context: 8, forceRefresh: true, status: statuses[2] } as any),
      ];
      let error: unknown;
      try {
        new cls({ max: 1 }).memo('x');
      } catch (e) {
        error = show(e);
      }
      return { out, calls, statuses: statuses.map(fields), log, error };
    });
    expect(ours).toEqual(anchor);
    expect(ours.out).toEqual([10, 10, 8]);
  });
});
