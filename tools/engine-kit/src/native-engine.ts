import { loadNative, type NativeLoad, type NativeSpec } from './load-native.js';
import {
  type AutoChoice,
  chooseEngine,
  describeEngine,
  type EngineInfo,
  type EngineOption,
  type Resolution,
} from './resolve-engine.js';

/** A package's twin: loaded once on first use, and the package's engine choices over it. */
export interface NativeEngine<B> {
  /** The binding, or why there is none; the `.node` file is opened on the first call only. */
  load(): NativeLoad<B>;
  /** The engine an instance runs for its `engine` option; loads the binary only if the answer needs it. */
  resolve(requested: EngineOption): Resolution;
  /** What `engineInfo()` reports for the package. */
  info(): EngineInfo;
}

/**
 * The engine plumbing every package with a twin needs, in one place: its `native-binding`
 * module is then just its spec and its `auto` rule.
 */
export function nativeEngine<B>(spec: NativeSpec & { auto: AutoChoice }): NativeEngine<B> {
  let loaded: NativeLoad<B> | undefined;
  const load = (): NativeLoad<B> => {
    loaded ??= loadNative<B>(spec);
    return loaded;
  };
  return {
    load,
    resolve: (requested) => chooseEngine(spec.packageName, requested, load, spec.auto),
    info: () => describeEngine(spec.packageName, load, spec.auto),
  };
}
