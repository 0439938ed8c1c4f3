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

export interface Resolution {
  info: EngineInfo;
  /** Set when the asked-for engine cannot run: constructors throw it, `engineInfo()` reports it. */
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
 */
export function resolveEngine(
  packageName: string,
  requested: EngineOption,
  native: NativeLoad<unknown>,
  auto: AutoChoice,
): Resolution {
  const nativeAvailable = native.binding !== undefined;
  const make = (engine: EngineName, reason: string): Resolution => ({
    info: { engine, nativeAvailable, reason, binary: native.binary },
  });
  const forced = requested === 'auto' ? forcedEngine() : undefined;
  const asked = requested === 'auto' ? forced : requested;
  const askedBy = requested === 'auto' ? 'BULWARK_ENGINE=native' : 'the engine: "native" option';

  if (asked === 'js') {
    return make('js', requested === 'js' ? 'the engine: "js" option' : 'BULWARK_ENGINE=js');
  }
  if (asked === 'native') {
    if (nativeAvailable) return make('native', askedBy);
    const message = `${packageName}: ${askedBy} asks for the native engine, but ${native.failure?.message}`;
    return { ...make('native', message), error: new NativeEngineUnavailableError(message) };
  }
  if (auto.engine === 'native' && !nativeAvailable) {
    return make('js', `auto: ${auto.reason}, but ${native.failure?.message}; using js`);
  }
  const unavailable = nativeAvailable
    ? ''
    : ` (native engine unavailable: ${native.failure?.message})`;
  return make(auto.engine, `auto: ${auto.reason}${unavailable}`);
}
