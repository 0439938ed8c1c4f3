import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  // tsconfig `paths` points engine-kit at its source, so its types are bundled in too.
  dts: true,
  // engine-kit is private: its code is bundled in, never a runtime dependency.
  noExternal: ['@bulwark/engine-kit'],
  // The generated loader stays a separate file beside the package, required at run time.
  external: ['../binding.cjs'],
  // `import.meta.url` for createRequire in the CommonJS build.
  shims: true,
  target: 'node20',
  sourcemap: true,
  clean: true,
  treeshake: true,
});
