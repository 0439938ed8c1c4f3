import { enginesUnderTest } from '@bulwark/engine-kit/testing';
import { engineInfo, memoryStore, type RateLimitStore, sharedMemoryStore } from '../src/index.js';

/**
 * The in-process stores every conformance test runs on: `memoryStore` (js) and
 * `sharedMemoryStore` (the native twin). A missing twin fails the suite rather than
 * quietly testing half of it (BULWARK_TEST_ENGINES=js runs js alone).
 */
export const ENGINES = enginesUnderTest(engineInfo());

let named = 0;

/** A fresh store on `engine`: shared stores get a name no other test uses. */
export function storeOn(engine: 'js' | 'native'): RateLimitStore {
  if (engine === 'js') return memoryStore();
  named += 1;
  return sharedMemoryStore({ name: `test-${process.pid}-${named}`, sweepIntervalMs: 0 });
}
