/**
 * Differential tests: each scenario runs against the real opossum 8.5 and against ours,
 * under the same fake clock, and the two must produce the same results, the same events
 * with the same arguments in the same order, and the same counts. This is how "behaves
 * as opossum" is checked against opossum itself rather than against our reading of it.
 */
import { EventEmitter } from 'node:events';
import Opossum from 'opossum';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CircuitBreaker } from '../src/index.js';
import { engines } from './engines.js';

type AnyBreaker = {
  fire(...args: unknown[]): Promise<unknown>;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  [key: string]: any;
};
type Make = (action: unknown, options?: Record<string, unknown>) => AnyBreaker;

const makeOpossum: Make = (action, options) =>
  new Opossum(action as never, options as never) as never;
/** Ours on one engine. Scenarios name no two breakers alike, so each has its own circuit. */
const makeOurs =
  (engine: 'js' | 'native'): Make =>
  (action, options) =>
    new CircuitBreaker(action, { engine, ...options } as never) as never;

const EVENTS = [
  'fire',
  'success',
  'failure',
  'timeout',
  'reject',
  'open',
  'halfOpen',
  'close',
  'fallback',
  'semaphoreLocked',
  'healthCheckFailed',
  'shutdown',
  'cacheHit',
  'cacheMiss',
  'coalesceCacheHit',
  'coalesceCacheMiss',
];

function describeValue(value: unknown): unknown {
  if (value instanceof Error) return `error:${(value as { code?: string }).code ?? value.message}`;
  if (Array.isArray(value)) return value.map(describeValue);
  return value;
}

/** Records every event and every call outcome of a breaker, in order. */
function recorder(breaker: AnyBreaker) {
  const log: unknown[] = [];
  for (const event of EVENTS) {
    breaker.on(event, (...args: unknown[]) => log.push([event, ...args.map(describeValue)]));
  }
  const fire = async (...args: unknown[]) => {
    try {
      log.push(['resolved', describeValue(await breaker.fire(...args))]);
    } catch (error) {
      log.push(['rejected', describeValue(error)]);
    }
  };
  const flags = () => ({
    closed: breaker.closed,
    opened: breaker.opened,
    halfOpen: breaker.halfOpen,
    pendingClose: breaker.pendingClose,
    isShutdown: breaker.isShutdown,
    enabled: breaker.enabled,
    warmUp: breaker.warmUp,
  });
  const counts = () => {
    const { latencyTimes, percentiles, latencyMean, ...rest } = breaker.stats;
    return rest;
  };
  return { log, fire, flags, counts };
}

/** Runs `scenario` against both implementations and expects the same record. */
async function same(scenario: (make: Make) => Promise<unknown>) {
  const theirs = await scenario(makeOpossum);
  vi.clearAllTimers();
  const ours = await scenario(makeOurs(engine));
  expect(ours).toEqual(theirs);
  return ours;
}

const fails =
  (message = 'boom') =>
  () =>
    Promise.reject(new Error(message));
const succeeds =
  (value: unknown = 'ok') =>
  () =>
    Promise.resolve(value);
const after = (ms: number, value: unknown) => () =>
  new Promise((resolve) => setTimeout(() => resolve(value), ms));

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

/** The engine under test in the current `describe.each` block. */
let engine: 'js' | 'native' = 'js';

