import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareVersions, GLIBC_BASELINE, newestGlibcNeeded } from '../src/glibc.mjs';

describe('glibc baseline check', () => {
  it('orders versions as numbers, not text', () => {
    expect(compareVersions('2.17', '2.2.5')).toBeGreaterThan(0);
    expect(compareVersions('2.34', '2.17')).toBeGreaterThan(0);
    expect(compareVersions('2.14', GLIBC_BASELINE)).toBeLessThan(0);
    expect(compareVersions('2.17', '2.17.0')).toBe(0);
  });

  it('reads the newest GLIBC_ version a built binary needs, and refuses a file that is no glibc ELF', () => {
    const binary = join(
      import.meta.dirname,
      '../../../packages/ttl-cache/ttl-cache.linux-x64-gnu.node',
    );
    if (!existsSync(binary)) return; // another platform: no gnu binary is built here
    expect(newestGlibcNeeded(binary)).toMatch(/^2\.\d+(\.\d+)?$/);
    expect(() => newestGlibcNeeded(join(import.meta.dirname, '../package.json'))).toThrow();
  });
});
