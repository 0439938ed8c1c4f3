import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  backgroundRepeat,
  backgroundTimer,
  holdingTimer,
  MAX_TIMER_DELAY_MS,
} from '../src/timers.js';

const timersModule = fileURLToPath(new URL('../src/timers.ts', import.meta.url));

/** Runs a script in a fresh Node with the timers module, and reports how the process ended. */
function runNode(body: string): { stdout: string; status: number | null } {
  const script = `import { holdingTimer, backgroundTimer } from ${JSON.stringify(timersModule)};\n${body}`;
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '-e', script],
    {
      encoding: 'utf8',
      timeout: 20_000,
    },
  );
  return { stdout: result.stdout, status: result.status };
}

describe('timers', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('a holding timer keeps the process alive until it fires; a background one does not', () => {
    expect(runNode(`holdingTimer(() => console.log('fired'), 50);`).stdout).toBe('fired\n');
    expect(runNode(`backgroundTimer(() => console.log('fired'), 50);`).stdout).toBe('');
  });

  it('waits delays of 2^31 ms and more in full, where setTimeout would fire after 1 ms', () => {
    vi.useFakeTimers();
    const thirtyDays = 30 * 24 * 3600 * 1000;
    expect(thirtyDays).toBeGreaterThan(MAX_TIMER_DELAY_MS);
    let fired = 0;
    holdingTimer(() => fired++, thirtyDays);
    backgroundTimer(() => fired++, thirtyDays);
    vi.advanceTimersByTime(1000);
    expect(fired).toBe(0);
    vi.advanceTimersByTime(thirtyDays - 1001);
    expect(fired).toBe(0);
    vi.advanceTimersByTime(1);
    expect(fired).toBe(2);
  });

  it('Infinity never fires, and cancel stops a timer in any of its steps', () => {
    vi.useFakeTimers();
    let fired = 0;
    const forever = backgroundTimer(() => fired++, Number.POSITIVE_INFINITY);
    const long = holdingTimer(() => fired++, 3 * MAX_TIMER_DELAY_MS);
    vi.advanceTimersByTime(2 * MAX_TIMER_DELAY_MS);
    expect(forever.pending && long.pending).toBe(true);
    long.cancel();
    forever.cancel();
    vi.advanceTimersByTime(10 * MAX_TIMER_DELAY_MS);
    expect(fired).toBe(0);
    expect(long.pending).toBe(false);
  });

  it('a repeat runs after each callback returns, even one that throws, until cancelled', () => {
    vi.useFakeTimers();
    let runs = 0;
    const repeat = backgroundRepeat(() => {
      runs++;
      if (runs === 2) throw new Error('one bad run');
    }, 100);
    vi.advanceTimersByTime(100);
    expect(() => vi.advanceTimersByTime(100)).toThrow('one bad run');
    vi.advanceTimersByTime(100);
    expect(runs).toBe(3);
    repeat.cancel();
    vi.advanceTimersByTime(1000);
    expect(runs).toBe(3);
  });

  it('refuses a delay that is not a number, saying what it got', () => {
    expect(() => backgroundTimer(() => {}, '5' as never)).toThrow(
      'timer delay must be a number of ms; got 5',
    );
  });
});
