import { defineConfig } from 'tsup';
import { packageBuild } from '../../tools/presets/tsup.mjs';

export default defineConfig(packageBuild());
