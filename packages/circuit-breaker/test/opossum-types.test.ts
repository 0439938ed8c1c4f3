/**
 * "A TypeScript project written against opossum compiles against ours": a fixture typed
 * against @types/opossum is compiled with `opossum` mapped to opossum itself (the
 * control), to our ESM types and to our CommonJS types. Needs the package built.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const fixture = join(packageDir, 'test/fixtures/opossum-typed/app.ts');
const tsc = join(packageDir, '../../node_modules/typescript/bin/tsc');

/** Compiles the fixture with `opossum` resolved to `target`; returns tsc's output. */
function compile(target: string | undefined): string {
  const dir = mkdtempSync(join(tmpdir(), 'opossum-typed-'));
  const config = {
    compilerOptions: {
      strict: true,
      noEmit: true,
      target: 'ES2022',
      module: 'ESNext',
      moduleResolution: 'Bundler',
      esModuleInterop: true,
      skipLibCheck: false,
      types: ['node'],
      typeRoots: [
        join(packageDir, 'node_modules/@types'),
        join(packageDir, '../../node_modules/@types'),
      ],
      ...(target ? { paths: { opossum: [target] } } : {}),
    },
    files: [fixture],
  };
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(config));
  try {
    execFileSync(process.execPath, [tsc, '-p', join(dir, 'tsconfig.json')], { encoding: 'utf8' });
    return '';
  } catch (error) {
    return String((error as { stdout?: string }).stdout ?? error);
  }
}

describe('types compatible with @types/opossum', () => {
  it('the fixture compiles against @types/opossum itself (control)', () => {
    expect(compile(undefined)).toBe('');
  });

  it('compiles against our ESM types', () => {
    expect(compile(join(packageDir, 'dist/index.d.ts'))).toBe('');
  });

  it('compiles against our CommonJS types', () => {
    expect(compile(join(packageDir, 'cjs/index.d.cts'))).toBe('');
  });
});
