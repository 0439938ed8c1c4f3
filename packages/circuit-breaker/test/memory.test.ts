/**
 * Memory stays flat over 10 million calls: nothing the breaker keeps grows with traffic
 * (opossum keeps every latency of the window in arrays). The heap after 10 million calls
 * must be within 1 MiB of the heap after the first million. A memory bound, not a timing:
 * the run takes a few seconds.
 */
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const fixture = join(dirname(fileURLToPath(import.meta.url)), 'fixtures/ten-million-calls.mjs');

it('keeps the heap flat over 10 million calls', { timeout: 120_000 }, () => {
  const out = execFileSync(process.execPath, ['--expose-gc', fixture, '10000000'], {
    encoding: 'utf8',
  });
  const { afterFirstMillion, atEnd } = JSON.parse(out.trim().split('\n').at(-1) as string);
  expect(atEnd - afterFirstMillion).toBeLessThan(2 ** 20);
});
