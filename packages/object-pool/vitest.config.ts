import { packageTests } from '../../tools/presets/vitest.mjs';

export default packageTests('object-pool');
