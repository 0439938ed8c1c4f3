import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { platformTriple } from './platform.js';

export interface EngineSelectionSpec {
  /** The package folder (with dist/, binding.cjs and the built `.node`). */
  packageRoot: string;
  /** Its npm name, e.g. `@bulwark/ttl-cache`. */
  packageName: string;
  /** `napi.binaryName`. */
  binaryName: string;
  /**
   * JavaScript source of a function `(api, options) => instance` that builds a default
   * instance from the package's CommonJS exports with `options` merged in (the engine
   * option among them); the suite reads its `engine` and then calls `close?.()`.
   */
  makeInstance: string;
}

/**
 * The engine-selection suite every package runs: what `engineInfo()` says, and what a
 * default instance runs, under `auto`, `BULWARK_ENGINE=js` and `=native`, with the binary
 * removed, from the per-platform package, and with a broken binary. Selection is decided
 * once per process, so each case runs the built package in a fresh `node`.
 */
export function describeEngineSelection(spec: EngineSelectionSpec): void {
  const triple = platformTriple();
  const binary = `${spec.binaryName}.${triple}.node`;
  const platformPackage = `${spec.packageName}-${triple}`;
  const probe = `
    const api = require('./dist/index.cjs');
    const make = ${spec.makeInstance};
    const attempt = (options) => {
      try { const i = make(api, options); const e = i.engine; i.close?.(); i.shutdown?.(); return e; }
      catch (e) { return { code: e.code, message: e.message }; }
    };
    let info;
    try { info = api.engineInfo(); } catch (e) { info = { error: e.message }; }
    console.log(JSON.stringify({ info, auto: attempt({}), js: attempt({ engine: 'js' }), native: attempt({ engine: 'native' }) }));
  `;
  const copies: string[] = [];

  function run(cwd: string, env: Record<string, string> = {}) {
    const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
    if (!('BULWARK_ENGINE' in env)) delete childEnv.BULWARK_ENGINE;
    const out = execFileSync(process.execPath, ['-e', probe], {
      cwd,
      env: childEnv,
      encoding: 'utf8',
    });
    return JSON.parse(out.trim().split('\n').at(-1) as string);
  }

  /** The package as npm installs it on a platform with no binary: dist and loader only. */
  function copyWithoutBinary(): string {
    const dir = mkdtempSync(join(tmpdir(), 'bulwark-engine-'));
    for (const file of ['dist', 'binding.cjs', 'package.json']) {
      cpSync(join(spec.packageRoot, file), join(dir, file), { recursive: true });
    }
    copies.push(dir);
    return dir;
  }

  describe(`engine selection (${spec.packageName})`, () => {
    afterAll(() => {
      for (const dir of copies) rmSync(dir, { recursive: true, force: true });
    });

    it('auto: engineInfo() tells what a default instance runs, and where the binary is', () => {
      const r = run(spec.packageRoot);
      expect(r.info).toMatchObject({
        nativeAvailable: true,
        binary: join(spec.packageRoot, binary),
      });
      expect(r.info.reason).toMatch(/^auto: /);
      expect(r.auto).toBe(r.info.engine);
      expect([r.js, r.native]).toEqual(['js', 'native']);
    });

    it('BULWARK_ENGINE=native: engineInfo() and a default instance say native; an explicit option wins', () => {
      const r = run(spec.packageRoot, { BULWARK_ENGINE: 'native' });
      expect(r.info).toMatchObject({
        engine: 'native',
        nativeAvailable: true,
        reason: 'BULWARK_ENGINE=native',
      });
      expect([r.auto, r.js, r.native]).toEqual(['native', 'js', 'native']);
    });

    it('BULWARK_ENGINE=js: engineInfo() and a default instance say js', () => {
      const r = run(spec.packageRoot, { BULWARK_ENGINE: 'js' });
      expect(r.info).toMatchObject({
        engine: 'js',
        nativeAvailable: true,
        reason: 'BULWARK_ENGINE=js',
      });
      expect([r.auto, r.js, r.native]).toEqual(['js', 'js', 'native']);
    });

    it('a bad BULWARK_ENGINE is an error that names it', () => {
      const r = run(spec.packageRoot, { BULWARK_ENGINE: 'rust' });
      expect(r.info.error).toMatch(/BULWARK_ENGINE must be "js", "native" or unset; got "rust"/);
      expect(r.auto.message).toMatch(/BULWARK_ENGINE/);
    });

    it('binary removed: default instances run js; native throws, naming the platform package to install', () => {
      const dir = copyWithoutBinary();
      const r = run(dir);
      expect(r.info).toMatchObject({ engine: 'js', nativeAvailable: false, binary: null });
      expect(r.info.reason).toContain(`no native binary for ${triple}`);
      expect(r.auto).toBe('js');
      expect(r.native.code).toBe('ERR_NATIVE_ENGINE_UNAVAILABLE');
      expect(r.native.message).toContain(`it ships in ${platformPackage}`);
      expect(r.native.message).toContain('npm install');

      const forced = run(dir, { BULWARK_ENGINE: 'native' });
      expect(forced.info).toMatchObject({ engine: 'native', nativeAvailable: false });
      expect(forced.auto.message).toMatch(
        /BULWARK_ENGINE=native asks for the native engine, but no native binary/,
      );
      const js = run(dir, { BULWARK_ENGINE: 'js' });
      expect(js.info.reason).toBe('BULWARK_ENGINE=js');
      expect(js.auto).toBe('js');
    });

    it('loads the binary from the per-platform package, as npm installs it, and says so', () => {
      const dir = copyWithoutBinary();
      const platformDir = join(dir, 'node_modules', ...platformPackage.split('/'));
      mkdirSync(platformDir, { recursive: true });
      cpSync(join(spec.packageRoot, binary), join(platformDir, binary));
      writeFileSync(
        join(platformDir, 'package.json'),
        JSON.stringify({ name: platformPackage, version: '0.0.0', main: binary }),
      );
      const r = run(dir);
      expect(r.info).toMatchObject({ nativeAvailable: true, binary: join(platformDir, binary) });
      expect(r.native).toBe('native');
    });

    it('a binary that fails to load is reported with the loader error, not as missing', () => {
      const dir = copyWithoutBinary();
      writeFileSync(join(dir, binary), 'not an ELF file');
      const r = run(dir);
      expect(r.info.nativeAvailable).toBe(false);
      expect(r.info.reason).toContain(`the native binary for ${triple} failed to load`);
      expect(r.native.message).toMatch(/failed to load: .*(invalid ELF header|file too short)/);
    });
  });
}
