import { LRUCache as Anchor } from 'lru-cache-11.3';
import { LRUCache as Ours } from '../../src/index.js';

/**
 * One scenario run twice, on lru-cache 11.3.6 and on our drop-in, each with its own log of
 * callbacks and its own fake clock, so a test compares what the two did step by step.
 */
export type AnyLRU = Ours<any, any, any>;
export type LRUClass = new (options: any) => AnyLRU;

export const IMPLEMENTATIONS: [name: string, cls: LRUClass][] = [
  ['lru-cache 11.3.6', Anchor as unknown as LRUClass],
  ['@bulwark/ttl-cache', Ours as unknown as LRUClass],
];

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

/** Runs `scenario` on both implementations and returns both traces, anchor first. */
export async function both<T>(scenario: (cls: LRUClass) => T | Promise<T>): Promise<[T, T]> {
  const anchor = await scenario(IMPLEMENTATIONS[0]![1]);
  const ours = await scenario(IMPLEMENTATIONS[1]![1]);
  return [anchor, ours];
}
