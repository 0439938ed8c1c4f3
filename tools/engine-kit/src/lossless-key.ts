/**
 * Keys cross into Rust and Redis as UTF-8. A JavaScript string is UTF-16 and may hold a
 * lone surrogate, which UTF-8 cannot: the conversion turns every one into U+FFFD, so
 * `'\uD800'` and `'\uD801'` would become one key. `losslessKey` percent-escapes lone
 * surrogates (`%uD800`) and `%` itself (`%25`), which keeps distinct keys distinct; a key
 * with neither is returned as it is, at the cost of one scan.
 */
export function losslessKey(key: string): string {
  return escapeKeyChars(key, '%');
}

/**
 * `key` with lone surrogates and each of `chars` (which must include `%`, the escape)
 * percent-escaped: `%7B` for `{`, `%uD800` for a lone surrogate. Injective, and the result
 * is well-formed UTF-16, so it survives UTF-8.
 */
export function escapeKeyChars(key: string, chars: string): string {
  if (!hasAnyOf(key, chars) && key.isWellFormed()) return key;
  let out = '';
  for (let i = 0; i < key.length; i++) {
    const unit = key.charCodeAt(i);
    const char = key[i] as string;
    if (chars.includes(char)) {
      out += `%${unit.toString(16).toUpperCase().padStart(2, '0')}`;
    } else if (unit >= 0xd800 && unit <= 0xdbff && isLow(key.charCodeAt(i + 1))) {
      out += char + (key[i + 1] as string); // a well-formed pair: kept
      i++;
    } else if (unit >= 0xd800 && unit <= 0xdfff) {
      out += `%u${unit.toString(16).toUpperCase()}`; // a lone surrogate
    } else {
      out += char;
    }
  }
  return out;
}

function hasAnyOf(key: string, chars: string): boolean {
  for (let i = 0; i < chars.length; i++) if (key.includes(chars[i] as string)) return true;
  return false;
}

const isLow = (unit: number): boolean => unit >= 0xdc00 && unit <= 0xdfff;

/**
 * The key `losslessKey` (or `escapeKeyChars`) was given, from what it returned: for keys
 * that come back out of Rust or Redis (`keys()`, `dump()`, dispose). A string without `%`
 * is returned as it is.
 */
export function restoreKey(escaped: string): string {
  if (!escaped.includes('%')) return escaped;
  let out = '';
  for (let i = 0; i < escaped.length; i++) {
    const char = escaped[i] as string;
    if (char !== '%') {
      out += char;
    } else if (escaped[i + 1] === 'u') {
      out += String.fromCharCode(Number.parseInt(escaped.slice(i + 2, i + 6), 16));
      i += 5;
    } else {
      out += String.fromCharCode(Number.parseInt(escaped.slice(i + 1, i + 3), 16));
      i += 2;
    }
  }
  return out;
}
