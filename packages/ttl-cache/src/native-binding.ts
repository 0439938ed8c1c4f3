import { createRequire } from 'node:module';
import type { AutoChoice, EngineInfo, EngineOption, Resolution } from '@bulwark/engine-kit';
import { nativeEngine } from '@bulwark/engine-kit';
import type { NativeBinding } from './engine/native.js';
import { resolveOptions, type TtlCacheOptions } from './options.js';

export const PACKAGE_NAME = '@bulwark/ttl-cache';

/**
 * The twin, loaded on first use through the napi-generated loader. This file sits one
 * folder below the package root, as the bundle in dist/ does, so `../binding.cjs` is the
 * same path from source and from the build.
 *
 * `auto` picks js: it is faster per call (no boundary crossing, no copy); the native
 * engine's gain is a heap the garbage collector never scans, which pays for very large
 * caches: ask for it with `engine: 'native'`. Two sets of options say the caller wants
 * bytes, and move `auto` to native (see `autoFor`).
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

/** The resolved options that `auto` looks at. */
interface EngineRelevantOptions {
  maxSize: number;
  sizeCalculation: unknown;
  serializerGiven: boolean;
}

/**
 * What `auto` picks for one cache's options. Native where the options only make sense as
 * bytes: `maxSize` with no `sizeCalculation` (only native can measure an entry), or a
 * `serializer` (which only native uses). Otherwise the package's rule: js.
 */
export function autoFor(options: EngineRelevantOptions): AutoChoice | undefined {
  if (options.maxSize > 0 && !options.sizeCalculation) {
    return {
      engine: 'native',
      reason: 'maxSize without sizeCalculation: the native engine measures each entry in bytes',
    };
  }
  if (options.serializerGiven) {
    return { engine: 'native', reason: 'a serializer was given: values are stored as bytes' };
  }
  return undefined;
}

/** The engine an instance runs; the binary is loaded only if the answer needs it. */
export function resolveCacheEngine(
  requested: EngineOption,
  options: EngineRelevantOptions,
): Resolution {
  return twin.resolve(requested, autoFor(options));
}

/**
 * The engine this process resolves `auto` to, whether the twin loads, from where, and why;
 * given a cache's options, what `auto` picks for that cache.
 */
export function engineInfo<K, V>(options?: TtlCacheOptions<K, V>): EngineInfo {
  return twin.info(options === undefined ? undefined : autoFor(resolveOptions(options)));
}
