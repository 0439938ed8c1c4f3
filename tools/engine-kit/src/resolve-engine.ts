import { NativeEngineUnavailableError } from './errors.js';
import type { NativeLoad } from './load-native.js';

export type EngineName = 'js' | 'native';
export type EngineOption = 'auto' | EngineName;

/** What `engineInfo()` reports and what an instance runs. */
export interface EngineInfo {
  engine: EngineName;
  nativeAvailable: boolean;
  reason: string;
  /** Path of the loaded `.node` file, or null. */
  binary: string | null;
}

/** What `auto` would pick for a given set of options, and why. */
export interface AutoChoice {
  engine: EngineName;
  reason: string;
}

/** What an instance runs: the engine, why, and the error to throw if it cannot run. */
export interface Resolution {
  engine: EngineName;
  reason: string;
  /** Set when the asked-for engine cannot run: constructors throw it. */
  error?: NativeEngineUnavailableError;
}

const ENGINE_OPTIONS: readonly EngineOption[] = ['auto', 'js', 'native'];

/** The engine `BULWARK_ENGINE` forces on `auto` for the whole process, if any. */
export function forcedEngine(): EngineName | undefined {
  const value = process.env.BULWARK_ENGINE;
  if (value === undefined || value === '' || value === 'auto') return undefined;
  if (value === 'js' || value === 'native') return value;
  throw new TypeError(
    `BULWARK_ENGINE must be "js", "native" or unset; got ${JSON.stringify(value)}`,
  );
}

export function validateEngineOption(value: unknown): EngineOption {
  if (value === undefined) return 'auto';
  if (ENGINE_OPTIONS.includes(value as EngineOption)) return value as EngineOption;
  throw new TypeError(
    `engine must be one of ${ENGINE_OPTIONS.map((e) => `"${e}"`).join(', ')}; got ${JSON.stringify(value)}`,
  );
}

/**
 * Picks the engine: an explicit `engine` option wins, then `BULWARK_ENGINE`, then the
 * package's `auto` rule. Asking for `native` where it cannot load is an error, never a
 * silent fall back to `js`; `auto` falls back and says so in `reason`.
 *
 * `native` is called only when the answer depends on it, so a process whose caches run on
 * `js` never loads the binary (a dlopen, and the loader's libc probe) at start-up.
 */
export function chooseEngine(
  packageName: string,
  requested: EngineOption,
  native: () => NativeLoad<unknown>,
  auto: AutoChoice,
): Resolution {
  const asked = requested === 'auto' ? forcedEngine() : requested;
  if (asked === 'js') {
    return {
      engine: 'js',
      reason: requested === 'js' ? 'the engine: "js" option' : 'BULWARK_ENGINE=js',
    };
  }
  if (asked === 'native') {
    const askedBy = requested === 'auto' ? 'BULWARK_ENGINE=native' : 'the engine: "native" option';
    const load = native();
    if (load.binding !== undefined) return { engine: 'native', reason: askedBy };
    const message = `${packageName}: ${askedBy} asks for the native engine, but ${load.failure?.message}`;
    return { engine: 'native', reason: message, error: new NativeEngineUnavailableError(message) };
  }
  if (auto.engine === 'native') {
    const load = native();
    if (load.binding === undefined) {
      return {
        engine: 'js',
        reason: `auto: ${auto.reason}, but ${load.failure?.message}; using js`,
      };
    }
  }
  return { engine: auto.engine, reason: `auto: ${auto.reason}` };
}

/**
 * What `engineInfo()` reports: what `auto` resolves to in this process, whether the binary
 * loads (it is loaded to find out), from where, and why.
 */
export function describeEngine(
  packageName: string,
  native: () => NativeLoad<unknown>,
  auto: AutoChoice,
): EngineInfo {
  const load = native();
  const { engine, reason } = chooseEngine(packageName, 'auto', () => load, auto);
  const nativeAvailable = load.binding !== undefined;
  // Where auto's own rule chose js, the missing binary did not decide it: say so anyway.
  const note =
    !nativeAvailable && reason === `auto: ${auto.reason}`
      ? ` (native engine unavailable: ${load.failure?.message})`
      : '';
  return { engine, nativeAvailable, reason: reason + note, binary: load.binary };
}
