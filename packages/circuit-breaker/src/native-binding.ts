import { createRequire } from 'node:module';
import type { EngineInfo, EngineOption, Resolution } from '@bulwark/engine-kit';
import { nativeEngine } from '@bulwark/engine-kit';
import type * as Binding from '../binding.cjs';

export type NativeBinding = typeof Binding;

/**
 * The twin, loaded on first use through the napi-generated loader. This file sits one
 * folder below the package root, as the bundle in dist/ does, so `../binding.cjs` is the
 * same path from source and from the build.
 *
 * `auto` stays on js: the native engine's purpose is one circuit per name for every
 * worker thread, which changes what a name means (two breakers given one name would start
 * sharing a circuit). Sharing is asked for.
 */
const twin = nativeEngine<NativeBinding>({
  packageName: '@bulwark/circuit-breaker',
  binaryName: 'circuit-breaker',
  require: createRequire(import.meta.url),
  loaderPath: '../binding.cjs',
  auto: {
    engine: 'js',
    reason:
      'js keeps each breaker its own circuit; choose engine "native" to share each named circuit with every worker thread',
  },
});

export const nativeBinding = twin.load;

/** The engine a breaker runs; the binary is loaded only if the answer needs it. */
export function resolveBreakerEngine(requested: EngineOption): Resolution {
  return twin.resolve(requested);
}

/** The engine this process resolves `auto` to, whether the twin loads, from where, and why. */
export function engineInfo(): EngineInfo {
  return twin.info();
}
