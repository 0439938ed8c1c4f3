export { type Clock, clockOption, monotonicClock, wallClock } from './clock.js';
export { describeValue } from './describe-value.js';
export { isNativeEngineUnavailableError, NativeEngineUnavailableError } from './errors.js';
export {
  loadNative,
  type NativeLoad,
  type NativeLoadFailure,
  type NativeSpec,
} from './load-native.js';
export { escapeKeyChars, losslessKey, restoreKey } from './lossless-key.js';
export {
  type MeterLike,
  type MetricLabels,
  meterArgument,
  type ObservationLike,
  type PromClientLike,
  promClientArgument,
  registersOption,
} from './metrics-types.js';
export { type NativeEngine, nativeEngine } from './native-engine.js';
export { Observed } from './observed.js';
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
export {
  backgroundRepeat,
  backgroundTimer,
  delay,
  holdingTimer,
  MAX_TIMER_DELAY_MS,
  type Timer,
} from './timers.js';
export {
  nearestName,
  rejectUnknownOptions,
  unknownOptionText,
  warnUnknownOptions,
} from './unknown-options.js';
export {
  booleanOption,
  functionOption,
  integerOption,
  type NumberBounds,
  nonNegativeInteger,
  nonNegativeNumber,
  numberOption,
  oneOfOption,
  optionsObject,
  positiveInteger,
  positiveNumber,
  stringOption,
} from './validate.js';
