// The limiters under test, built alike for every case: ours (from the built package) and
// rate-limiter-flexible's RateLimiterMemory, with limits high enough that nothing is
// limited, so every contestant does the same bookkeeping per call.
import {
  RateLimiterMemory as DropInRateLimiterMemory,
  RateLimiter,
  sharedMemoryStore,
} from '@bulwark/rate-limiter';
import Bottleneck from 'bottleneck';
import { RateLimiterMemory } from 'rate-limiter-flexible';

export const OURS = [
  'ours token-bucket',
  'ours gcra',
  'ours fixed-window',
  'ours gcra consumeSync',
  'ours gcra shared',
  'ours RateLimiterMemory drop-in',
];
export const ANCHORS = ['rate-limiter-flexible', 'bottleneck'];
/**
 * Not limiters: what any limiter must at least spend per call, a clock reading, with and
 * without the awaited promise. They show the most any limiter could reach against an anchor.
 */
export const FLOORS = ['floor: await + Date.now()', 'floor: Date.now()'];
export const CONTESTANTS = [...OURS, ...FLOORS, ...ANCHORS];
/** Those with a `consume` to measure (bottleneck has none: it queues jobs). */
export const CONSUMERS = [...OURS, 'rate-limiter-flexible'];

const PLENTY = 1_000_000_000;

/** `consume(key)` returns a promise; the consumeSync contestant has `consumeSync(key)` instead, called without await. */
export function makeLimiter(name) {
  if (name === 'floor: await + Date.now()') return { consume: () => Promise.resolve(Date.now()) };
  if (name === 'floor: Date.now()') return { consumeSync: () => Date.now() };
  if (name === 'ours RateLimiterMemory drop-in') {
    // rate-limiter-flexible's class from our package: the same options and answers.
    const limiter = new DropInRateLimiterMemory({ points: PLENTY, duration: 60 });
    return { consume: (key) => limiter.consume(key) };
  }
  if (name === 'rate-limiter-flexible') {
    // Its fixed window of `duration` seconds; a key costs a timer until it expires.
    const limiter = new RateLimiterMemory({ points: PLENTY, duration: 60 });
    return { consume: (key) => limiter.consume(key) };
  }
  const algorithm = name.replace('ours ', '').replace(' consumeSync', '').replace(' shared', '');
  // The native twin's store, which every worker thread could share (one thread uses it here).
  const store = name.endsWith(' shared') ? { store: sharedMemoryStore({ name: 'bench' }) } : {};
  const limiter =
    algorithm === 'fixed-window'
      ? new RateLimiter({ algorithm, limit: PLENTY, windowMs: 60_000, ...store })
      : new RateLimiter({ algorithm, rate: PLENTY, intervalMs: 60_000, burst: PLENTY, ...store });
  // The same limiter answering in the same tick: `await` of a plain value is what remains.
  if (name.endsWith('consumeSync')) return { consumeSync: (key) => limiter.consumeSync(key) };
  return { consume: (key) => limiter.consume(key) };
}

/**
 * A function behind a limiter that never has to hold it back: what wrapping costs per
 * call. Ours: `wrap` (each call waits its turn in its key's queue); bottleneck: `wrap`
 * (its job queue), with no reservoir or spacing set.
 */
export function makeWrapped(name, fn) {
  if (name === 'bottleneck') return new Bottleneck().wrap(fn);
  const limiter = new RateLimiter({
    algorithm: 'gcra',
    rate: PLENTY,
    intervalMs: 60_000,
    burst: PLENTY,
  });
  return limiter.wrap(fn);
}
