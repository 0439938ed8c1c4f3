import { packageTests } from '../presets/vitest.mjs';

export default packageTests('testkit');
