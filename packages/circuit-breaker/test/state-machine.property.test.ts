/**
 * Random sequences of call outcomes, clock moves and manual open/close, with a fake
 * clock: the breaker's state and each call's fate must match a small reference model
 * (written from the documented rules, not from the implementation).
 */
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  CircuitBreaker,
  consecutiveBreaker,
  countWindowBreaker,
  timeWindowBreaker,
} from '../src/index.js';
import { BIN_COUNT, binOf, percentileOf } from '../src/latency-histogram.js';
import { engines, uniqueName } from './engines.js';

type Op =
  | { kind: 'call'; ok: boolean }
  | { kind: 'wait'; ms: number }
  | { kind: 'open' }
  | { kind: 'close' };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.boolean().map((ok) => ({ kind: 'call' as const, ok })) },
  {
    weight: 2,
    arbitrary: fc.integer({ min: 1, max: 1500 }).map((ms) => ({ kind: 'wait' as const, ms })),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'open' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'close' as const }) },
);

/** The rules: closed → open when the rule trips; open → half-open after resetTimeout; one probe decides. */
class Model {
  state: 'closed' | 'open' | 'half-open' = 'closed';
  openedAt = 0;
  outcomes: boolean[] = [];
  /** When each outcome was recorded, for the time-window rule. */
  times: number[] = [];
  constructor(
    readonly resetTimeout: number,
    readonly trips: (outcomes: boolean[], times: number[], now: number) => boolean,
  ) {}
  open(now: number) {
    if (this.state === 'open') return;
    this.state = 'open';
    this.openedAt = now;
  }
  close() {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.outcomes = [];
    this.times = [];
  }
  tick(now: number) {
    if (this.state === 'open' && now - this.openedAt >= this.resetTimeout) this.state = 'half-open';
  }
  call(ok: boolean, now: number): 'ran' | 'rejected' {
    this.tick(now);
    if (this.state === 'open') return 'rejected';
    if (this.state === 'half-open') {
      if (ok) this.close();
      else this.open(now);
      return 'ran';
    }
    this.outcomes.push(ok);
    this.times.push(now);
    // Rules are checked after every call, successes included (as Resilience4j does): a
    // success can complete minimumCalls with the failure rate already over the line.
    if (this.trips(this.outcomes, this.times, now)) this.open(now);
    return 'ran';
  }
}

/** Whole 1 s buckets, 10 of them: the calls of the current second and the nine before. */
const inWindow = (times: number[], now: number) =>
  times.map((t) => Math.floor(t / 1000) > Math.floor(now / 1000) - 10);

const RULES = {
  consecutive: {
    shareable: true,
    make: () => consecutiveBreaker({ threshold: 3 }),
    trips: (o: boolean[]) => o.length >= 3 && o.slice(-3).every((ok) => !ok),
  },
  'time-window': {
    shareable: true,
    make: () =>
      timeWindowBreaker({
        windowMs: 10_000,
        buckets: 10,
        minimumCalls: 3,
        failureRateThreshold: 0.6,
      }),
    trips: (o: boolean[], times: number[], now: number) => {
      const live = inWindow(times, now);
      const calls = live.filter(Boolean).length;
      const failures = o.filter((ok, i) => !ok && live[i]).length;
      return calls >= 3 && failures >= 0.6 * calls;
    },
  },
  'count-window': {
    // Keeps per-call history, which a shared circuit does not hold: js only.
    shareable: false,
    make: () => countWindowBreaker({ size: 5, minimumCalls: 3, failureRateThreshold: 0.6 }),
    trips: (o: boolean[]) => {
      const last = o.slice(-5);
      return last.length >= 3 && last.filter((ok) => !ok).length >= 0.6 * last.length;
    },
  },
};

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

const CASES = engines.flatMap((engine) =>
  Object.entries(RULES)
    .filter(([, rule]) => engine === 'js' || rule.shareable)
    .map(([name, rule]) => [name, engine, rule] as const),
);

describe.each(CASES)('state machine against the model (%s, %s engine)', (_name, engine, rule) => {
  it('agrees on every state and every call', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 60 }), async (ops) => {
        vi.setSystemTime(0);
        const resetTimeout = 1000;
        const breaker = new CircuitBreaker(
          async (ok: boolean) => (ok ? 'ok' : Promise.reject(new Error('x'))),
          {
            breaker: rule.make(),
            engine,
            name: uniqueName('model'),
            resetTimeout,
            timeout: false,
          },
        );
        const model = new Model(resetTimeout, rule.trips);
        for (const step of ops) {
          const now = Date.now();
          if (step.kind === 'wait') {
            await vi.advanceTimersByTimeAsync(step.ms);
            model.tick(Date.now());
          } else if (step.kind === 'open') {
            breaker.open();
            model.open(now);
          } else if (step.kind === 'close') {
            breaker.close();
            model.close();
          } else {
            const expected = model.call(step.ok, now);
            const got = await breaker.fire(step.ok).then(
              () => 'ran',
              (e: { code?: string }) => (e.code === 'EOPENBREAKER' ? 'rejected' : 'ran'),
            );
            expect(got).toBe(expected);
          }
          const state = breaker.closed ? 'closed' : breaker.opened ? 'open' : 'half-open';
          expect(state).toBe(model.state);
        }
        breaker.shutdown();
      }),
      { numRuns: 150 },
    );
  });
});

describe('latency histogram', () => {
  it('reports every percentile within 1/16 of the exact value (exact below 32 ms)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 2 ** 31 - 1 }), { minLength: 1, maxLength: 200 }),
        fc.constantFrom(0, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.995, 1),
        (values, p) => {
          const counts = new Uint32Array(BIN_COUNT);
          for (const v of values) (counts[binOf(v)] as number)++;
          const sorted = [...values].sort((a, b) => a - b);
          const exact =
            p === 0 ? (sorted[0] as number) : (sorted[Math.ceil(p * sorted.length) - 1] as number);
          const got = percentileOf(counts, values.length, p);
          if (exact < 32) expect(got).toBe(exact);
          else expect(Math.abs(got - exact) / exact).toBeLessThanOrEqual(1 / 16);
        },
      ),
    );
  });
});
