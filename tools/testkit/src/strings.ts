import fc from 'fast-check';

/**
 * Any JavaScript string: every UTF-16 code unit, lone surrogates included, with the
 * characters our key escapes use (`%`, `%u`, braces) mixed in often. fast-check's
 * `unit: 'binary'` yields whole code points only, so it never makes a lone surrogate:
 * the one case where UTF-8 merges two keys.
 */
export function anyUtf16(maxLength = 10): fc.Arbitrary<string> {
  const unit = fc.oneof(
    fc.integer({ min: 0, max: 0xffff }).map((n) => String.fromCharCode(n)),
    fc.constantFrom('\uD800', '\uDBFF', '\uDC00', '\uDFFF', '\uFFFD', '%', '%u', '{', '}'),
  );
  return fc.string({ unit, maxLength });
}
