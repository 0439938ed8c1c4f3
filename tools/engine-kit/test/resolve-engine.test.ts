import { afterEach, describe, expect, it } from 'vitest';
import {
  chooseEngine,
  describeEngine,
  isNativeEngineUnavailableError,
  type NativeLoad,
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

const once = (load: NativeLoad<unknown>) => () => load;
/** A loader that fails the test if it is called. */
const untouched = () => {
  throw new Error('the binary was loaded although nothing needed it');
};

describe('chooseEngine', () => {
  it('lets an explicit option win over BULWARK_ENGINE', () => {
    process.env.BULWARK_ENGINE = 'native';
    expect(chooseEngine('@bulwark/pkg', 'js', untouched, autoJs).engine).toBe('js');
    expect(chooseEngine('@bulwark/pkg', 'auto', once(loaded), autoJs)).toMatchObject({
      engine: 'native',
      reason: 'BULWARK_ENGINE=native',
    });
  });

  it('does not load the binary when js is chosen', () => {
    expect(chooseEngine('@bulwark/pkg', 'auto', untouched, autoJs).engine).toBe('js');
    process.env.BULWARK_ENGINE = 'js';
    expect(chooseEngine('@bulwark/pkg', 'auto', untouched, autoNative).engine).toBe('js');
  });

  it('makes native without a binary an error, never a silent js', () => {
    const r = chooseEngine('@bulwark/pkg', 'native', once(missing), autoJs);
    expect(isNativeEngineUnavailableError(r.error)).toBe(true);
    expect(r.error?.message).toMatch(
      /@bulwark\/pkg: the engine: "native" option asks for the native engine, but no native binary/,
    );
  });

  it('lets auto fall back to js, and say why', () => {
    const r = chooseEngine('@bulwark/pkg', 'auto', once(missing), autoNative);
    expect(r.error).toBeUndefined();
    expect(r).toMatchObject({ engine: 'js' });
    expect(r.reason).toMatch(/large cache, but no native binary/);
  });
});

describe('describeEngine', () => {
  it('reports availability and the binary, and notes a missing one even when auto picks js', () => {
    expect(describeEngine('@bulwark/pkg', once(loaded), autoJs)).toEqual({
      engine: 'js',
      nativeAvailable: true,
      reason: 'auto: js is faster',
      binary: '/x/pkg.linux-x64-gnu.node',
    });
    const info = describeEngine('@bulwark/pkg', once(missing), autoJs);
    expect(info).toMatchObject({ engine: 'js', nativeAvailable: false, binary: null });
    expect(info.reason).toBe(
      `auto: js is faster (native engine unavailable: ${missing.failure?.message})`,
    );
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
