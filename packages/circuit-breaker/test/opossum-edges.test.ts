/**
 * Opossum 8.5's edges, run against opossum itself where it is the reference (values it
 * accepts, what it reads back, its error objects), and ours alone where we deliberately
 * differ (listed in the README's migration table).
 */
import Opossum from 'opossum';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CircuitBreaker } from '../src/index.js';
import { engines, uniqueName } from './engines.js';

type AnyBreaker = {
  fire(...args: unknown[]): Promise<unknown>;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  shutdown(): void;
  [key: string]: any;
};

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

async function settle(promise: Promise<unknown>): Promise<unknown> {
  try {
    return ['resolved', await promise];
  } catch (error) {
    return ['rejected', error instanceof Error ? String(error) : error];
  }
}

describe.each(engines)('opossum 8.5 edges (%s engine)', (engine) => {
  const makers: [string, (action: unknown, options?: object) => AnyBreaker][] = [
    ['opossum', (action, options) => new Opossum(action as never, options as never) as never],
    [
      'ours',
      (action, options) =>
        new CircuitBreaker(action, { engine, name: uniqueName(), ...options } as never) as never,
    ],
  ];
  const both = async (
    scenario: (make: (a: unknown, o?: object) => AnyBreaker) => Promise<unknown>,
  ) => {
    const [theirs, ours] = [await scenario(makers[0]![1]), await scenario(makers[1]![1])];
    expect(ours).toEqual(theirs);
    return ours;
  };

  it('takes 0 for every numeric option, and reads each back as given', async () => {
    const read = await both(async (make) => {
      const zeros = {
        timeout: 0,
        resetTimeout: 0,
        errorThresholdPercentage: 0,
        rollingCountTimeout: 0,
        rollingCountBuckets: 0,
        volumeThreshold: 0,
        capacity: 0,
        cacheTTL: 0,
      };
      const names = Object.keys(zeros); // before opossum writes its defaults into `zeros`
      const breaker = make(async () => 'ok', zeros);
      const back = Object.fromEntries(names.map((k) => [k, breaker.options[k]]));
      breaker.shutdown();
      return back;
    });
    expect(read).toMatchObject({ timeout: 0, resetTimeout: 0, rollingCountBuckets: 0 });
  });

  it('timeout: false reads back false; defaults read back as opossum writes them', async () => {
    await both(async (make) => {
      const off = make(async () => 'ok', { timeout: false });
      const plain = make(async () => 'ok');
      const read = [
        'timeout',
        'resetTimeout',
        'errorThresholdPercentage',
        'rollingCountTimeout',
        'rollingCountBuckets',
        'capacity',
        'cacheTTL',
      ].map((k) => plain.options[k]);
      const result = [off.options.timeout, read];
      off.shutdown();
      plain.shutdown();
      return result;
    });
  });

  it('resetTimeout: 0 goes half-open at the next turn, and a probe closes it', async () => {
    await both(async (make) => {
      const log: unknown[] = [];
      let fail = true;
      const breaker = make(
        async () => {
          if (fail) throw new Error('down');
          return 'up';
        },
        { resetTimeout: 0, errorThresholdPercentage: 1 },
      );
      for (const event of ['open', 'halfOpen', 'close'])
        breaker.on(event, (...a) => log.push([event, ...a]));
      log.push(await settle(breaker.fire()));
      log.push([breaker.opened, breaker.halfOpen]);
      await vi.advanceTimersByTimeAsync(1);
      log.push([breaker.opened, breaker.halfOpen]);
      fail = false;
      log.push(await settle(breaker.fire()));
      log.push([breaker.closed]);
      breaker.shutdown();
      return log;
    });
  });

  it('rollingCountBuckets: 0 and rollingCountTimeout: 0 keep the default window (10 buckets, 10 s)', async () => {
    await both(async (make) => {
      const breaker = make(
        async () => {
          throw new Error('x');
        },
        { rollingCountBuckets: 0, rollingCountTimeout: 0, errorThresholdPercentage: 100 },
      );
      await settle(breaker.fire());
      await vi.advanceTimersByTimeAsync(9_000);
      const inWindow = breaker.stats.failures;
      await vi.advanceTimersByTimeAsync(2_000);
      const after = breaker.stats.failures;
      breaker.shutdown();
      return [inWindow, after];
    });
  });

  it("errors are opossum's: plain names, messages, codes, JSON and String()", async () => {
    const seen = (await both(async (make) => {
      const describe = (e: any) => [
        String(e),
        e.name,
        e.message,
        e.code,
        JSON.stringify(e),
        Object.keys(e),
        e instanceof Error,
      ];
      const open = make(async () => 'ok');
      open.open();
      const slow = make(() => new Promise((r) => setTimeout(r, 50)), { timeout: 10 });
      const narrow = make(() => new Promise((r) => setTimeout(r, 5)), { capacity: 1 });
      const down = make(async () => 'ok');
      down.shutdown();
      const errors = await Promise.all([
        open.fire().catch(describe),
        (async () => {
          const p = slow.fire().catch(describe);
          await vi.advanceTimersByTimeAsync(60);
          return p;
        })(),
        (async () => {
          const first = narrow.fire();
          const locked = await narrow.fire().catch(describe);
          await vi.advanceTimersByTimeAsync(10);
          await first;
          return locked;
        })(),
        down.fire().catch(describe),
      ]);
      for (const b of [open, slow, narrow]) b.shutdown();
      return errors;
    })) as unknown[];
    expect(seen[0]).toEqual([
      'Error: Breaker is open',
      'Error',
      'Breaker is open',
      'EOPENBREAKER',
      '{"code":"EOPENBREAKER"}',
      ['code'],
      true,
    ]);
  });

  it('breaker.semaphore: count, test, release, take (waiting, and timing out) as opossum', async () => {
    await both(async (make) => {
      const breaker = make(() => new Promise((r) => setTimeout(r, 50)), { capacity: 2 });
      const { semaphore } = breaker;
      const log: unknown[] = [semaphore.count];
      const running = breaker.fire();
      log.push(semaphore.count, semaphore.test(), semaphore.count, semaphore.test());
      let assigned: unknown;
      try {
        semaphore.count = 5;
      } catch (error) {
        assigned = (error as Error).constructor.name;
      }
      log.push(assigned);
      const timedOut = semaphore
        .take(10)
        .catch((e: { code: string; message: string }) => [e.code, e.message]);
      await vi.advanceTimersByTimeAsync(20);
      log.push(await timedOut);
      await vi.advanceTimersByTimeAsync(60); // the call settles: its slot is free again
      await running;
      log.push(semaphore.count);
      const waited = semaphore.take().then(() => log.push('took'));
      semaphore.take().then(() => log.push('second took'));
      semaphore.release();
      await waited;
      await vi.advanceTimersByTimeAsync(0);
      log.push(semaphore.count);
      breaker.shutdown();
      return log;
    });
  });

  it('healthCheck runs the check at once, then every interval; a failed check opens the circuit', async () => {
    await both(async (make) => {
      const breaker = make(async () => 'ok');
      const log: unknown[] = [];
      let checks = 0;
      breaker.on('healthCheckFailed', (e) => log.push(['healthCheckFailed', (e as Error).message]));
      breaker.on('open', () => log.push('open'));
      breaker.healthCheck(async () => {
        checks++;
        if (checks === 2) throw new Error('unhealthy');
      }, 100);
      log.push(checks); // called synchronously
      await vi.advanceTimersByTimeAsync(100);
      log.push(checks, breaker.opened);
      breaker.shutdown();
      return log;
    });
  });

  it('a falsy fallback is no fallback', async () => {
    await both(async (make) => {
      const breaker = make(async () => {
        throw new Error('x');
      });
      breaker.fallback(null as never);
      const answer = await settle(breaker.fire());
      breaker.shutdown();
      return answer;
    });
  });
});

