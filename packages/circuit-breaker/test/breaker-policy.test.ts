/** breakerPolicy is a real cockatiel policy: it composes with cockatiel's own. */
import {
  BrokenCircuitError,
  bulkhead,
  CircuitState,
  ConsecutiveBreaker,
  ConstantBackoff,
  fallback,
  handleAll,
  handleType,
  retry,
  TimeoutStrategy,
  timeout,
  wrap,
} from 'cockatiel';
import { describe, expect, it } from 'vitest';
import {
  breakerPolicy,
  consecutiveBreaker,
  countWindowBreaker,
  timeWindowBreaker,
} from '../src/index.js';

class Transient extends Error {}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('breakerPolicy', () => {
  it('opens after the breaker says so, and rejects with cockatiel’s BrokenCircuitError', async () => {
    const policy = breakerPolicy({
      breaker: consecutiveBreaker({ threshold: 2 }),
      halfOpenAfter: 60_000,
    });
    for (let i = 0; i < 2; i++) {
      await expect(policy.execute(() => Promise.reject(new Error('down')))).rejects.toThrow('down');
    }
    expect(policy.state).toBe(CircuitState.Open);
    await expect(policy.execute(() => 'never')).rejects.toBeInstanceOf(BrokenCircuitError);
  });

  it('composes with retry, timeout, bulkhead and fallback through wrap', async () => {
    const breaker = breakerPolicy({
      breaker: consecutiveBreaker({ threshold: 3 }),
      halfOpenAfter: 60_000,
    });
    const withRetry = retry(handleType(Transient), {
      maxAttempts: 2,
      backoff: new ConstantBackoff(1),
    });
    const guarded = wrap(
      fallback(handleAll, 'fallback value'),
      withRetry,
      breaker,
      timeout(1000, TimeoutStrategy.Aggressive),
      bulkhead(10),
    );
    let calls = 0;
    const flaky = async () => {
      calls++;
      if (calls < 3) throw new Transient('blip');
      return 'value';
    };
    expect(await guarded.execute(flaky)).toBe('value');
    expect(calls).toBe(3); // two transient failures retried, below the breaker's threshold
    // A hard failure repeated: retry gives up, the breaker opens, fallback answers.
    const down = () => Promise.reject(new Transient('down'));
    expect(await guarded.execute(down)).toBe('fallback value');
    expect(breaker.state).toBe(CircuitState.Open);
    expect(await guarded.execute(() => 'unreached')).toBe('fallback value');
  });

  it('passes each call’s duration to a slow-call rule and opens on a slow success', async () => {
    const policy = breakerPolicy({
      breaker: countWindowBreaker({ size: 2, slowCallDurationMs: 10, slowCallRateThreshold: 1 }),
      halfOpenAfter: 60_000,
    });
    await policy.execute(() => sleep(20));
    expect(policy.state).toBe(CircuitState.Closed);
    await policy.execute(() => sleep(20));
    expect(policy.state).toBe(CircuitState.Open);
  });

  it('fast calls do not count as slow', async () => {
    const policy = breakerPolicy({
      breaker: timeWindowBreaker({ windowMs: 60_000, minimumCalls: 2, slowCallDurationMs: 1_000 }),
      halfOpenAfter: 60_000,
    });
    for (let i = 0; i < 5; i++) await policy.execute(() => 'fast');
    expect(policy.state).toBe(CircuitState.Closed);
  });

  it('accepts cockatiel’s own breakers too', async () => {
    const policy = breakerPolicy({ breaker: new ConsecutiveBreaker(1), halfOpenAfter: 10 });
    await expect(policy.execute(() => Promise.reject(new Error('x')))).rejects.toThrow('x');
    expect(policy.state).toBe(CircuitState.Open);
    await sleep(15);
    expect(await policy.execute(() => 'back')).toBe('back');
    expect(policy.state).toBe(CircuitState.Closed);
  });

  it('names a missing breaker', () => {
    expect(() => breakerPolicy({ halfOpenAfter: 1 } as never)).toThrow(/breakerPolicy: breaker/);
  });
});
