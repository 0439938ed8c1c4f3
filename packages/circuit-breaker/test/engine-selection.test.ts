import { resolve } from 'node:path';
import { describeEngineSelection } from '@bulwark/engine-kit/testing';

describeEngineSelection({
  packageRoot: resolve(import.meta.dirname, '..'),
  packageName: '@bulwark/circuit-breaker',
  binaryName: 'circuit-breaker',
  makeInstance: '(api, options) => new api.CircuitBreaker(() => 1, options)',
});
