import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CircuitBreaker } from '../src/index.js';

const packageRoot = resolve(import.meta.dirname, '..');
const DAY = 24 * 3600 * 1000;

afterEach(() => {
  vi.useRealTimers();
});

describe('timers', () => {
  it('a pending call with a timeout keeps the process alive until its ETIMEDOUT, as with opossum', () => {
    // The action's promise holds nothing open: only the breaker's timeout can keep the
    // process running until the caller gets its answer.
    const script = `
      const { CircuitBreaker } = require('./dist/index.cjs');
      const breaker = new CircuitBreaker(() => new Promise(() => {}), { timeout: 50 });
      breaker.fire().catch((e) => console.log(e.code));
    `;
    const out = execFileSync(process.execPath, ['-e', script], {
      cwd: packageRoot,
      encoding: 'utf8',
    });
    expect(out.trim()).toBe('ETIMEDOUT');
  });

  it('once its calls have settled, a breaker with a long timeout holds nothing open', () => {
    const script = `
      const { CircuitBreaker } = require('./dist/index.cjs');
      const breaker = new CircuitBreaker(async () => 'ok', { timeout: 600000 });
      breaker.fire().then(console.log);
    `;
    // Were the 10-minute timer still armed, the process would outlive the kill below.
    const out = execFileSync(process.execPath, ['-e', script], {
      cwd: packageRoot,
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(out.trim()).toBe('ok');
  });

  it('an open circuit does not keep an idle process alive', () => {
    const script = `
      const { CircuitBreaker } = require('./dist/index.cjs');
      const breaker = new CircuitBreaker(async () => 1, { resetTimeout: 60000 });
      breaker.open();
      console.log('opened');
    `;
    const out = execFileSync(process.execPath, ['-e', script], {
      cwd: packageRoot,
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(out.trim()).toBe('opened');
  });

  it('a resetTimeout of 30 days (past setTimeout 2^31 ms limit) waits 30 days, not 1 ms', async () => {
    vi.useFakeTimers();
    const breaker = new CircuitBreaker(async () => 1, { resetTimeout: 30 * DAY });
    breaker.open();
    await vi.advanceTimersByTimeAsync(1000);
    expect(breaker.opened).toBe(true);
    await vi.advanceTimersByTimeAsync(29 * DAY);
    expect(breaker.opened).toBe(true);
    await vi.advanceTimersByTimeAsync(DAY);
    expect(breaker.halfOpen).toBe(true);
    breaker.shutdown();
  });

  it('options are resolved once, complete and frozen; the user keys opossum users read are kept', () => {
    const breaker = new CircuitBreaker(async () => 1, {
      cache: true,
      coalesce: true,
      name: 'n',
      timeout: 0,
    });
    expect(Object.isFrozen(breaker.options)).toBe(true);
    expect(breaker.options.cacheTransport).toBeDefined();
    expect(breaker.options.coalesceCache).toBeDefined();
    expect(breaker.options).toMatchObject({ name: 'n', volumeThreshold: 0, resetTimeout: 30_000 });
    breaker.shutdown();
  });

  it('takes a Clock object or a function as its clock', async () => {
    let t = 1_000;
    const withObject = new CircuitBreaker(async () => 1, {
      clock: { now: () => t },
      timeout: false,
    });
    const withFunction = new CircuitBreaker(async () => 1, { clock: () => t, timeout: false });
    await withObject.fire();
    await withFunction.fire();
    t += 5;
    expect(withObject.stats.fires).toBe(1);
    expect(withFunction.stats.fires).toBe(1);
    expect(() => new CircuitBreaker(async () => 1, { clock: 5 as never })).toThrow(
      'clock must be a Clock ({ now() }) or a function returning milliseconds; got 5',
    );
    withObject.shutdown();
    withFunction.shutdown();
  });
});