describe.each(engines)('opossum parity (%s engine)', (underTest) => {
  beforeEach(() => {
    engine = underTest;
  });

  it('opens past errorThresholdPercentage, rejects, goes half-open after resetTimeout and closes on a good probe', async () => {
    await same(async (make) => {
      let ok = false;
      const b = make(() => (ok ? Promise.resolve('up') : Promise.reject(new Error('down'))), {
        resetTimeout: 1000,
        errorThresholdPercentage: 40,
      });
      const r = recorder(b);
      await r.fire();
      const openFlags = r.flags();
      await r.fire();
      await vi.advanceTimersByTimeAsync(1001);
      const halfFlags = r.flags();
      ok = true;
      await r.fire();
      await r.fire();
      return { log: r.log, openFlags, halfFlags, end: r.flags(), counts: r.counts() };
    });
  });

  it('reopens when the probe fails, and rejects everyone else while the probe runs', async () => {
    const record = await same(async (make) => {
      const b = make(after(50, 'late'), { resetTimeout: 500, timeout: 20 });
      const r = recorder(b);
      const first = r.fire();
      await vi.advanceTimersByTimeAsync(25);
      await first;
      await vi.advanceTimersByTimeAsync(500);
      const probe = r.fire();
      const duringProbe = r.flags();
      await r.fire();
      await vi.advanceTimersByTimeAsync(25);
      await probe;
      return { log: r.log, duringProbe, end: r.flags(), counts: r.counts() };
    });
    expect((record as { end: { opened: boolean } }).end.opened).toBe(true);
  });

  it('respects volumeThreshold', async () => {
    await same(async (make) => {
      const b = make(fails(), { volumeThreshold: 3 });
      const r = recorder(b);
      const states: unknown[] = [];
      for (let i = 0; i < 4; i++) {
        await r.fire();
        states.push(r.flags().opened);
      }
      return { log: r.log, states };
    });
  });

  it('times out with ETIMEDOUT, calls the fallback with the arguments and the error, and aborts the controller', async () => {
    await same(async (make) => {
      const abortController = new AbortController();
      const b = make(after(100, 'slow'), {
        timeout: 30,
        abortController,
        errorThresholdPercentage: 99,
      });
      b.fallback(
        (a: unknown, b2: unknown, error: Error) =>
          `fallback ${a} ${b2} ${(error as { code?: string }).code}`,
      );
      const r = recorder(b);
      const call = r.fire(1, 2);
      await vi.advanceTimersByTimeAsync(200);
      await call;
      return { log: r.log, aborted: abortController.signal.aborted, counts: r.counts() };
    });
  });

  it('errorFilter turns an error into a success that still rejects the caller, without fallback', async () => {
    await same(async (make) => {
      const b = make(fails('not found'), {
        errorFilter: (error: Error, arg: unknown) => error.message === 'not found' && arg === 'x',
      });
      b.fallback(() => 'fallback');
      const r = recorder(b);
      await r.fire('x');
      await r.fire('y');
      return { log: r.log, counts: r.counts(), flags: r.flags() };
    });
  });

  it('capacity rejects with ESEMLOCKED and counts a failure', async () => {
    await same(async (make) => {
      const b = make(after(10, 'done'), { capacity: 1, errorThresholdPercentage: 99 });
      const r = recorder(b);
      const first = r.fire();
      await r.fire();
      await vi.advanceTimersByTimeAsync(20);
      await first;
      return { log: r.log, counts: r.counts() };
    });
  });

  it('caches successful results for cacheTTL and clears them on clearCache', async () => {
    await same(async (make) => {
      let n = 0;
      const b = make(() => Promise.resolve(++n), { cache: true, cacheTTL: 100 });
      const r = recorder(b);
      await r.fire('k');
      await r.fire('k');
      await r.fire('other');
      await vi.advanceTimersByTimeAsync(150);
      await r.fire('k');
      b.clearCache();
      await r.fire('k');
      return { log: r.log, counts: r.counts() };
    });
  });

  it('coalesces concurrent calls with the same key, and resets on the outcomes asked for', async () => {
    await same(async (make) => {
      let n = 0;
      const b = make(() => new Promise((resolve) => setTimeout(() => resolve(++n), 10)), {
        coalesce: true,
        coalesceResetOn: ['success'],
      });
      const r = recorder(b);
      const calls = [r.fire('a'), r.fire('a'), r.fire('b')];
      await vi.advanceTimersByTimeAsync(20);
      await Promise.all(calls);
      const again = r.fire('a');
      await vi.advanceTimersByTimeAsync(20);
      await again;
      return { log: r.log, counts: r.counts() };
    });
  });

  it('disabled breakers pass calls straight through, still counted as fires', async () => {
    await same(async (make) => {
      const b = make(fails(), { enabled: false });
      const r = recorder(b);
      await r.fire();
      await r.fire();
      const disabled = r.flags();
      b.enable();
      await r.fire();
      b.disable();
      return { log: r.log, disabled, end: r.flags(), counts: r.counts() };
    });
  });

  it('allowWarmUp keeps the circuit closed for the first rollingCountTimeout', async () => {
    await same(async (make) => {
      const b = make(fails(), { allowWarmUp: true, rollingCountTimeout: 1000 });
      const r = recorder(b);
      await r.fire();
      const warm = r.flags();
      await vi.advanceTimersByTimeAsync(1001);
      await r.fire();
      return { log: r.log, warm, end: r.flags() };
    });
  });

  it('open() and close() by hand, and shutdown rejects with ESHUTDOWN', async () => {
    await same(async (make) => {
      const b = make(succeeds());
      const r = recorder(b);
      b.open();
      await r.fire();
      b.close();
      await r.fire();
      b.shutdown();
      const flags = r.flags();
      let error: unknown;
      await b.fire().catch((e: unknown) => {
        error = describeValue(e);
      });
      return { log: r.log, flags, error };
    });
  });

  it('a fallback may be another breaker, called with the arguments and the error', async () => {
    await same(async (make) => {
      const backup = make((...args: unknown[]) => Promise.resolve(`backup ${args.length}`));
      const b = make(fails());
      b.fallback(backup as never);
      b.open();
      const r = recorder(b);
      await r.fire('a');
      return r.log;
    });
  });

  it('a fallback that throws rejects the caller with its error', async () => {
    await same(async (make) => {
      const b = make(fails());
      b.fallback(() => {
        throw new Error('fallback broke');
      });
      const r = recorder(b);
      await r.fire();
      return r.log;
    });
  });

  it('toJSON gives a state that a new breaker starts from', async () => {
    await same(async (make) => {
      const b = make(fails(), { resetTimeout: 1000 });
      b.open();
      const { state } = b.toJSON();
      const { lastTimerAt, name, ...rest } = state;
      await vi.advanceTimersByTimeAsync(400);
      const again = make(succeeds(), { resetTimeout: 1000, state });
      const r = recorder(again);
      const restored = r.flags();
      await r.fire();
      // Past a full resetTimeout from the restore: opossum restarts the whole timeout,
      // ours waits only what remained of it (test/circuit-breaker.test.ts), so both are
      // half-open by now.
      await vi.advanceTimersByTimeAsync(1001);
      const later = r.flags();
      const expired = make(succeeds(), { resetTimeout: 300, state });
      return { rest, restored, later, expired: recorder(expired).flags(), log: r.log };
    });
  });

  it('healthCheck failures emit healthCheckFailed and open the circuit', async () => {
    await same(async (make) => {
      const b = make(succeeds());
      const r = recorder(b);
      b.healthCheck(() => Promise.reject(new Error('unhealthy')), 100);
      await vi.advanceTimersByTimeAsync(0);
      const flags = r.flags();
      b.shutdown();
      return { log: r.log, flags };
    });
  });

  it('rolls statistics out of the window as buckets rotate', async () => {
    await same(async (make) => {
      const b = make(fails(), {
        rollingCountTimeout: 1000,
        rollingCountBuckets: 4,
        errorThresholdPercentage: 99,
      });
      const r = recorder(b);
      await r.fire();
      await vi.advanceTimersByTimeAsync(500);
      await r.fire();
      const mid = r.counts();
      await vi.advanceTimersByTimeAsync(600);
      const late = r.counts();
      await vi.advanceTimersByTimeAsync(2000);
      return { mid, late, end: r.counts(), windowLength: b.status.window.length };
    });
  });

  it('rotates buckets on a rotateBucketController instead of time', async () => {
    await same(async (make) => {
      const controller = new EventEmitter();
      const b = make(succeeds(), { rotateBucketController: controller, rollingCountBuckets: 2 });
      const r = recorder(b);
      await r.fire();
      await vi.advanceTimersByTimeAsync(60_000);
      const kept = r.counts().fires;
      controller.emit('rotate');
      const once = r.counts().fires;
      controller.emit('rotate');
      const twice = r.counts().fires;
      b.shutdown();
      return { kept, once, twice };
    });
  });

  it('names and groups like opossum', async () => {
    await same(async (make) => {
      function namedAction() {
        return Promise.resolve(1);
      }
      const a = make(namedAction);
      const b = make(namedAction, { name: 'n', group: 'g' });
      const c = make(namedAction, { name: 'only-name' });
      return [a.name, a.group, b.name, b.group, c.name, c.group, a.volumeThreshold, b.enabled];
    });
  });

  it('a non-function action resolves to itself', async () => {
    await same(async (make) => {
      const b = make('constant');
      const r = recorder(b);
      await r.fire();
      return r.log;
    });
  });

  it('the same percentiles as opossum for whole-millisecond latencies', async () => {
    await same(async (make) => {
      let i = 0;
      const b = make(
        () => new Promise((resolve) => setTimeout(resolve, [3, 1, 4, 1, 5, 9, 2, 6][i++ % 8])),
      );
      for (let n = 0; n < 8; n++) {
        const call = b.fire();
        await vi.advanceTimersByTimeAsync(10);
        await call;
      }
      const { percentiles, latencyMean } = b.stats;
      return { percentiles, latencyMean };
    });
  });

  it('rollingPercentilesEnabled: false reports -1 percentiles and mean', async () => {
    await same(async (make) => {
      const b = make(succeeds(), { rollingPercentilesEnabled: false });
      await b.fire();
      const { percentiles, latencyMean } = b.stats;
      return { percentiles, latencyMean };
    });
  });

  it('emits snapshot on the status every bucket interval', async () => {
    await same(async (make) => {
      const b = make(succeeds(), { rollingCountTimeout: 1000, rollingCountBuckets: 10 });
      const snapshots: number[] = [];
      b.status.on('snapshot', (stats: { fires: number }) => snapshots.push(stats.fires));
      await b.fire();
      await vi.advanceTimersByTimeAsync(350);
      b.shutdown();
      return snapshots;
    });
  });

  it('autoRenewAbortController replaces an aborted controller on halfOpen and close', async () => {
    await same(async (make) => {
      const b = make(after(100, 'slow'), {
        timeout: 10,
        resetTimeout: 100,
        autoRenewAbortController: true,
      });
      const first = b.getAbortController();
      const call = b.fire().catch(() => 'timed out');
      await vi.advanceTimersByTimeAsync(20);
      await call;
      const abortedFirst = first.signal.aborted;
      b.open();
      await vi.advanceTimersByTimeAsync(150);
      const renewed = b.getAbortController() !== first;
      return { abortedFirst, renewed, signalAborted: b.getSignal().aborted };
    });
  });

  it('coalesceTTL bounds how long a call is shared, and coalesceSize how many', async () => {
    await same(async (make) => {
      let n = 0;
      const b = make(() => Promise.resolve(++n), {
        coalesce: true,
        coalesceTTL: 100,
        coalesceSize: 1,
      });
      const r = recorder(b);
      await r.fire('a');
      await r.fire('a');
      await r.fire('b');
      await r.fire('a');
      await vi.advanceTimersByTimeAsync(150);
      await r.fire('b');
      return r.log;
    });
  });

  it('cacheSize evicts the oldest cached result', async () => {
    await same(async (make) => {
      let n = 0;
      const b = make(() => Promise.resolve(++n), { cache: true, cacheSize: 2 });
      const r = recorder(b);
      for (const key of ['a', 'b', 'c', 'a', 'c']) await r.fire(key);
      return r.log;
    });
  });
});
