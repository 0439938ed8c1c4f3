import { enginesUnderTest } from '@bulwark/engine-kit/testing';
import { LRUCache as Anchor } from 'lru-cache-11.3';
import { expect } from 'vitest';
import { engineInfo, LRUCache as Ours } from '../../src/index.js';

/**
 * One scenario run twice, on lru-cache 11.3.6 and on our drop-in, each with its own log of
 * callbacks and its own fake clock, so a test compares what the two did step by step.
 */
export type AnyLRU = Ours<any, any, any>;
export type LRUClass = new (options: any) => AnyLRU;

export const ANCHOR = Anchor as unknown as LRUClass;

/** Our LRUCache on one engine: options gain `engine`, a copied cache keeps its own. */
function oursOn(engine: 'js' | 'native'): LRUClass {
  return class extends Ours<any, any, any> {
    constructor(options: any) {
      super(options instanceof Ours ? options : { ...options, engine });
    }
  };
}

/** Ours on every engine under test (both, unless BULWARK_TEST_ENGINES names one). */
export const OURS: [engine: string, cls: LRUClass][] = enginesUnderTest(engineInfo()).map(
  (engine) => [engine, oursOn(engine)],
);

export interface Rig {
  cache: AnyLRU;
  /** dispose, disposeAfter and onInsert calls, in order. */
  log: unknown[][];
  clock: { now: number };
  advance(ms: number): void;
}

/**
 * Builds a cache on a fake `perf` clock (starting at 1: lru-cache reads a start time of 0
 * as "no TTL") with `ttlResolution: 0`, logging every callback.
 */
export function rig(cls: LRUClass, options: Record<string, unknown>): Rig {
  const log: unknown[][] = [];
  const clock = { now: 1 };
  const cache = new cls({
    ttlResolution: 0,
    perf: { now: () => clock.now },
    dispose: (v: unknown, k: unknown, r: string) => log.push(['dispose', v, k, r]),
    disposeAfter: (v: unknown, k: unknown, r: string) => log.push(['disposeAfter', v, k, r]),
    onInsert: (v: unknown, k: unknown, r: string) =>
      log.push(['onInsert', v instanceof Promise ? 'Promise' : v, k, r]),
    ...options,
  });
  return { cache, log, clock, advance: (ms) => (clock.now += ms) };
}

/** A status object as a list of [field, value], so that the order of fields counts too. */
export function fields(status: object | undefined): unknown[] {
  return status === undefined ? [] : Object.entries(status).map(([k, v]) => [k, describe(v)]);
}

/** Values as a log can compare them: errors by message, promises as a word. */
export function describe(value: unknown): unknown {
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  if (value instanceof Promise) return 'Promise';
  return value;
}

/**
 * Runs `scenario` on lru-cache and on ours on each engine; every engine's record must
 * equal lru-cache's. Returns lru-cache's record and the js engine's, for the test's own
 * assertions.
 */
export async function both<T>(scenario: (cls: LRUClass) => T | Promise<T>): Promise<[T, T]> {
  const anchor = await scenario(ANCHOR);
  const records: T[] = [];
  for (const [engine, cls] of OURS) {
    const record = await scenario(cls);
    expect(record, `our LRUCache on the ${engine} engine`).toEqual(anchor);
    records.push(record);
  }
  return [anchor, records[0]!];
}
