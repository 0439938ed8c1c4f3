import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM without types
import { prepareRelease } from '../src/prepare.mjs';

const ttlCache = resolve(import.meta.dirname, '../../../packages/ttl-cache');
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('release dry run (linux-x64-gnu, the target this machine builds)', () => {
  it('prepares the platform package and points optionalDependencies at it, publishing nothing', () => {
    const r = prepareRelease(ttlCache);
    dirs.push(r.workDir);
    expect(r.built).toEqual(['x86_64-unknown-linux-gnu']);
    expect(r.notBuilt).toHaveLength(6);
    expect(r.optionalDependencies).toEqual({ '@bulwark/ttl-cache-linux-x64-gnu': r.version });
    const [platform] = r.platformPackages;
    expect(platform).toMatchObject({
      name: '@bulwark/ttl-cache-linux-x64-gnu',
      version: r.version,
    });
    expect(platform.files).toContain('ttl-cache.linux-x64-gnu.node');
    // The main package ships the loader and the JS, never a binary.
    expect(r.mainFiles).toContain('binding.cjs');
    expect(r.mainFiles).toContain('dist/index.cjs');
    expect(r.mainFiles.filter((f: string) => f.endsWith('.node'))).toEqual([]);
  });
});
