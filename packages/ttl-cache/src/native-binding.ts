import { createRequire } from 'node:module';
import type { EngineInfo, EngineOption, Resolution } from '@bulwark/engine-kit';
import { nativeEngine } from '@bulwark/engine-kit';
import type { NativeBinding } from './engine/native.js';

export const PACKAGE_NAME = '@bulwark/ttl-cache';

/**
 * The twin, loaded on first use through the napi-generated loader. This file sits one
 * folder below the package root, as the bundle in dist/ does, so `../binding.cjs` is the
 * same path from source and from the build.
 *
 * `auto` picks js: it is faster per call (no boundary crossing, no copy); the native
 * engine's gain is a heap the garbage collector never scans, which pays for very large
 * caches: ask for it with `engine: 'native'`.
 */
const twin = nativeEngine<NativeBinding>({
  packageName: PACKAGE_NAME,
  binaryName: 'ttl-cache',
  require: createRequire(import.meta.url),
  loaderPath: '../binding.cjs',
  auto: {
    engine: 'js',
    reason: 'js is faster per call; choose engine "native" to keep a large cache off the V8 heap',
  },
});

export const nativeBinding = twin.load;

/** The engine an instance runs; the binary is loaded only if the answer needs it. */
export function resolveCacheEngine(requested: EngineOption): Resolution {
  return twin.resolve(requested);
}

/** The engine this process resolves `auto` to, whether the twin loads, from where, and why. */
export function engineInfo(): EngineInfo {
  return twin.info();
}
