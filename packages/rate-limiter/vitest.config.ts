import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'rate-limiter',
    include: ['test/**/*.test.ts'],
    // The Redis tests start real servers and a cluster, and restart them.
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
