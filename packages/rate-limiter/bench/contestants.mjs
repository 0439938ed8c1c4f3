// The limiters under test, built alike for every case: ours (from the built package) and
// rate-limiter-flexible's RateLimiterMemory, with limits high enough that nothing is
// limited, so every contestant does the same bookkeeping per call.
import { RateLimiter } from '@bulwark/rate-limiter';
import { RateLimiterMemory } from 'rate-limiter-flexible';

export const OURS = [
  'ours token-bucket',
  'ours gcra',
  'ours fixed-window',
  'ours gcra consumeSync',
];
export const ANCHORS = ['rate-limiter-flexible'];
export const CONTESTANTS = [...OURS, ...ANCHORS];

const PLENTY = 1_000_000_000;

/** `consume(key)` returns a promise; the consumeSync contestant has `consumeSync(key)` instead, called without await. */
export function makeLimiter(name) {
  if (name === 'rate-limiter-flexible') {
    // Its fixed window of `duration` seconds; a key costs a timer until it expires.
    const limiter = new RateLimiterMemory({ points: PLENTY, duration: 60 });
    return { consume: (key) => limiter.consume(key) };
  }
  const algorithm = name.replace('ours ', '').replace(' consumeSync', '');
  const limiter =
    algorithm === 'fixed-window'
      ? new RateLimiter({ algorithm, limit: PLENTY, windowMs: 60_000 })
      : new RateLimiter({ algorithm, rate: PLENTY, intervalMs: 60_000, burst: PLENTY });
  // The same limiter answering in the same tick: `await` of a plain value is what remains.
  if (name.endsWith('consumeSync')) return { consumeSync: (key) => limiter.consumeSync(key) };
  return { consume: (key) => limiter.consume(key) };
}
