import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'ttl-cache',
    include: ['test/**/*.test.ts'],
  },
});
