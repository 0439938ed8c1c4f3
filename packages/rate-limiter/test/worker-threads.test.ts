/**
 * sharedMemoryStore: limiters in different worker threads, one store by name, one key:
 * together they admit exactly the limit. Real worker_threads, each loading the built
 * package.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';

const fixture = join(dirname(fileURLToPath(import.meta.url)), 'fixtures/limiter-worker.mjs');
const THREADS = 4;

async function admittedByThreads(
  shared: boolean,
  limit: number,
  attempts: number,
): Promise<number[]> {
  const storeName = `threads-${process.pid}-${Math.random()}`;
  const workers = Array.from(
    { length: THREADS },
    () => new Worker(fixture, { workerData: { shared, storeName, limit, attempts } }),
  );
  try {
    const next = (w: Worker) =>
      new Promise<unknown>((resolve, reject) => w.once('message', resolve).once('error', reject));
    await Promise.all(workers.map(next));
    const results = workers.map(next);
    for (const w of workers) w.postMessage('go');
    return (await Promise.all(results)) as number[];
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

describe('worker threads', () => {
  it('sharedMemoryStore: the threads together admit exactly the limit, no more, no less', async () => {
    const admitted = await admittedByThreads(true, 10_000, 5_000);
    expect(admitted.reduce((a, b) => a + b, 0)).toBe(10_000);
  });

  it('memoryStore (the control): each thread has its own count', async () => {
    const admitted = await admittedByThreads(false, 10_000, 5_000);
    expect(admitted).toEqual(Array(THREADS).fill(5_000));
  });
});
