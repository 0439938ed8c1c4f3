/**
 * generic-pool 3.9's documented and tested behaviour, run on generic-pool itself and on
 * ours: each case is written once and must pass on both. The scenarios follow the
 * anchor's own test suite (test/generic-pool-test.js, the acquire and destroy timeout
 * tests, GH-159) and what its source does that users observe (counters changing
 * synchronously, priority slots, fifo, validate's strict `false`, error messages).
 * Where ours deliberately differs, the case is in fixes.test.ts instead.
 */
import { describe, expect, it } from 'vitest';
import {
  type AnyPool,
  counters,
  implementations,
  RecordingFactory,
  type Resource,
  settle,
  sleep,
} from './implementations.js';

const stop = async <T>(pool: AnyPool<T>) => {
  await pool.drain();
  await pool.clear();
};

describe.each(implementations)('$name', ({ createPool }) => {
  describe('options as generic-pool reads them', () => {
    it('defaults to max 1 and min 0', () => {
      const pool = createPool(new RecordingFactory());
      expect([pool.max, pool.min]).toEqual([1, 0]);
    });

    it('ignores malformed min and max', () => {
      const pool = createPool(new RecordingFactory(), { min: 'asf', max: [] } as never);
      expect([pool.max, pool.min]).toEqual([1, 0]);
    });

    it('caps min at max', () => {
      const pool = createPool(new RecordingFactory(), { min: 5, max: 3, autostart: false });
      expect([pool.max, pool.min]).toEqual([3, 3]);
    });

    it.each([
      ['10px', 10],
      [2.9, 2],
      ['3.7', 3],
      [0, 1],
      [-5, 1],
      [Number.POSITIVE_INFINITY, 1],
      [null, 1],
    ])('reads max %j as %j', (max, expected) => {
      const pool = createPool(new RecordingFactory(), { max } as never);
      expect(pool.max).toBe(expected);
    });

    it('keeps a negative min as given, meaning none', async () => {
      const pool = createPool(new RecordingFactory(), { min: -1 });
      expect(pool.min).toBe(-1);
      expect(pool.size).toBe(0);
      await pool.ready();
    });

    it.each([
      [{}, 'factory.create must be a function'],
      [{ create: () => ({}) }, 'factory.destroy must be a function'],
      [
        { create: () => ({}), destroy: () => {}, validate: null },
        'factory.validate must be a function',
      ],
    ])('checks the factory: %j', (factory, message) => {
      expect(() => createPool(factory as never)).toThrow(new TypeError(message));
    });
  });

  describe('lending and counters', () => {
    it('lends at once from idle resources: the counters change inside acquire and release', async () => {
      const pool = createPool(new RecordingFactory(), { max: 2 });
      const seen = [counters(pool)];
      const a = await pool.acquire();
      seen.push(counters(pool));
      const b = await pool.acquire();
      seen.push(counters(pool));
      pool.release(a);
      seen.push(counters(pool));
      pool.release(b);
      seen.push(counters(pool));
      pool.acquire(); // an idle resource is lent before acquire returns
      seen.push(counters(pool));
      expect(seen.map((c) => [c.size, c.available, c.borrowed, c.pending])).toEqual([
        [0, 0, 0, 0],
        [1, 0, 1, 0],
        [2, 0, 2, 0],
        [2, 1, 1, 0],
        [2, 2, 0, 0],
        [2, 1, 1, 0],
      ]);
    });

    it('counts a create under way in size, and not in available', () => {
      const pool = createPool(new RecordingFactory(), { max: 3 });
      pool.acquire();
      expect(counters(pool)).toMatchObject({ size: 1, available: 0, borrowed: 0, pending: 1 });
      expect(pool.spareResourceCapacity).toBe(2);
    });

    it('serves the next waiter inside release', async () => {
      const pool = createPool(new RecordingFactory(), { max: 1 });
      const first = pool.acquire();
      const second = pool.acquire();
      const a = await first;
      expect(counters(pool)).toMatchObject({ available: 0, borrowed: 1, pending: 1 });
      pool.release(a);
      expect(counters(pool)).toMatchObject({ available: 0, borrowed: 1, pending: 0 });
      expect(await second).toBe(a);
    });

    it('refuses to take back what it did not lend, with generic-pool message', async () => {
      const pool = createPool(new RecordingFactory(), { max: 1 });
      const a = await pool.acquire();
      await expect(pool.release({ id: 99 })).rejects.toThrow(
        new Error('Resource not currently part of this pool'),
      );
      expect(counters(pool)).toMatchObject({ available: 0, borrowed: 1 });
      await pool.release(a);
      await expect(pool.release(a)).rejects.toThrow('Resource not currently part of this pool');
      await expect(pool.destroy(a)).rejects.toThrow('Resource not currently part of this pool');
    });

    it('tells borrowed resources apart', async () => {
      const pool = createPool(new RecordingFactory());
      const a = await pool.acquire();
      expect(pool.isBorrowedResource(a)).toBe(true);
      await pool.release(a);
      expect(pool.isBorrowedResource(a)).toBe(false);
    });

    it('replaces a destroyed resource for the next waiter', async () => {
      const factory = new RecordingFactory();
      const pool = createPool(factory, { max: 1 });
      const first = pool.acquire();
      const second = pool.acquire();
      const a = await first;
      pool.destroy(a);
      const b = await second;
      expect(b.id).toBe(1);
      expect(counters(pool)).toMatchObject({ size: 1, available: 0, borrowed: 1, pending: 0 });
      await settle();
      expect(factory.destroyed).toEqual([0]);
    });

    it('serves priorities in order, FIFO within one, and reads priorities as generic-pool does', async () => {
      const pool = createPool(new RecordingFactory(), { max: 1, priorityRange: 3 });
      const holder = await pool.acquire();
      const served: string[] = [];
      const priorities: [string, unknown][] = [
        ['p2', 2],
        ['p5', 5],
        ['none', undefined],
        ['p1', 1],
        ['p-1', -1],
        ['p0', 0],
        ['NaN', Number.NaN],
        ['"1"', '1'],
        ['1.7', 1.7],
      ];
      const all = priorities.map(([label, priority]) =>
        pool.acquire(priority as number).then((r) => {
          served.push(label);
          pool.release(r);
        }),
      );
      pool.release(holder);
      await Promise.all(all);
      expect(served).toEqual(['none', 'p0', 'NaN', 'p1', '"1"', '1.7', 'p2', 'p5', 'p-1']);
    });

    it.each([
      [true, [0, 1, 2], 0],
      [false, [2, 1, 0], 2],
    ])(
      'with fifo %s lends the idle resource returned first (true) or last (false)',
      async (fifo, lent, next) => {
        const pool = createPool(new RecordingFactory(), { max: 3, fifo });
        // Three creates finish in one turn; all are idle before any is lent.
        const resources = await Promise.all([pool.acquire(), pool.acquire(), pool.acquire()]);
        expect(resources.map((r) => r.id)).toEqual(lent);
        for (const r of [...resources].sort((a, b) => a.id - b.id)) pool.release(r);
        expect((await pool.acquire()).id).toBe(next);
      },
    );

    it('passes a priority through use, and resolves with what fn resolves', async () => {
      const pool = createPool(new RecordingFactory());
      let sideEffect = false;
      const value = await pool.use(
        (r: Resource) =>
          new Promise<string>((resolve) =>
            setImmediate(() => {
              sideEffect = r.id === 0;
              resolve('value');
            }),
          ),
        0,
      );
      expect([value, sideEffect, pool.borrowed, pool.available]).toEqual(['value', true, 0, 1]);
    });

    it('destroys the resource when fn rejects, and rejects with its error', async () => {
      const factory = new RecordingFactory();
      const pool = createPool(factory);
      const failure = new Error('query failed');
      await expect(pool.use(() => Promise.reject(failure))).rejects.toBe(failure);
      await settle();
      expect(factory.destroyed).toEqual([0]);
      expect(counters(pool)).toMatchObject({ size: 0, borrowed: 0 });
    });
  });

  describe('waiting', () => {
    it('refuses waiters past maxWaitingClients, 0 included, counting those waiting on a create', async () => {
      const pool = createPool(new RecordingFactory(), { max: 2, maxWaitingClients: 0 });
      pool.acquire();
      expect(pool.size).toBe(1);
      pool.acquire();
      expect(pool.size).toBe(2);
      await expect(pool.acquire()).rejects.toThrow(new Error('max waitingClients count exceeded'));

      const one = createPool(new RecordingFactory(), { max: 1, maxWaitingClients: 1 });
      one.acquire();
      await expect(one.acquire()).rejects.toThrow('max waitingClients count exceeded');
    });

    it('rejects a waiter after acquireTimeoutMillis with a TimeoutError, and drops it from the queue', async () => {
      const pool = createPool(new RecordingFactory({ createDelayMs: 100 }), {
        acquireTimeoutMillis: 20,
      });
      const error = await pool.acquire().catch((e: Error) => e);
      expect(error).toBeInstanceOf(Error);
      expect([(error as Error).name, (error as Error).message]).toEqual([
        'TimeoutError',
        'ResourceRequest timed out',
      ]);
      expect((error as Error).constructor.name).toBe('TimeoutError');
      expect(pool.pending).toBe(0);
      await sleep(120);
      // The create the waiter started finishes, and its resource is kept for the next one.
      expect(counters(pool)).toMatchObject({ size: 1, available: 1 });
      await stop(pool);
    });

    it('resolves a waiter served before acquireTimeoutMillis', async () => {
      const pool = createPool(new RecordingFactory({ createDelayMs: 10 }), {
        acquireTimeoutMillis: 400,
      });
      const a = await pool.acquire();
      expect(a.id).toBe(0);
      await pool.release(a);
      await stop(pool);
    });

    it('retries a failing create until it succeeds, telling factoryCreateError each time', async () => {
      let attempts = 0;
      const pool = createPool(
        {
          create: async () => {
            attempts++;
            if (attempts <= 5) throw new Error(`create failed ${attempts}`);
            return { id: attempts };
          },
          destroy: async () => {},
        },
        { max: 1 },
      );
      const errors: string[] = [];
      pool.on('factoryCreateError', (e: Error) => errors.push(e.message));
      const resource = await pool.acquire();
      expect(resource).toEqual({ id: 6 });
      expect(errors).toEqual([1, 2, 3, 4, 5].map((n) => `create failed ${n}`));
      expect(pool.pending).toBe(0);
      expect(pool.available).toBe(0);
    });
  });

  describe('validation on borrow', () => {
    it('destroys only what validate calls exactly false, new resources included', async () => {
      const factory = new RecordingFactory();
      factory.validity = (r) => (r.id === 0 ? false : 0);
      const pool = createPool(factory, { max: 1, testOnBorrow: true });
      const a = await pool.acquire();
      expect(a.id).toBe(1);
      expect(factory.validated).toEqual([0, 1]);
      await settle();
      expect(factory.destroyed).toEqual([0]);
    });

    it('never validates without testOnBorrow', async () => {
      const factory = new RecordingFactory();
      factory.validity = () => false;
      const pool = createPool(factory);
      await pool.release(await pool.acquire());
      await pool.acquire();
      expect(factory.validated).toEqual([]);
    });
  });

  describe('life cycle', () => {
    it('creates min at construction, or at start() / the first acquire without autostart', async () => {
      const eager = createPool(new RecordingFactory(), { min: 2, max: 3 });
      expect(eager.size).toBe(2);
      const lazy = createPool(new RecordingFactory(), { min: 1, max: 2, autostart: false });
      expect(lazy.size).toBe(0);
      lazy.start();
      expect(lazy.size).toBe(1);
      const lazier = createPool(new RecordingFactory(), { min: 1, max: 2, autostart: false });
      const loan = lazier.acquire(); // starts the pool: its one create serves this acquire too
      expect(lazier.size).toBe(1);
      await lazier.release(await loan);
      await Promise.all([stop(eager), stop(lazy), stop(lazier)]);
    });

    it('is ready once min resources are idle', async () => {
      const pool = createPool(new RecordingFactory({ createDelayMs: 5 }), { min: 2, max: 4 });
      await pool.ready();
      expect(pool.available).toBeGreaterThanOrEqual(2);
    });

    it('drains: serves those waiting, waits for loans, then refuses new acquires', async () => {
      const pool = createPool(new RecordingFactory(), { max: 2 });
      let acquired = 0;
      for (let i = 0; i < 5; i++) {
        pool.acquire().then((r) => {
          acquired++;
          setTimeout(() => pool.release(r), 30);
        });
      }
      expect(acquired).not.toBe(5);
      await pool.drain();
      expect(acquired).toBe(5);
      expect(pool.borrowed).toBe(0);
      await pool.clear();
      await expect(pool.acquire()).rejects.toThrow(
        new Error('pool is draining and cannot accept work'),
      );
    });

    it('clears with no value once creates under way are done', async () => {
      const factory = new RecordingFactory({ createDelayMs: 5 });
      const pool = createPool(factory, { max: 3, min: 3 });
      const loans = [pool.acquire(), pool.acquire(), pool.acquire()];
      expect(pool.pending).toBe(3);
      for (const loan of loans) loan.then((r) => pool.release(r));
      await pool.drain();
      expect(await pool.clear()).toBeUndefined();
      expect(factory.destroyed.sort()).toEqual([0, 1, 2]);
    });

    it('destroys everything it created when drained and cleared at once (min > 0, testOnBorrow)', async () => {
      const factory = new RecordingFactory();
      let count = 0;
      const alternating = {
        ...factory,
        create: () => (count++ % 2 === 0 ? sleep(10).then(factory.create) : factory.create()),
        destroy: factory.destroy,
        validate: factory.validate,
      };
      const pool = createPool(alternating, {
        max: 10,
        min: 1,
        evictionRunIntervalMillis: 500,
        idleTimeoutMillis: 30_000,
        testOnBorrow: true,
      });
      await pool.drain();
      await pool.clear();
      expect(factory.destroyed.length).toBe(factory.created);
    });

    it('evicts resources idle past idleTimeoutMillis (and refills min)', async () => {
      const pool = createPool(new RecordingFactory(), {
        min: 2,
        max: 2,
        idleTimeoutMillis: 50,
        evictionRunIntervalMillis: 10,
      });
      await sleep(150);
      const r = await pool.acquire();
      expect(r.id).toBeGreaterThan(1);
      await pool.release(r);
      await stop(pool);
    });

    it('leaves idle resources alone when only softIdleTimeoutMillis -1 (the default) could evict them', async () => {
      const factory = new RecordingFactory();
      const pool = createPool(factory, { evictionRunIntervalMillis: 10 });
      await pool.release(await pool.acquire());
      await sleep(40);
      expect(factory.destroyed).toEqual([]);
      await stop(pool);
    });

    it('evicts above min after softIdleTimeoutMillis', async () => {
      const factory = new RecordingFactory();
      const pool = createPool(factory, {
        min: 1,
        max: 3,
        softIdleTimeoutMillis: 20,
        evictionRunIntervalMillis: 10,
      });
      const all = await Promise.all([pool.acquire(), pool.acquire(), pool.acquire()]);
      for (const r of all) pool.release(r);
      await sleep(120);
      expect(factory.destroyed.length).toBe(2);
      expect(pool.available).toBe(1);
      await stop(pool);
    });

    it('reports a destroy slower than destroyTimeoutMillis as factoryDestroyError "destroy timed out"', async () => {
      const pool = createPool(new RecordingFactory({ destroyDelayMs: 100 }), {
        destroyTimeoutMillis: 20,
      });
      const errors: Error[] = [];
      pool.on('factoryDestroyError', (e: Error) => errors.push(e));
      await pool.destroy(await pool.acquire());
      await sleep(60);
      expect(errors.map((e) => [e.name, e.message])).toEqual([['Error', 'destroy timed out']]);
    });

    it('stays quiet about a destroy within destroyTimeoutMillis', async () => {
      const pool = createPool(new RecordingFactory({ destroyDelayMs: 10 }), {
        destroyTimeoutMillis: 400,
      });
      const errors: Error[] = [];
      pool.on('factoryDestroyError', (e: Error) => errors.push(e));
      await pool.destroy(await pool.acquire());
      await sleep(30);
      expect(errors).toEqual([]);
    });

    it('returns promises of the Promise class it is given', async () => {
      class Tracked<T> extends Promise<T> {}
      const pool = createPool(new RecordingFactory(), { Promise: Tracked as PromiseConstructor });
      const acquiring = pool.acquire();
      expect(acquiring).toBeInstanceOf(Tracked);
      const r = await acquiring;
      expect(pool.release(r)).toBeInstanceOf(Tracked);
      expect(pool.ready()).toBeInstanceOf(Tracked);
      expect(pool.use(async () => 1)).toBeInstanceOf(Tracked);
    });
  });
});
