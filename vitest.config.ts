import { defineConfig } from 'vitest/config';

// One run over every package and tool; each has its own vitest.config.ts (name, timeouts).
export default defineConfig({
  test: {
    projects: ['packages/*/vitest.config.ts', 'tools/*/vitest.config.ts'],
  },
});
