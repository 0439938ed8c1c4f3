import { defineBench } from '@bulwark/bench';
import {
  ANCHORS,
  FLOOR,
  LRU_NATIVE,
  makeCache,
  OURS,
  randomInts,
  valueFor,
  WITH_TTL,
} from './contestants.mjs';

const BATCH = 1000;
const keysFor = (n) => Array.from({ length: n }, (_, i) => `key:${i}`);

/** A case that runs BATCH operations per timed call over a prefilled cache. */
function batched(description, { fill, max, ttl, contestants = [...OURS, ...ANCHORS], step }) {
  return {
    description,
    contestants,
    setup(contestant, { quick }) {
      const n = quick ? 10_000 : 100_000;
      const keys = keysFor(n);
      const cache = makeCache(contestant, { max: max(n), ttl });
      if (fill) for (let i = 0; i < n; i++) cache.set(keys[i], valueFor(i));
      const order = randomInts(n, n);
      let cursor = 0;
      return {
        ops: BATCH,
        run() {
          for (let j = 0; j < BATCH; j++) {
            step(cache, keys, order[cursor], cursor);
            cursor = cursor + 1 === n ? 0 : cursor + 1;
          }
        },
      };
    },
  };
}

let fresh = 0;
/** What the cases read, kept so that no engine can skip producing it. */
let sink = 0;
/** The length of what `get` returned: a read that uses the value, as callers do. */
const used = (value) => {
  sink += value === undefined ? 0 : value.length;
};
export default defineBench({
  package: 'ttl-cache',
  title: '@bulwark/ttl-cache',
  contestants: [...OURS, LRU_NATIVE, ...ANCHORS, FLOOR],
  anchors: ANCHORS,
  cases: {
    'get-hit': batched(
      "`get` of present keys, random order, 100-character values (100k keys; 10k quick), looked up with the very string objects that were stored (V8 has interned them: the best case for a cache indexed by a plain object, as mnemonist's is). The floor is not a cache: the least an exact LRU over a `Map` does (bench/floor-lru.mjs).",
      {
        contestants: [...OURS, ...ANCHORS, FLOOR],
        fill: true,
        max: (n) => n,
        step: (cache, keys, i) => cache.get(keys[i]),
      },
    ),
    'get-hit-built-keys': batched(
      '`get` of present keys whose strings are built for each call (`key:${i}`), as a service builds them from a request, and the value used. The floor as in get-hit.',
      {
        contestants: [...OURS, ...ANCHORS, FLOOR],
        fill: true,
        max: (n) => n,
        step: (cache, _keys, i) => used(cache.get(`key:${i}`)),
      },
    ),
    churn: batched(
      'Half `set` of new keys into a full cache (each evicts one), half `get` of a key set a moment before, its string built for the call: a cache whose keys come and go.',
      {
        contestants: [...OURS, ...ANCHORS, FLOOR],
        fill: true,
        max: (n) => n,
        step: (cache, _keys, _i, c) => {
          if (c % 2 === 0) cache.set(`churn:${fresh++}`, 'v');
          else used(cache.get(`churn:${fresh - 1}`));
        },
      },
    ),
    'get-miss': batched('`get` of absent keys.', {
      fill: true,
      max: (n) => n,
      step: (cache, keys, i) => cache.get(`${keys[i]}:absent`),
    }),
    'set-no-evict': batched('`set` over present keys in a cache with room to spare.', {
      fill: true,
      max: (n) => 2 * n,
      step: (cache, keys, i, c) => cache.set(keys[i], valueFor(c)),
    }),
    'set-evict': batched(
      '`set` of new keys into a full cache: every set evicts one entry. The floor as in get-hit.',
      {
        contestants: [...OURS, ...ANCHORS, FLOOR],
        fill: true,
        max: (n) => n,
        step: (cache) => cache.set(`new:${fresh++}`, 'v'),
      },
    ),
    'mixed-ttl': batched('90% `get` / 10% `set` with a 60 s TTL on every entry.', {
      fill: true,
      max: (n) => n,
      ttl: 60_000,
      contestants: WITH_TTL,
      step: (cache, keys, i, c) =>
        c % 10 === 0 ? cache.set(keys[i], valueFor(c)) : cache.get(keys[i]),
    }),
    'large-heap': {
      kind: 'memory',
      contestants: [...OURS, LRU_NATIVE, ...ANCHORS],
      description:
        '5M entries of 100-byte values (50k quick), then 90/10 get/set load: memory held and GC pauses under load. ' +
        'RSS growth per entry counts what native memory holds off the V8 heap too.',
      setup(contestant, { quick }) {
        const n = quick ? 50_000 : 5_000_000;
        const cache = makeCache(contestant, { max: n });
        for (let i = 0; i < n; i++) cache.set(`key:${i}`, valueFor(i));
        const order = randomInts(1 << 16, n, 7);
        let cursor = 0;
        return {
          entries: n,
          ops: BATCH,
          run() {
            for (let j = 0; j < BATCH; j++) {
              const i = order[cursor];
              cursor = (cursor + 1) & 0xffff;
              if (j % 10 === 0) cache.set(`key:${i}`, valueFor(i + j));
              else cache.get(`key:${i}`);
            }
          },
        };
      },
    },
  },
});

// Read once at exit, so the sink is live.
process.on('exit', () => {
  if (sink < 0) console.log(sink);
});
