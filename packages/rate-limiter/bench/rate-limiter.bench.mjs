import { defineBench } from '@bulwark/bench';
import {
  ANCHORS,
  CONSUMERS,
  CONTESTANTS,
  FLOORS,
  makeLimiter,
  makeWrapped,
} from './contestants.mjs';

const BATCH = 1000;

/** A timed run: BATCH consumes, each awaited (or, for consumeSync, not). */
function consumeBatch(limiter, nextKey) {
  if (limiter.consumeSync) {
    return () => {
      for (let i = 0; i < BATCH; i++) limiter.consumeSync(nextKey());
    };
  }
  return async () => {
    for (let i = 0; i < BATCH; i++) await limiter.consume(nextKey());
  };
}

/** BATCH awaited consumes per timed run, cycling through `keyCount` keys made beforehand. */
function consumeOver(keyCount, description, contestants = CONSUMERS) {
  return {
    description,
    contestants,
    setup(contestant) {
      const limiter = makeLimiter(contestant);
      const keys = Array.from({ length: keyCount }, (_, i) => `user:${i}`);
      let cursor = 0;
      return {
        ops: BATCH,
        run: consumeBatch(limiter, () => {
          const key = keys[cursor];
          cursor = cursor + 1 === keyCount ? 0 : cursor + 1;
          return key;
        }),
      };
    },
  };
}

export default defineBench({
  package: 'rate-limiter',
  title: '@bulwark/rate-limiter',
  contestants: CONTESTANTS,
  anchors: ANCHORS,
  cases: {
    'wrap-unlimited': {
      description:
        'An async function behind the limiter (`wrap`), awaited one call after another, never held back: what queueing costs. bottleneck with no reservoir or spacing.',
      contestants: ['ours gcra', 'bottleneck'],
      setup(contestant) {
        const wrapped = makeWrapped(contestant, async () => 1);
        // Few calls per run: bottleneck passes each job through its own timers (a few ms
        // a call), and the harness runs each contestant at least 64 times.
        const calls = 10;
        return {
          ops: calls,
          run: async () => {
            for (let i = 0; i < calls; i++) await wrapped();
          },
        };
      },
    },
    'consume-1-key': consumeOver(
      1,
      'In-memory `consume` of one hot key, awaited one after another. The floors are not limiters: a call that only reads the clock, awaited and not, is the most any limiter reading the time per call could reach.',
      [...CONSUMERS, ...FLOORS],
    ),
    'consume-100k-keys': consumeOver(
      100_000,
      'In-memory `consume` cycling through 100,000 keys (every key stays live in the window).',
    ),
    'keys-1m': {
      kind: 'memory',
      contestants: CONSUMERS,
      description:
        'Bytes per key: 1M keys (50k quick) consumed once each and held, then consumes over them.',
      setup(contestant, { quick }) {
        const n = quick ? 50_000 : 1_000_000;
        const limiter = makeLimiter(contestant);
        const keys = Array.from({ length: n }, (_, i) => `user:${i}`);
        return (async () => {
          for (const key of keys) await (limiter.consume ?? limiter.consumeSync)(key);
          let cursor = 0;
          return {
            entries: n,
            ops: BATCH,
            run: consumeBatch(limiter, () => {
              const key = keys[cursor];
              cursor = cursor + 1 === n ? 0 : cursor + 1;
              return key;
            }),
          };
        })();
      },
    },
  },
});
