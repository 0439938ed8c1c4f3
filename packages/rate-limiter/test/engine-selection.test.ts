import { resolve } from 'node:path';
import { describeEngineSelection } from '@bulwark/engine-kit/testing';

describeEngineSelection({
  packageRoot: resolve(import.meta.dirname, '..'),
  packageName: '@bulwark/rate-limiter',
  binaryName: 'rate-limiter',
  makeInstance: '(api, options) => new api.RateLimiter({ rate: 1, ...options })',
});
