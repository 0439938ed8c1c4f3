export { isTimeoutError, TimeoutError } from './errors.js';
export type { Factory } from './factory.js';
export type { Options } from './options.js';
export { createPool, Pool, type PoolEvents } from './pool.js';
