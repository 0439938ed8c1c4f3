/** Behaviour beyond opossum's: probes, the half-open fixes, custom breakers, errors, validation. */
import { createRequire } from 'node:module';
import { anyUtf16 } from '@bulwark/testkit';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import CircuitBreaker, {
  CircuitBreakerError,
  CircuitTimeoutError,
  consecutiveBreaker,
  countWindowBreaker,
  OpenCircuitError,
  SemaphoreLockedError,
  ShutdownError,
  SlowCallRateError,
  slowCallBreaker,
} from '../src/index.js';
import { engines, uniqueName } from './engines.js';

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

type Make = <TI extends unknown[], TR>(
  action: (...args: TI) => Promise<TR> | TR,
  options?: ConstructorParameters<typeof CircuitBreaker<TI, TR>>[1],
) => CircuitBreaker<TI, TR>;

/** Breakers on `engine`, each its own circuit (a name of its own). */
const maker =
  (engine: 'js' | 'native'): Make =>
  (action, options = {}) =>
    new CircuitBreaker(action, { engine, name: uniqueName(), ...options });

/** An action whose calls the test settles by hand. */
function controlled() {
  const pending: { resolve: (v: string) => void; reject: (e: Error) => void }[] = [];
  const action = () =>
    new Promise<string>((resolve, reject) => {
      pending.push({ resolve, reject });
    });
  return { action, pending };
}

type Options = ConstructorParameters<typeof CircuitBreaker>[1];

async function openedBreaker(make: Make, options: Options = {}) {
  const c = controlled();
  const breaker = make(c.action, { resetTimeout: 1000, timeout: false, ...options });
  breaker.open();
  await vi.advanceTimersByTimeAsync(1000);
  expect(breaker.halfOpen).toBe(true);
  return { breaker, ...c };
}

const outcome = (p: Promise<unknown>) =>
  p.then(
    (v) => `ok:${v}`,
    (e: { code?: string; message: string }) => `err:${e.code ?? e.message}`,
  );

