import { defineBench } from '@bulwark/bench';
import {
  ANCHORS,
  BASELINE,
  CONTESTANTS,
  EventEmitter,
  fail,
  ignore,
  makeContestant,
  succeed,
} from './contestants.mjs';

const BATCH = 1000;

/** BATCH awaited calls per timed run: the overhead of one call is tens to hundreds of ns. */
function sequential(description, { action, timeoutMs }) {
  return {
    description,
    setup(contestant) {
      const { call } = makeContestant(contestant, action, { timeoutMs });
      return {
        ops: BATCH,
        run: async () => {
          for (let i = 0; i < BATCH; i++) await call();
        },
      };
    },
  };
}

/**
 * Failing calls with `failures` failures already in the rolling window. Before every
 * timed run (untimed) the window is emptied and refilled to exactly that many, through
 * the status object both opossum and ours expose, so the window never drifts during a
 * measurement; a run then adds 100 failing calls.
 */
function failuresInWindow(failures) {
  const perRun = 100;
  return {
    description:
      failures === 0
        ? 'A failing async action, closed circuit, the window emptied before every run.'
        : `A failing call with ${failures.toLocaleString('en')} failures in the rolling window (opossum re-sorts every latency in the window on each failure). The refill goes through \`status\`; the native engine's shared window is per-bucket counters whose cost does not depend on what they hold.`,
    setup(contestant) {
      const rotate = new EventEmitter();
      const { call, breaker } = makeContestant(contestant, fail, { rotate });
      const refill = () => {
        if (!breaker) return;
        rotate.emit('rotate');
        for (let i = 0; i < failures; i++) {
          breaker.status.increment('fires');
          breaker.status.increment('failures', 1);
        }
      };
      refill();
      return {
        ops: perRun,
        beforeEach: refill,
        run: async () => {
          for (let i = 0; i < perRun; i++) await call().catch(ignore);
        },
      };
    },
  };
}

export default defineBench({
  package: 'circuit-breaker',
  title: '@bulwark/circuit-breaker',
  contestants: CONTESTANTS,
  anchors: ANCHORS,
  baseline: BASELINE,
  cases: {
    success: sequential('A successful async action, no timeout: overhead over `await action()`.', {
      action: succeed,
      timeoutMs: false,
    }),
    'success-timeout': sequential(
      'A successful async action with a 10 s timeout set (cockatiel: a cooperative timeout policy wrapped around the breaker).',
      { action: succeed, timeoutMs: 10_000 },
    ),
    'failure-0': failuresInWindow(0),
    'failure-1k': failuresInWindow(1_000),
    'failure-5k': failuresInWindow(5_000),
    'failure-20k': failuresInWindow(20_000),
    'open-reject': {
      description: 'A call to an open circuit: rejected without calling the action.',
      setup(contestant) {
        const { call, breaker, policy } = makeContestant(contestant, fail, { tripAfter: 1 });
        breaker?.open();
        if (policy) policy.isolate();
        return {
          ops: BATCH,
          run: async () => {
            for (let i = 0; i < BATCH; i++) await call().catch(ignore);
          },
        };
      },
    },
  },
});
