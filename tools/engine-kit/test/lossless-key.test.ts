import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeKeyChars, losslessKey, restoreKey } from '../src/index.js';

/**
 * Any UTF-16 string: every code unit, lone surrogates included (fast-check's 'binary'
 * unit yields whole code points only, so it never makes one).
 */
function anyUtf16(maxLength = 10) {
  const unit = fc.oneof(
    fc.integer({ min: 0, max: 0xffff }).map((n) => String.fromCharCode(n)),
    fc.constantFrom('\uD800', '\uDBFF', '\uDC00', '\uDFFF', '%', '%u', '{', '}'),
  );
  return fc.string({ unit, maxLength });
}

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
      fc.property(anyUtf16(), anyUtf16(), (x, y) => {
        const ex = Buffer.from(losslessKey(x), 'utf8').toString('utf8');
        const ey = Buffer.from(losslessKey(y), 'utf8').toString('utf8');
        expect(ex === ey).toBe(x === y);
      }),
      { numRuns: 3000 },
    );
  });

  it('restoreKey gives back the key from what crossed, for any UTF-16 string', () => {
    fc.assert(
      fc.property(anyUtf16(), (key) => {
        const crossed = (text: string) => Buffer.from(text, 'utf8').toString('utf8');
        expect(restoreKey(crossed(losslessKey(key)))).toBe(key);
        expect(restoreKey(crossed(escapeKeyChars(key, '%{}')))).toBe(key);
      }),
      { numRuns: 3000 },
    );
    expect(restoreKey('plain')).toBe('plain');
  });
});
