import { enginesUnderTest } from '@bulwark/engine-kit/testing';
import { engineInfo } from '../src/index.js';

/** Both engines, always: a missing twin fails the suite rather than testing half of it. */
export const engines = enginesUnderTest(engineInfo());

let named = 0;
/**
 * A name no other breaker in this process has. On the native engine a name is a circuit
 * shared by every breaker that gives it, so tests that build many breakers around one
 * function must keep them apart.
 */
export function uniqueName(label = 'breaker'): string {
  named += 1;
  return `${label}-${process.pid}-${named}`;
}
