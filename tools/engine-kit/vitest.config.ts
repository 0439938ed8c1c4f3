import { defineProject } from 'vitest/config';

export default defineProject({
  test: { name: 'engine-kit', include: ['test/**/*.test.ts'] },
});