describe.each(engines)('conformance (%s engine)', (engine) => {
  const make = maker(engine);

  describe('half-open probes', () => {
    it('lets exactly halfOpenProbes calls through, and closes when all of them succeed', async () => {
      const { breaker, pending } = await openedBreaker(make, { halfOpenProbes: 3 });
      const calls = Array.from({ length: 5 }, () => outcome(breaker.fire()));
      expect(pending.length).toBe(3);
      expect(await calls[3]).toBe('err:EOPENBREAKER');
      pending[0]?.resolve('a');
      pending[1]?.resolve('b');
      await vi.advanceTimersByTimeAsync(0);
      expect(breaker.halfOpen).toBe(true);
      pending[2]?.resolve('c');
      await vi.advanceTimersByTimeAsync(0);
      expect(breaker.closed).toBe(true);
    });

    it('reopens on the first probe that fails', async () => {
      const { breaker, pending } = await openedBreaker(make, { halfOpenProbes: 2 });
      const calls = [breaker.fire(), breaker.fire()].map(outcome);
      pending[0]?.reject(new Error('still down'));
      await vi.advanceTimersByTimeAsync(0);
      expect(breaker.opened).toBe(true);
      pending[1]?.resolve('late');
      await Promise.all(calls);
      expect(breaker.opened).toBe(true); // a probe of a finished round decides nothing
    });

    it('a call that started before the circuit opened does not decide it (opossum #381)', async () => {
      const c = controlled();
      const breaker = make(c.action, { resetTimeout: 1000, timeout: false });
      const straggler = outcome(breaker.fire());
      breaker.open();
      await vi.advanceTimersByTimeAsync(1000);
      c.pending[0]?.resolve('old');
      await straggler;
      expect(breaker.halfOpen).toBe(true);
    });

    it('strictHalfOpen: false keeps opossum’s behaviour: any result decides', async () => {
      const c = controlled();
      const breaker = make(c.action, {
        resetTimeout: 1000,
        timeout: false,
        strictHalfOpen: false,
      });
      const straggler = outcome(breaker.fire());
      breaker.open();
      await vi.advanceTimersByTimeAsync(1000);
      c.pending[0]?.resolve('old');
      await straggler;
      expect(breaker.closed).toBe(true);
    });

    it('a probe that never settles gives its place to another caller after resetTimeout', async () => {
      const { breaker, pending } = await openedBreaker(make);
      void outcome(breaker.fire()); // hangs for ever: no timeout set
      expect(await outcome(breaker.fire())).toBe('err:EOPENBREAKER');
      await vi.advanceTimersByTimeAsync(1000);
      const second = outcome(breaker.fire());
      expect(pending.length).toBe(2);
      pending[1]?.resolve('back');
      expect(await second).toBe('ok:back');
      expect(breaker.closed).toBe(true);
    });

    it('goes half-open from the clock when the reset timer has not run yet', async () => {
      let now = 0;
      const breaker = make(async () => 'up', { resetTimeout: 500, clock: () => now });
      breaker.open();
      now = 499;
      expect(await outcome(breaker.fire())).toBe('err:EOPENBREAKER');
      now = 500;
      expect(await outcome(breaker.fire())).toBe('ok:up');
      expect(breaker.closed).toBe(true);
    });
  });

  describe('breaker option', () => {
    it('uses any IBreaker to decide when to open', async () => {
      const breaker = make(async () => Promise.reject(new Error('x')), {
        breaker: consecutiveBreaker({ threshold: 3 }),
      });
      for (let i = 0; i < 2; i++) await outcome(breaker.fire());
      expect(breaker.closed).toBe(true);
      await outcome(breaker.fire());
      expect(breaker.opened).toBe(true);
    });

    it('opens on a slow-call rate after a slow success', async () => {
      const breaker = make(() => new Promise((r) => setTimeout(() => r('slow'), 300)), {
        breaker: slowCallBreaker({
          windowMs: 10_000,
          minimumCalls: 2,
          slowCallDurationMs: 200,
          slowCallRateThreshold: 1,
        }),
      });
      for (let i = 0; i < 2; i++) {
        const call = breaker.fire();
        await vi.advanceTimersByTimeAsync(300);
        await call;
      }
      expect(breaker.opened).toBe(true);
    });

    it('volumeThreshold and allowWarmUp hold back any breaker', async () => {
      const breaker = make(async () => Promise.reject(new Error('x')), {
        breaker: consecutiveBreaker({ threshold: 1 }),
        volumeThreshold: 3,
      });
      await outcome(breaker.fire());
      await outcome(breaker.fire());
      expect(breaker.closed).toBe(true);
      await outcome(breaker.fire());
      expect(breaker.opened).toBe(true);
    });
  });

  describe('differences from opossum, on purpose', () => {
    it('restores an open state for what remained of resetTimeout, not a whole new one', async () => {
      const first = make(async () => 1, { resetTimeout: 1000 });
      first.open();
      await vi.advanceTimersByTimeAsync(600);
      const again = make(async () => 1, {
        resetTimeout: 1000,
        state: first.toJSON().state,
      });
      expect(again.opened).toBe(true);
      await vi.advanceTimersByTimeAsync(401);
      expect(again.halfOpen).toBe(true);
    });

    it('an action returning a plain value (even undefined) succeeds', async () => {
      const breaker = make(() => undefined);
      expect(await breaker.fire()).toBeUndefined();
      expect(breaker.stats.successes).toBe(1);
    });

    it('shutdown stops health checks', async () => {
      const breaker = make(async () => 1);
      const check = vi.fn(() => Promise.resolve());
      breaker.healthCheck(check, 100);
      breaker.shutdown();
      await vi.advanceTimersByTimeAsync(1000);
      expect(check).toHaveBeenCalledTimes(1);
    });

    it('Symbol.asyncDispose shuts the breaker down', async () => {
      const breaker = make(async () => 1);
      await breaker[Symbol.asyncDispose]();
      expect(breaker.isShutdown).toBe(true);
    });

    it('latencyTimes stays empty while percentiles and the mean are kept', async () => {
      const breaker = make(() => new Promise((r) => setTimeout(r, 40)));
      const call = breaker.fire();
      await vi.advanceTimersByTimeAsync(40);
      await call;
      const stats = breaker.stats;
      expect(stats.latencyTimes).toEqual([]);
      expect(stats.latencyMean).toBe(40);
      expect(Math.abs((stats.percentiles[0.5] as number) - 40) / 40).toBeLessThanOrEqual(1 / 16);
    });
  });

  describe('timeouts', () => {
    it('times out only the calls still pending at their deadline, with one timer', async () => {
      const breaker = make((ms: number) => new Promise((r) => setTimeout(() => r(ms), ms)), {
        timeout: 100,
        errorThresholdPercentage: 100,
      });
      const results = [10, 150, 50, 500, 99].map((ms) => outcome(breaker.fire(ms)));
      await vi.advanceTimersByTimeAsync(600);
      expect(await Promise.all(results)).toEqual([
        'ok:10',
        'err:ETIMEDOUT',
        'ok:50',
        'err:ETIMEDOUT',
        'ok:99',
      ]);
      expect(breaker.stats.timeouts).toBe(2);
    });

    it('a call that ends after its timeout changes nothing', async () => {
      const breaker = make(() => new Promise((r) => setTimeout(() => r('late'), 200)), {
        timeout: 100,
        errorThresholdPercentage: 100,
      });
      const call = outcome(breaker.fire());
      await vi.advanceTimersByTimeAsync(300);
      expect(await call).toBe('err:ETIMEDOUT');
      expect([breaker.stats.successes, breaker.stats.failures]).toEqual([0, 1]);
    });
  });

  describe('errors', () => {
    it('are classes with opossum’s codes, recognised by isOurError', async () => {
      const breaker = make(() => new Promise(() => {}), { timeout: 10, capacity: 1 });
      const first = breaker.fire().catch((e: unknown) => e);
      const locked = await breaker.fire().catch((e: unknown) => e);
      await vi.advanceTimersByTimeAsync(10);
      const timedOut = await first;
      breaker.open();
      const open = await breaker.fire().catch((e: unknown) => e);
      breaker.shutdown();
      const shut = await breaker.fire().catch((e: unknown) => e);
      expect(locked).toBeInstanceOf(SemaphoreLockedError);
      expect(timedOut).toBeInstanceOf(CircuitTimeoutError);
      expect(open).toBeInstanceOf(OpenCircuitError);
      expect(shut).toBeInstanceOf(ShutdownError);
      expect([locked, timedOut, open, shut].map((e) => (e as { code: string }).code)).toEqual([
        'ESEMLOCKED',
        'ETIMEDOUT',
        'EOPENBREAKER',
        'ESHUTDOWN',
      ]);
      expect([locked, timedOut, open, shut].every((e) => CircuitBreaker.isOurError(e))).toBe(true);
      expect(CircuitBreaker.isOurError(new Error('x'))).toBe(false);

      // Each guard knows its own, from another installed copy too (the built CommonJS
      // bundle is a second copy of every class), and not a socket's ETIMEDOUT.
      const copy = createRequire(import.meta.url)('../dist/index.cjs');
      const guards = [
        copy.isSemaphoreLockedError,
        copy.isCircuitTimeoutError,
        copy.isOpenCircuitError,
        copy.isShutdownError,
      ];
      const errors = [locked, timedOut, open, shut];
      expect(guards.map((guard) => errors.map((e) => guard(e)))).toEqual([
        [true, false, false, false],
        [false, true, false, false],
        [false, false, true, false],
        [false, false, false, true],
      ]);
      const socketTimeout = Object.assign(new Error('connect ETIMEDOUT'), { code: 'ETIMEDOUT' });
      expect(copy.isCircuitTimeoutError(socketTimeout)).toBe(false);
      expect(copy.isSlowCallRateError(new SlowCallRateError())).toBe(true);
    });

    it('look the same as the classes build them, though rejections build them cheaper', async () => {
      const breaker = make(() => new Promise(() => {}), { timeout: false, capacity: 1 });
      breaker.fire();
      const rejection = async () => (await breaker.fire().catch((e: unknown) => e)) as Error;
      const fast = [await rejection()];
      breaker.open();
      fast.push(await rejection());
      const built = [new SemaphoreLockedError(), new OpenCircuitError()];
      const describe = (e: Error) => ({
        proto: Object.getPrototypeOf(e),
        name: e.name,
        message: e.message,
        code: (e as { code?: string }).code,
        own: Object.getOwnPropertyNames(e).sort(),
        enumerable: Object.keys(e).sort(),
        header: e.stack?.split('\n')[0],
      });
      expect(fast.map(describe)).toEqual(built.map(describe));
      expect(fast.every((e) => e instanceof CircuitBreakerError && e instanceof Error)).toBe(true);
      // The stack starts where the breaker rejected, not in a helper of errors.ts.
      for (const e of fast) expect(e.stack?.split('\n')[1]).toMatch(/circuit-breaker\.ts/);
      breaker.shutdown();
    });
  });
});

