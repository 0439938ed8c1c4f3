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
  /**
   * The engine an instance runs for its `engine` option; loads the binary only if the
   * answer needs it. `auto` is the package's rule unless the instance's options call for
   * another choice.
   */
  resolve(requested: EngineOption, auto?: AutoChoice): Resolution;
  /** What `engineInfo()` reports for the package, or for one set of options' `auto`. */
  info(auto?: AutoChoice): EngineInfo;
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
    resolve: (requested, auto = spec.auto) => chooseEngine(spec.packageName, requested, load, auto),
    info: (auto = spec.auto) => describeEngine(spec.packageName, load, auto),
  };
}
