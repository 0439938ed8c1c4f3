export { isNativeEngineUnavailableError, NativeEngineUnavailableError } from './errors.js';
export {
  loadNative,
  type NativeLoad,
  type NativeLoadFailure,
  type NativeSpec,
} from './load-native.js';
export { type NativeEngine, nativeEngine } from './native-engine.js';
export { platformPackage, platformTriple } from './platform.js';
export {
  type AutoChoice,
  chooseEngine,
  describeEngine,
  type EngineInfo,
  type EngineName,
  type EngineOption,
  forcedEngine,
  type Resolution,
  validateEngineOption,
} from './resolve-engine.js';
