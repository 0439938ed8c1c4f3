import { anyUtf16 } from '@bulwark/testkit';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeKey, hashTag } from '../src/keys.js';

describe('hashTag', () => {
  it('leaves ordinary keys as they are', () => {
    expect(hashTag('user:42')).toBe('{user:42}');
    expect(hashTag('日本語')).toBe('{日本語}');
    expect(hashTag('emoji 😀')).toBe('{emoji 😀}');
  });

  it('never lets a brace end the tag early, nor an empty key drop it', () => {
    expect(hashTag('a}b')).toBe('{a%7Db}');
    expect(hashTag('{x}')).toBe('{%7Bx%7D}');
    expect(hashTag('')).toBe('{%}');
    expect(hashTag('100%')).toBe('{100%25}');
  });

  it('keeps lone surrogates apart, which UTF-8 would turn into one U+FFFD', () => {
    const a = escapeKey('\uD800');
    const b = escapeKey('\uDC00');
    expect(a).not.toBe(b);
    expect(Buffer.from(a, 'utf8').toString('utf8')).toBe(a);
    expect(Buffer.from(b, 'utf8').toString('utf8')).toBe(b);
  });

  it('is injective through UTF-8 and never yields a tag with a brace or nothing inside', () => {
    fc.assert(
      fc.property(anyUtf16(), anyUtf16(), (a, b) => {
        const ta = Buffer.from(hashTag(a), 'utf8').toString('utf8');
        const tb = Buffer.from(hashTag(b), 'utf8').toString('utf8');
        if (a !== b) expect(ta).not.toBe(tb);
        const inside = ta.slice(1, -1);
        expect(inside.length).toBeGreaterThan(0);
        expect(inside).not.toMatch(/[{}]/);
      }),
      { numRuns: 2000 },
    );
  });
});
