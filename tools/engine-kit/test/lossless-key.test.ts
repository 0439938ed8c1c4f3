import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { losslessKey } from '../src/index.js';

describe('losslessKey', () => {
  it('leaves a well-formed key without % as it is', () => {
    expect(losslessKey('user:42')).toBe('user:42');
    expect(losslessKey('😀 {braces} stay')).toBe('😀 {braces} stay');
  });

  it('keeps keys apart that UTF-8 would make one', () => {
    const a = losslessKey('\uD800');
    const b = losslessKey('\uD801');
    expect(a).not.toBe(b);
    expect(Buffer.from(a, 'utf8').toString('utf8')).toBe(a);
    expect(losslessKey('%uD800')).not.toBe(a); // the escape's own text is escaped too
  });

  it('is injective through UTF-8 on any UTF-16 string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (x, y) => {
        const ex = Buffer.from(losslessKey(x), 'utf8').toString('utf8');
        const ey = Buffer.from(losslessKey(y), 'utf8').toString('utf8');
        expect(ex === ey).toBe(x === y);
      }),
      { numRuns: 3000 },
    );
  });
});
