import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

describe('a cache never keeps the process alive', () => {
  it.each(['js', 'native'])(
    'exits with a %s cache holding entries under ttlAutopurge',
    (engine) => {
      const script = `
      const { TtlCache } = require('./dist/index.cjs');
      const cache = new TtlCache({ max: 100, ttl: 2 ** 32, ttlAutopurge: true, engine: '${engine}' });
      for (let i = 0; i < 100; i++) cache.set('k' + i, 'v', { ttl: 60_000 + i });
      cache.fetch('loaded', async () => 'v');
      console.log('set', cache.size);
    `;
      // If the sweep timer held the event loop open, this would hit the timeout and throw.
      const out = execFileSync(process.execPath, ['-e', script], {
        cwd: resolve(import.meta.dirname, '..'),
        encoding: 'utf8',
        timeout: 10_000,
      });
      expect(out.trim()).toBe('set 100');
    },
  );
});
