import { createRequire } from 'node:module';
import type { EngineInfo } from '@bulwark/engine-kit';
import { nativeEngine } from '@bulwark/engine-kit';
import type * as Binding from '../binding.cjs';

export type NativeBinding = typeof Binding;

/**
 * The twin, loaded on first use through the napi-generated loader (this file sits one
 * folder below the package root, as the bundle in dist/ does, so `../binding.cjs` is the
 * same path from source and from the build). The store is the engine: a limiter's own
 * store is `memoryStore()` (js) or a private `sharedMemoryStore()` (native). Js is faster
 * per call, so `auto` stays on js; the twin's purpose is `sharedMemoryStore()` by name,
 * state shared by every worker thread.
 */
export const twin = nativeEngine<NativeBinding>({
  packageName: '@bulwark/rate-limiter',
  binaryName: 'rate-limiter',
  require: createRequire(import.meta.url),
  loaderPath: '../binding.cjs',
  auto: {
    engine: 'js',
    reason:
      "a limiter's own store is memoryStore() (js), faster per call; sharedMemoryStore() uses the native twin to share state with every worker thread",
  },
});

/** Whether the twin loads here, from where, and what `auto` means for this package. */
export function engineInfo(): EngineInfo {
  return twin.info();
}
