import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { platformTriple } from '@bulwark/engine-kit';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * Engine selection is decided once per process, from the environment and the files beside
 * the package, so each case runs the built package in a fresh `node`.
 */
const packageRoot = resolve(import.meta.dirname, '..');
const triple = platformTriple();

const probe = `
  const { TtlCache, engineInfo } = require('./dist/index.cjs');
  const attempt = (options) => {
    try { return new TtlCache({ max: 1, ...options }).engine; }
    catch (e) { return { code: e.code, message: e.message }; }
  };
  let info;
  try { info = engineInfo(); } catch (e) { info = { error: e.message }; }
  console.log(JSON.stringify({ info, auto: attempt({}), js: attempt({ engine: 'js' }), native: attempt({ engine: 'native' }) }));
`;

function run(cwd: string, env: Record<string, string> = {}) {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  if (!('BULWARK_ENGINE' in env)) delete childEnv.BULWARK_ENGINE;
  return JSON.parse(
    execFileSync(process.execPath, ['-e', probe], { cwd, env: childEnv, encoding: 'utf8' }),
  );
}

/** The package as npm would install it on a platform with no binary: dist and loader only. */
function copyWithoutBinary(): string {
  const dir = mkdtempSync(join(tmpdir(), 'bulwark-engine-'));
  for (const file of ['dist', 'binding.cjs', 'package.json']) {
    cpSync(join(packageRoot, file), join(dir, file), { recursive: true });
  }
  copies.push(dir);
  return dir;
}
const copies: string[] = [];
afterAll(() => {
  for (const dir of copies) rmSync(dir, { recursive: true, force: true });
});

describe('engine selection', () => {
  it('auto picks js and reports the loaded binary', () => {
    const r = run(packageRoot);
    expect(r.info).toMatchObject({ engine: 'js', nativeAvailable: true });
    expect(r.info.binary).toBe(join(packageRoot, `ttl-cache.${triple}.node`));
    expect(r.info.reason).toMatch(/^auto: /);
    expect([r.auto, r.js, r.native]).toEqual(['js', 'js', 'native']);
  });

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

  it('BULWARK_ENGINE=native moves auto to native; an explicit option still wins', () => {
    const r = run(packageRoot, { BULWARK_ENGINE: 'native' });
    expect(r.info).toMatchObject({
      engine: 'native',
      nativeAvailable: true,
      reason: 'BULWARK_ENGINE=native',
    });
    expect([r.auto, r.js, r.native]).toEqual(['native', 'js', 'native']);
  });

  it('BULWARK_ENGINE=js moves auto to js', () => {
    const r = run(packageRoot, { BULWARK_ENGINE: 'js' });
    expect(r.info).toMatchObject({
      engine: 'js',
      nativeAvailable: true,
      reason: 'BULWARK_ENGINE=js',
    });
    expect(r.auto).toBe('js');
  });

  it('a bad BULWARK_ENGINE is an error that names it', () => {
    const r = run(packageRoot, { BULWARK_ENGINE: 'rust' });
    expect(r.info.error).toMatch(/BULWARK_ENGINE must be "js", "native" or unset; got "rust"/);
    expect(r.auto.message).toMatch(/BULWARK_ENGINE/);
  });

  it('with the binary removed: auto runs js, native throws naming the platform and package', () => {
    const dir = copyWithoutBinary();
    const r = run(dir);
    expect(r.info).toMatchObject({ engine: 'js', nativeAvailable: false, binary: null });
    expect(r.info.reason).toContain(`no native binary for ${triple}`);
    expect(r.auto).toBe('js');
    expect(r.native.code).toBe('ERR_NATIVE_ENGINE_UNAVAILABLE');
    expect(r.native.message).toContain(
      `no native binary for ${triple}: install @bulwark/ttl-cache-${triple}`,
    );

    const forced = run(dir, { BULWARK_ENGINE: 'native' });
    expect(forced.info).toMatchObject({ engine: 'native', nativeAvailable: false });
    expect(forced.auto.message).toMatch(
      /BULWARK_ENGINE=native asks for the native engine, but no native binary/,
    );
    expect(run(dir, { BULWARK_ENGINE: 'js' }).info.reason).toBe('BULWARK_ENGINE=js');
  });

  it('loads the binary from the per-platform package, as npm installs it, and says so', () => {
    const dir = copyWithoutBinary();
    const platformDir = join(dir, 'node_modules', '@bulwark', `ttl-cache-${triple}`);
    mkdirSync(platformDir, { recursive: true });
    const binary = `ttl-cache.${triple}.node`;
    cpSync(join(packageRoot, binary), join(platformDir, binary));
    writeFileSync(
      join(platformDir, 'package.json'),
      JSON.stringify({ name: `@bulwark/ttl-cache-${triple}`, version: '0.1.0', main: binary }),
    );
    const r = run(dir);
    expect(r.info).toMatchObject({ nativeAvailable: true, binary: join(platformDir, binary) });
    expect(r.native).toBe('native');
  });

  it('a binary that fails to load is reported with the loader error, not as missing', () => {
    const dir = copyWithoutBinary();
    writeFileSync(join(dir, `ttl-cache.${triple}.node`), 'not an ELF file');
    const r = run(dir);
    expect(r.info.nativeAvailable).toBe(false);
    expect(r.info.reason).toContain(`the native binary for ${triple} failed to load`);
    expect(r.info.reason).toMatch(/invalid ELF header|file too short/);
    expect(r.native.message).toMatch(/failed to load: .*(invalid ELF header|file too short)/);
  });
});
