import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describeEngineSelection } from '@bulwark/engine-kit/testing';
import { describe, expect, it } from 'vitest';

const packageRoot = resolve(import.meta.dirname, '..');

describeEngineSelection({
  packageRoot,
  packageName: '@bulwark/ttl-cache',
  binaryName: 'ttl-cache',
  makeInstance: '(api, options) => new api.TtlCache({ max: 1, ...options })',
});

describe('engine selection: what only ttl-cache does', () => {
  it('a process whose caches run on js never loads the binary', () => {
    const script = `
      const { TtlCache } = require('./dist/index.cjs');
      new TtlCache({ max: 1 }).set('k', 'v');
      console.log(Object.keys(require.cache).filter((p) => p.endsWith('.node')).length);
    `;
    const env = { ...process.env };
    delete env.BULWARK_ENGINE;
    const out = execFileSync(process.execPath, ['-e', script], {
      cwd: packageRoot,
      env,
      encoding: 'utf8',
    });
    expect(out.trim()).toBe('0');
  });
});
