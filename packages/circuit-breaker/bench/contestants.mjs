// The breakers under test, built the same way for every case: ours on each engine (from
// the built package), opossum 8.5 and a cockatiel 3 breaker policy, around the same action.
import { EventEmitter } from 'node:events';
import { CircuitBreaker } from '@bulwark/circuit-breaker';
import {
  ConsecutiveBreaker,
  circuitBreaker,
  handleAll,
  TimeoutStrategy,
  timeout,
  wrap,
} from 'cockatiel';
import Opossum from 'opossum';

export const BASELINE = 'bare';
export const OURS = ['ours js', 'ours native'];
export const ANCHORS = ['opossum', 'cockatiel'];
export const CONTESTANTS = [BASELINE, ...OURS, ...ANCHORS];

const NEVER = 2 ** 30;
let named = 0;

/**
 * `call()` runs the action through the contestant and returns its promise. Options are
 * opossum's names; cockatiel gets the nearest equivalent (a timeout policy when a
 * timeout is set, a consecutive breaker that never trips unless `tripAfter` is given).
 */
export function makeContestant(name, action, options = {}) {
  const { timeoutMs = false, tripAfter = NEVER, rotate } = options;
  if (name === BASELINE) return { call: action };
  if (name === 'cockatiel') {
    const breaker = circuitBreaker(handleAll, {
      halfOpenAfter: 10 * 60_000,
      breaker: new ConsecutiveBreaker(tripAfter),
    });
    const policy = timeoutMs
      ? wrap(timeout(timeoutMs, TimeoutStrategy.Cooperative), breaker)
      : breaker;
    return { call: () => policy.execute(action), policy };
  }
  const breakerOptions = {
    timeout: timeoutMs,
    resetTimeout: 10 * 60_000,
    // 100% is never exceeded: the circuit stays closed however many calls fail.
    errorThresholdPercentage: tripAfter === NEVER ? 100 : 0,
    ...(rotate ? { rotateBucketController: rotate, rollingCountBuckets: 1 } : {}),
  };
  let breaker;
  if (name === 'opossum') breaker = new Opossum(action, breakerOptions);
  else if (name === 'ours js')
    breaker = new CircuitBreaker(action, { ...breakerOptions, engine: 'js' });
  else {
    // Each native breaker its own circuit: a name shared with another case would share state.
    breaker = new CircuitBreaker(action, {
      ...breakerOptions,
      engine: 'native',
      name: `bench-${process.pid}-${++named}`,
    });
  }
  return { call: () => breaker.fire(), breaker };
}

export const succeed = () => Promise.resolve(1);
const failure = new Error('down');
export const fail = () => Promise.reject(failure);
export const ignore = () => {};

export { EventEmitter };
