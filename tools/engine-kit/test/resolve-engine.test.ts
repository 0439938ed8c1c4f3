import { afterEach, describe, expect, it } from 'vitest';
import {
  isNativeEngineUnavailableError,
  type NativeLoad,
  resolveEngine,
  validateEngineOption,
} from '../src/index.js';
import { enginesUnderTest } from '../src/testing.js';

const loaded: NativeLoad<unknown> = { binding: {}, binary: '/x/pkg.linux-x64-gnu.node' };
const missing: NativeLoad<unknown> = {
  binding: undefined,
  binary: null,
  failure: {
    kind: 'missing',
    message: 'no native binary for linux-x64-gnu: install @bulwark/pkg-linux-x64-gnu',
  },
};
const autoJs = { engine: 'js' as const, reason: 'js is faster' };
const autoNative = { engine: 'native' as const, reason: 'large cache' };

afterEach(() => {
  delete process.env.BULWARK_ENGINE;
  delete process.env.BULWARK_TEST_ENGINES;
});

describe('resolveEngine', () => {
  it('lets an explicit option win over BULWARK_ENGINE', () => {
    process.env.BULWARK_ENGINE = 'native';
    expect(resolveEngine('@bulwark/pkg', 'js', loaded, autoJs).info.engine).toBe('js');
    expect(resolveEngine('@bulwark/pkg', 'auto', loaded, autoJs).info).toMatchObject({
      engine: 'native',
      reason: 'BULWARK_ENGINE=native',
    });
  });

  it('makes native without a binary an error, never a silent js', () => {
    const r = resolveEngine('@bulwark/pkg', 'native', missing, autoJs);
    expect(isNativeEngineUnavailableError(r.error)).toBe(true);
    expect(r.error?.message).toMatch(
      /@bulwark\/pkg: the engine: "native" option asks for the native engine, but no native binary/,
    );
  });

  it('lets auto fall back to js, and say why', () => {
    const r = resolveEngine('@bulwark/pkg', 'auto', missing, autoNative);
    expect(r.error).toBeUndefined();
    expect(r.info).toMatchObject({ engine: 'js', nativeAvailable: false, binary: null });
    expect(r.info.reason).toMatch(/large cache, but no native binary/);
  });

  it('names the engine option when it is wrong', () => {
    expect(() => validateEngineOption('wasm')).toThrow(
      /engine must be one of "auto", "js", "native"; got "wasm"/,
    );
  });
});

describe('enginesUnderTest', () => {
  it('runs both engines, and fails loudly when native is missing', () => {
    expect(
      enginesUnderTest({ engine: 'js', nativeAvailable: true, reason: '', binary: 'x' }),
    ).toEqual(['js', 'native']);
    expect(() =>
      enginesUnderTest({ engine: 'js', nativeAvailable: false, reason: 'no binary', binary: null }),
    ).toThrow(/native engine is not available.*no binary/);
    process.env.BULWARK_TEST_ENGINES = 'js';
    expect(
      enginesUnderTest({ engine: 'js', nativeAvailable: false, reason: '', binary: null }),
    ).toEqual(['js']);
  });
});
