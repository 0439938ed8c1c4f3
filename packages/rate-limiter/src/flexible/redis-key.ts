/**
 * A key as bytes for Redis, keeping every JavaScript string distinct. A well-formed
 * string is sent as it is (UTF-8), so keys match those rate-limiter-flexible wrote and a
 * fleet can switch one process at a time. A string with a lone surrogate, which UTF-8
 * cannot hold (Node turns every one into U+FFFD, so `'\uD800'` and `'\uD801'` would share a
 * count), is sent as WTF-8: the surrogate's own three bytes. No well-formed string encodes
 * to those bytes, so no two keys meet.
 */
export function redisKey(key: string): string | Buffer {
  if (key.isWellFormed()) return key;
  const bytes: number[] = [];
  for (let i = 0; i < key.length; i++) {
    const code = key.codePointAt(i) as number;
    if (code > 0xffff) i++; // a well-formed pair: one code point, two units
    pushCodePoint(bytes, code);
  }
  return Buffer.from(bytes);
}

/** The generalised UTF-8 bytes of one code point (a lone surrogate included). */
function pushCodePoint(bytes: number[], code: number): void {
  if (code < 0x80) {
    bytes.push(code);
  } else if (code < 0x800) {
    bytes.push(0xc0 | (code >> 6), 0x80 | (code & 0x3f));
  } else if (code < 0x10000) {
    bytes.push(0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f));
  } else {
    bytes.push(
      0xf0 | (code >> 18),
      0x80 | ((code >> 12) & 0x3f),
      0x80 | ((code >> 6) & 0x3f),
      0x80 | (code & 0x3f),
    );
  }
}
