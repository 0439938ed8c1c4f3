import { enginesUnderTest } from '@bulwark/engine-kit/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { engineInfo, TtlCache } from '../src/index.js';

/**
 * The rules of the cache written as plainly as possible: an array, most recently used first.
 * Both engines must give the same answers as this for every sequence fast-check finds.
 */
interface ModelOptions {
  max: number;
  maxSize: number;
  ttl: number;
  allowStale: boolean;
  updateAgeOnGet: boolean;
  /** ms a stale entry is still held (invisible to reads) before it goes. */
  staleIfError: number;
}
interface ModelEntry {
  key: Key;
  value: string;
  start: number;
  ttl: number;
}
type Key = string | number;

class ModelCache {
  entries: ModelEntry[] = [];
  constructor(readonly o: ModelOptions) {}

  #stale = (e: ModelEntry, now: number) => e.ttl > 0 && now - e.start >= e.ttl;
  #gone = (e: ModelEntry, now: number) => e.ttl > 0 && now - e.start >= e.ttl + this.o.staleIfError;
  #find = (key: Key) => this.entries.findIndex((e) => e.key === key);
  #size = () => this.entries.reduce((sum, e) => sum + e.value.length, 0);

  get(key: Key, now: number): string | undefined {
    const i = this.#find(key);
    if (i < 0) return undefined;
    const e = this.entries[i]!;
    if (this.#stale(e, now)) {
      if (this.#gone(e, now)) this.entries.splice(i, 1);
      return this.o.allowStale ? e.value : undefined;
    }
    if (this.o.updateAgeOnGet) e.start = now;
    this.entries.splice(i, 1);
    this.entries.unshift(e);
    return e.value;
  }

  peek(key: Key, now: number): string | undefined {
    const e = this.entries[this.#find(key)];
    if (!e || (this.#stale(e, now) && !this.o.allowStale)) return undefined;
    return e.value;
  }

  has(key: Key, now: number): boolean {
    const e = this.entries[this.#find(key)];
    return !!e && !this.#stale(e, now);
  }

  set(key: Key, value: string, ttl: number | undefined, now: number): void {
    const i = this.#find(key);
    if (i >= 0) this.entries.splice(i, 1);
    if (this.o.maxSize > 0 && value.length > this.o.maxSize) return; // refused; old value gone
    this.entries.unshift({ key, value, start: now, ttl: ttl ?? this.o.ttl });
    while (
      (this.o.max > 0 && this.entries.length > this.o.max) ||
      (this.o.maxSize > 0 && this.#size() > this.o.maxSize)
    ) {
      this.entries.pop();
    }
  }

  delete(key: Key): boolean {
    const i = this.#find(key);
    if (i >= 0) this.entries.splice(i, 1);
    return i >= 0;
  }

  purgeStale(now: number): number {
    const before = this.entries.length;
    this.entries = this.entries.filter((e) => !this.#gone(e, now));
    return before - this.entries.length;
  }

  keys(now: number): Key[] {
    return this.entries.filter((e) => this.o.allowStale || !this.#stale(e, now)).map((e) => e.key);
  }
}

// A few keys, so sequences revisit them; "1" and 1 are different keys.
const key = fc.constantFrom<Key>('a', 'b', 'c', '1', 1);
const value = fc.string({ minLength: 1, maxLength: 8 });
const op = fc.oneof(
  fc.record({
    op: fc.constant('set' as const),
    key,
    value,
    ttl: fc.option(fc.integer({ min: 0, max: 40 }), { nil: undefined }),
  }),
  fc.record({
    op: fc.constantFrom('get' as const, 'peek' as const, 'has' as const, 'delete' as const),
    key,
  }),
  fc.record({ op: fc.constant('advance' as const), ms: fc.integer({ min: 1, max: 30 }) }),
  fc.record({ op: fc.constant('purgeStale' as const) }),
);
const options = fc.record({
  max: fc.integer({ min: 0, max: 5 }),
  maxSize: fc.constantFrom(0, 8, 20),
  ttl: fc.constantFrom(0, 10, 25),
  allowStale: fc.boolean(),
  updateAgeOnGet: fc.boolean(),
  staleIfError: fc.constantFrom(0, 0, 15),
});

describe.each(enginesUnderTest(engineInfo()))('model-based check (%s engine)', (engine) => {
  it('answers every random sequence of operations as the reference model does', () => {
    fc.assert(
      // size 'max': full-length sequences; fast-check's default keeps arrays too short to
      // reach the interesting states (a refreshed entry outliving its first TTL, say).
      fc.property(options, fc.array(op, { minLength: 1, maxLength: 60, size: 'max' }), (o, ops) => {
        const opts = { ...o, max: o.max === 0 && o.maxSize === 0 && o.ttl === 0 ? 3 : o.max };
        const clock = { t: 0, now: () => clock.t };
        const cache = new TtlCache<Key, string>({
          engine,
          clock,
          max: opts.max || undefined,
          maxSize: opts.maxSize || undefined,
          sizeCalculation: opts.maxSize ? (v) => v.length : undefined,
          ttl: opts.ttl,
          allowStale: opts.allowStale,
          updateAgeOnGet: opts.updateAgeOnGet,
          staleIfError: opts.staleIfError,
        });
        const model = new ModelCache(opts);
        for (const step of ops) {
          const now = clock.t;
          switch (step.op) {
            case 'set':
              cache.set(
                step.key,
                step.value,
                step.ttl === undefined ? undefined : { ttl: step.ttl },
              );
              model.set(step.key, step.value, step.ttl, now);
              break;
            case 'get':
              expect(cache.get(step.key)).toBe(model.get(step.key, now));
              break;
            case 'peek':
              expect(cache.peek(step.key)).toBe(model.peek(step.key, now));
              break;
            case 'has':
              expect(cache.has(step.key)).toBe(model.has(step.key, now));
              break;
            case 'delete':
              expect(cache.delete(step.key)).toBe(model.delete(step.key));
              break;
            case 'advance':
              clock.t += step.ms;
              break;
            case 'purgeStale':
              expect(cache.purgeStale()).toBe(model.purgeStale(now));
              break;
          }
          expect([...cache.keys()]).toEqual(model.keys(clock.t));
          expect(cache.size).toBe(model.entries.length);
          if (opts.maxSize) expect(cache.calculatedSize).toBeLessThanOrEqual(opts.maxSize);
        }
      }),
      { numRuns: 300 },
    );
  });
});
