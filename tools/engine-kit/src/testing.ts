import type { EngineInfo, EngineName } from './resolve-engine.js';

/**
 * The engines a package's conformance suite runs on: both, always. A missing or broken
 * native binary fails the suite instead of quietly testing half the product; set
 * `BULWARK_TEST_ENGINES=js` to run the js engine alone on a platform with no twin.
 */
export function enginesUnderTest(resolved: EngineInfo): EngineName[] {
  const only = process.env.BULWARK_TEST_ENGINES;
  if (only === 'js' || only === 'native') return [only];
  if (!resolved.nativeAvailable) {
    throw new Error(
      `The native engine is not available, so its conformance suite cannot run: ${resolved.reason}. ` +
        'Build it (pnpm build) or set BULWARK_TEST_ENGINES=js to test the js engine alone.',
    );
  }
  return ['js', 'native'];
}

export { describeEngineSelection, type EngineSelectionSpec } from './engine-selection-suite.js';
