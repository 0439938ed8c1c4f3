// The build of every published package: ESM + CJS + types for Node 20, the private kits
// bundled in (they are never runtime dependencies), the napi loader left beside it.
/** @param {import('tsup').Options} [overrides] a package's additions (extra entries, onSuccess) */
export function packageBuild(overrides = {}) {
  return {
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    // tsconfig `paths` point the kits at their source, so their types are bundled in too.
    dts: true,
    noExternal: ['@bulwark/engine-kit', '@bulwark/redis-kit'],
    // The generated loader stays a separate file beside the package, required at run time.
    external: ['../binding.cjs'],
    // `import.meta.url` for createRequire in the CommonJS build.
    shims: true,
    target: 'node20',
    sourcemap: true,
    clean: true,
    treeshake: true,
    ...overrides,
  };
}
