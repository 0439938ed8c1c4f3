/**
 * engine "native": breakers with one name in different worker threads share one circuit.
 * Real worker_threads, each loading the built package, as an application's would.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { uniqueName } from './engines.js';

const fixture = join(dirname(fileURLToPath(import.meta.url)), 'fixtures/breaker-worker.mjs');
const THREADS = 4;
let workers: Worker[] = [];

interface Reply {
  results: string[];
  opened?: boolean;
  closed?: boolean;
  events: string[];
}

async function startWorkers(engine: 'js' | 'native', options: Record<string, unknown>) {
  const name = uniqueName('threads');
  workers = Array.from(
    { length: THREADS },
    () => new Worker(fixture, { workerData: { engine, name, ...options } }),
  );
  await Promise.all(
    workers.map(
      (w) => new Promise((resolve, reject) => w.once('message', resolve).once('error', reject)),
    ),
  );
}

function ask(worker: Worker, message: Record<string, unknown>): Promise<Reply> {
  return new Promise((resolve, reject) => {
    worker.once('message', resolve).once('error', reject);
    worker.postMessage(message);
  });
}

afterEach(async () => {
  await Promise.all(workers.map((w) => w.terminate()));
  workers = [];
});

describe('worker threads', () => {
  it('native: failures in every thread add up, and the open circuit rejects in all of them', async () => {
    await startWorkers('native', { threshold: 8, resetTimeout: 60_000, halfOpenProbes: 1 });
    // Each thread sees 2 failures in a row; only together do they reach 8.
    const first = await Promise.all(workers.map((w) => ask(w, { command: 'fire', count: 2 })));
    expect(first.flatMap((r) => r.results)).toEqual(Array(8).fill('failed'));
    const after = await Promise.all(workers.map((w) => ask(w, { command: 'fire', count: 1 })));
    expect(after.map((r) => r.results[0])).toEqual(Array(THREADS).fill('rejected'));
    expect(after.every((r) => r.opened && r.events.includes('open'))).toBe(true);
  });

  it('native: successes admitted without a crossing still count in the shared window', async () => {
    // Opossum's rule (open when more than 50% of the window's fires failed). In a closed
    // circuit each thread admits calls through its mirror and leaves the fires there;
    // the circuit counts them when the next failure enters it.
    await startWorkers('native', { resetTimeout: 60_000, halfOpenProbes: 1 });
    const ok = await Promise.all(workers.map((w) => ask(w, { command: 'succeed', count: 500 })));
    expect(ok.flatMap((r) => r.results)).toEqual(Array(THREADS * 500).fill('ran'));
    // 2000 failures against 2000 successes: exactly 50%, not more: still closed.
    const [worker] = workers as [Worker];
    const even = await ask(worker, { command: 'fire', count: THREADS * 500 });
    expect(even.results.every((r) => r === 'failed')).toBe(true);
    expect(even.opened).toBe(false);
    const tipping = await ask(worker, { command: 'fire', count: 1 });
    expect(tipping.results).toEqual(['failed']);
    expect(tipping.opened).toBe(true);
    const others = await Promise.all(
      workers.slice(1).map((w) => ask(w, { command: 'fire', count: 1 })),
    );
    expect(others.map((r) => r.results[0])).toEqual(Array(THREADS - 1).fill('rejected'));
  });

  it('native: failures recorded alone in every thread still open the circuit at the tipping failure', async () => {
    // 2000 successes, then every thread fails at once. Each failure is also a fire, so the
    // rate passes 50% only at the 2001st failure. Failures that cannot tip it are counted
    // in each thread's mirror, within an equal share of what the circuit allows.
    await startWorkers('native', { resetTimeout: 60_000, halfOpenProbes: 1 });
    await Promise.all(workers.map((w) => ask(w, { command: 'succeed', count: 500 })));
    const replies = await Promise.all(workers.map((w) => ask(w, { command: 'fire', count: 600 })));
    const results = replies.flatMap((r) => r.results);
    const failed = results.filter((r) => r === 'failed').length;
    // Never fewer than 2001. A little more when other threads' calls are in flight: their
    // fires count (opossum counts a call when it is fired), so the rate passes 50% up to
    // one failure later per such call, and calls admitted before the opening still fail.
    expect(failed).toBeGreaterThanOrEqual(2001);
    expect(failed).toBeLessThanOrEqual(2001 + 2 * (THREADS - 1));
    expect(results.filter((r) => r === 'rejected')).toHaveLength(THREADS * 600 - failed);
    const after = await Promise.all(workers.map((w) => ask(w, { command: 'fire', count: 1 })));
    expect(after.map((r) => r.results[0])).toEqual(Array(THREADS).fill('rejected'));
  });

  it('js: each thread keeps its own circuit (the control)', async () => {
    await startWorkers('js', { threshold: 8, resetTimeout: 60_000, halfOpenProbes: 1 });
    await Promise.all(workers.map((w) => ask(w, { command: 'fire', count: 2 })));
    const after = await Promise.all(workers.map((w) => ask(w, { command: 'fire', count: 1 })));
    expect(after.map((r) => r.results[0])).toEqual(Array(THREADS).fill('failed'));
  });

  it('native: a half-open circuit lets exactly halfOpenProbes calls through, from all threads together', async () => {
    await startWorkers('native', { threshold: 4, resetTimeout: 200, halfOpenProbes: 2 });
    await Promise.all(workers.map((w) => ask(w, { command: 'fire', count: 1 })));
    await new Promise((r) => setTimeout(r, 250));
    const start = Date.now() + 300;
    const replies = await Promise.all(workers.map((w) => ask(w, { command: 'recover', start })));
    const results = replies.flatMap((r) => r.results).sort();
    expect(results).toEqual(['ran', 'ran', 'rejected', 'rejected']);
    // Both probes succeeded: the circuit closed for every thread.
    const closed = await Promise.all(workers.map((w) => ask(w, { command: 'recover', start: 0 })));
    expect(closed.every((r) => r.closed && r.results[0] === 'ran')).toBe(true);
  });
});
