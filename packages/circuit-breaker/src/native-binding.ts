import { createRequire } from 'node:module';
import {
  type AutoChoice,
  chooseEngine,
  describeEngine,
  type EngineInfo,
  type EngineOption,
  loadNative,
  type NativeLoad,
  type Resolution,
} from '@bulwark/engine-kit';
import type * as Binding from '../binding.cjs';

export type NativeBinding = typeof Binding;

export const PACKAGE_NAME = '@bulwark/circuit-breaker';

let loaded: NativeLoad<NativeBinding> | undefined;

/**
 * The twin, loaded on first use through the napi-generated loader. This file sits one
 * folder below the package root, as the bundle in dist/ does, so `../binding.cjs` is the
 * same path from source and from the build.
 */
export function nativeBinding(): NativeLoad<NativeBinding> {
  loaded ??= loadNative<NativeBinding>({
    packageName: PACKAGE_NAME,
    binaryName: 'circuit-breaker',
    require: createRequire(import.meta.url),
    loaderPath: '../binding.cjs',
  });
  return loaded;
}

/**
 * What `auto` picks. The native engine's purpose is one circuit per name for every worker
 * thread, which changes what a name means; a breaker's own work is a few ns and each
 * native call adds a boundary crossing. So `auto` stays on js and sharing is asked for.
 */
export function autoChoice(): AutoChoice {
  return {
    engine: 'js',
    reason:
      'js is faster per call; choose engine "native" to share each named circuit with every worker thread',
  };
}

/** The engine a breaker runs; the binary is loaded only if the answer needs it. */
export function resolveBreakerEngine(requested: EngineOption): Resolution {
  return chooseEngine(PACKAGE_NAME, requested, nativeBinding, autoChoice());
}

/** The engine this process resolves `auto` to, whether the twin loads, from where, and why. */
export function engineInfo(): EngineInfo {
  return describeEngine(PACKAGE_NAME, nativeBinding, autoChoice());
}