describe.each(engines)('where we differ from opossum, on purpose (%s engine)', (engine) => {
  const make = (action: unknown, options: object = {}) =>
    new CircuitBreaker(action, { engine, name: uniqueName(), ...options } as never);

  it('refuses errorThresholdPercentage over 100 when given (opossum would never open)', () => {
    expect(() => make(async () => 1, { errorThresholdPercentage: 150 })).toThrow(
      'errorThresholdPercentage must be a percentage from 0 to 100; got 150',
    );
    make(async () => 1, { errorThresholdPercentage: 100 }).shutdown();
  });

  it('refuses a fallback that is not a function when given (opossum fails at the first failure)', () => {
    const breaker = make(async () => 1);
    expect(() => breaker.fallback('not a function' as never)).toThrow(
      'fallback must be a function or a CircuitBreaker; got the string "not a function"',
    );
    breaker.shutdown();
  });

  it.each(['failure', 'open'])(
    "a '%s' listener that throws makes the call reject with its error (opossum: never settles)",
    async (event) => {
      const breaker = make(
        async () => {
          throw new Error('down');
        },
        { timeout: 1000, errorThresholdPercentage: 1 },
      );
      breaker.on(event as never, () => {
        throw new Error(`${event} listener broke`);
      });
      await expect(breaker.fire()).rejects.toThrow(`${event} listener broke`);
      expect(breaker.stats.failures).toBe(1);
      breaker.shutdown();
    },
  );

  it('an errorFilter that throws makes the call reject with its error', async () => {
    const breaker = make(
      async () => {
        throw new Error('down');
      },
      {
        timeout: 1000,
        errorFilter: () => {
          throw new Error('filter broke');
        },
      },
    );
    await expect(breaker.fire()).rejects.toThrow('filter broke');
    breaker.shutdown();
  });

  it("a 'timeout' listener that throws makes the call reject with its error, and still aborts", async () => {
    const abortController = new AbortController();
    const breaker = make(() => new Promise(() => {}), { timeout: 10, abortController });
    breaker.on('timeout', () => {
      throw new Error('timeout listener broke');
    });
    const call = breaker.fire().catch((e: Error) => e.message);
    await vi.advanceTimersByTimeAsync(20);
    expect(await call).toBe('timeout listener broke');
    expect(abortController.signal.aborted).toBe(true);
    breaker.shutdown();
  });

  it("a 'success' listener that throws makes the call reject with its error", async () => {
    const breaker = make(async () => 'ok', { timeout: 1000 });
    breaker.on('success', () => {
      throw new Error('success listener broke');
    });
    await expect(breaker.fire()).rejects.toThrow('success listener broke');
    breaker.shutdown();
  });

  it('a waiter that timed out does not swallow the next released slot (opossum gives it to the dead waiter)', async () => {
    const breaker = make(async () => 1, { capacity: 1 });
    const { semaphore } = breaker;
    semaphore.test();
    const timedOut = semaphore.take(10).catch(() => 'timed out');
    await vi.advanceTimersByTimeAsync(20);
    expect(await timedOut).toBe('timed out');
    const waiting = semaphore.take().then(() => 'took');
    semaphore.release();
    expect(await waiting).toBe('took');
    breaker.shutdown();
  });

  it('breaker.options is frozen: options are read once (opossum reads timeout at each call)', () => {
    const given = { timeout: 100 };
    const breaker = make(async () => 1, given);
    expect(breaker.options).not.toBe(given);
    expect(() => {
      (breaker.options as { timeout: number }).timeout = 5;
    }).toThrow(TypeError);
    breaker.shutdown();
  });
});