describe('validation', () => {
  const action = async () => 1;
  it.each([
    [{ timeout: -1 }, /timeout/],
    [{ resetTimeout: -1 }, /resetTimeout/],
    [{ rollingCountBuckets: 2.5 }, /rollingCountBuckets/],
    [{ rollingCountTimeout: Number.NaN }, /rollingCountTimeout/],
    [{ capacity: 1.5 }, /capacity/],
    [{ volumeThreshold: -2 }, /volumeThreshold/],
    [{ errorThresholdPercentage: -5 }, /errorThresholdPercentage/],
    [{ errorThresholdPercentage: 101 }, /errorThresholdPercentage/],
    [{ halfOpenProbes: 0 }, /halfOpenProbes/],
    [{ errorFilter: 'no' }, /errorFilter/],
    [{ cacheTransport: {} }, /cacheTransport/],
    [{ breaker: {} }, /breaker/],
  ])('%o is refused, naming the option', (options, name) => {
    expect(() => new CircuitBreaker(action, options as never)).toThrow(name);
  });

  it('an unknown option is taken, as opossum takes it, with one warning naming the nearest option', () => {
    const warnings: unknown[][] = [];
    const spy = vi.spyOn(process, 'emitWarning').mockImplementation((...args: unknown[]) => {
      warnings.push(args);
    });
    try {
      const a = new CircuitBreaker(action, { timeOut: 10 } as never);
      const b = new CircuitBreaker(action, { timeOut: 10 } as never);
      expect(a.options.timeout).toBe(10_000); // ignored, as opossum ignores it
      expect(warnings).toEqual([
        [
          'CircuitBreaker: unknown option `timeOut`; did you mean `timeout`?; it is ignored',
          { code: 'BULWARK_UNKNOWN_OPTION' },
        ],
      ]);
      a.shutdown();
      b.shutdown();
    } finally {
      spy.mockRestore();
    }
  });

  it('engine must be auto, js or native', () => {
    expect(() => new CircuitBreaker(action, { engine: 'turbo' as never })).toThrow(/engine/);
  });

  it('native: a breaker that cannot share its state is refused, naming the option', () => {
    expect(
      () =>
        new CircuitBreaker(action, {
          engine: 'native',
          name: uniqueName(),
          breaker: countWindowBreaker({ size: 5 }),
        }),
    ).toThrow(/breaker: a count-window breaker cannot share its state/);
  });

  it('native: names that differ only in a lone surrogate are two circuits', () => {
    const tag = uniqueName('lone');
    const one = new CircuitBreaker(action, { engine: 'native', name: `${tag}\uD800` });
    const other = new CircuitBreaker(action, { engine: 'native', name: `${tag}\uD801` });
    one.open();
    expect(other.closed).toBe(true);
    one.shutdown();
    other.shutdown();
  });

  it('native: any two UTF-16 names are two circuits', () => {
    fc.assert(
      fc.property(fc.uniqueArray(anyUtf16(6), { minLength: 2, maxLength: 8 }), (names) => {
        const tag = uniqueName('any');
        const breakers = names.map(
          (name) => new CircuitBreaker(action, { engine: 'native', name: `${tag}:${name}` }),
        );
        breakers[0]!.open();
        expect(breakers.map((b) => b.opened)).toEqual(names.map((_, i) => i === 0));
        for (const b of breakers) b.shutdown();
      }),
      { numRuns: 100 },
    );
  });

  it('native: one name with other options is refused, naming the circuit', () => {
    const name = uniqueName('taken');
    const first = new CircuitBreaker(action, { engine: 'native', name, resetTimeout: 1000 });
    expect(
      () => new CircuitBreaker(action, { engine: 'native', name, resetTimeout: 2000 }),
    ).toThrow(new RegExp(`"${name}" is already shared`));
    first.shutdown();
  });

  it('an action is required', () => {
    expect(() => new CircuitBreaker(undefined as never)).toThrow(/No action provided/);
  });
});
