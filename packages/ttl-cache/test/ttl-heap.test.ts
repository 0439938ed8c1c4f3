import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TtlHeap } from '../src/engine/ttl-heap.js';

describe('TtlHeap', () => {
  it('yields items in expiry order, whatever order they were pushed in', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1e9, max: 1e9, noNaN: true }), { maxLength: 300 }),
        (expiries) => {
          const heap = new TtlHeap();
          for (const [slot, expiry] of expiries.entries()) heap.push(expiry, slot);
          const out: number[] = [];
          while (heap.firstCurrent(() => true) >= 0) {
            out.push(heap.topExpiry());
            heap.pop();
          }
          expect(out).toEqual([...expiries].sort((a, b) => a - b));
        },
      ),
    );
  });

  it('drops items that are no longer current on the way to the first current one', () => {
    const heap = new TtlHeap();
    heap.push(30, 1);
    heap.push(10, 2);
    heap.push(20, 3);
    expect(heap.firstCurrent((_, slot) => slot !== 2)).toBe(3);
    expect(heap.length).toBe(2);
  });

  it('compacts repeats of one slot to one item (a slot set many times at one clock reading)', () => {
    const heap = new TtlHeap();
    for (let i = 0; i < 3000; i++) heap.push(5, 1);
    heap.compactIfNeeded(1, () => true);
    expect(heap.length).toBe(1);
  });

  it('compacts to the current items once stale ones outnumber the live entries', () => {
    const heap = new TtlHeap();
    for (let i = 0; i < 5000; i++) heap.push(i, i);
    heap.compactIfNeeded(10, (_, slot) => slot < 10);
    expect(heap.length).toBe(10);
    expect(heap.topExpiry()).toBe(0);
  });
});
