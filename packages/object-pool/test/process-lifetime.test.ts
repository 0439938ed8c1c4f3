/**
 * Which timers keep a process alive, observed in real child processes as a user's program
 * would run: a waiter with a timeout keeps it alive until its answer, as in generic-pool;
 * housekeeping (the evictor, create retries) never does.
 */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const modules = {
  'generic-pool 3.9.0': 'generic-pool',
  '@bulwark/object-pool': resolve(import.meta.dirname, '../src/index.ts'),
};

async function runScript(moduleName: string, body: string): Promise<string> {
  const script = `import { createPool } from ${JSON.stringify(moduleName)};\n${body}`;
  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '-e', script],
    { cwd: resolve(import.meta.dirname, '..'), timeout: 60_000 },
  );
  return stdout.trim();
}

describe.each(Object.entries(modules))('%s', (_name, moduleName) => {
  it('a process waiting only on an acquire with a timeout stays up for the TimeoutError', async () => {
    const out = await runScript(
      moduleName,
      `const pool = createPool({ create: async () => ({}), destroy: async () => {} }, { max: 1, acquireTimeoutMillis: 200 });
       await pool.acquire();
       pool.acquire().catch((e) => console.log('rejected', e.name, e.message));`,
    );
    expect(out).toBe('rejected TimeoutError ResourceRequest timed out');
  }, 90_000);

  it('the evictor and a failing create do not keep a process alive', async () => {
    const out = await runScript(
      moduleName,
      `const pool = createPool({ create: async () => { throw new Error('down'); }, destroy: async () => {} },
         { min: 1, evictionRunIntervalMillis: 60000 });
       pool.on('factoryCreateError', () => {});
       console.log('started');`,
    );
    expect(out).toBe('started');
  }, 90_000);
});
