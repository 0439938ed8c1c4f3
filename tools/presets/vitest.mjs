import { defineProject } from 'vitest/config';

/**
 * The test project of a package or tool: its tests in test/, with timeouts that allow
 * for the real redis-server processes and the three-node Cluster that Redis tests start,
 * stop and restart.
 * @param {string} name the project's name in vitest's output
 * @param {import('vitest/config').UserProjectConfigExport['test']} [overrides]
 */
export function packageTests(name, overrides = {}) {
  return defineProject({
    test: {
      name,
      include: ['test/**/*.test.ts'],
      testTimeout: 30_000,
      hookTimeout: 60_000,
      ...overrides,
    },
  });
}
