import { Concurrency } from './concurrency.js';
import { FixedWindow } from './fixed-window.js';
import { Gcra } from './gcra.js';
import { SlidingWindow } from './sliding-window.js';
import { TokenBucket } from './token-bucket.js';
import type { SlotAlgorithm } from './types.js';

export type Algorithm = SlotAlgorithm | Concurrency;
export type AlgorithmName = Algorithm['name'];
export const ALGORITHMS: readonly AlgorithmName[] = [
  'token-bucket',
  'gcra',
  'fixed-window',
  'sliding-window',
  'concurrency',
];

export { Concurrency, FixedWindow, Gcra, SlidingWindow, TokenBucket };
