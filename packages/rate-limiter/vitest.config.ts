import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'rate-limiter',
    include: ['test/**/*.test.ts'],
  },
});
