import { escapeKeyChars } from '@bulwark/engine-kit';

/**
 * Redis key names from user keys, losslessly, with a hash tag so that every key made
 * for one user key lands in one Cluster slot (a script may touch one slot only).
 *
 * A hash tag is the text between the first `{` and the next `}`. A user key holding a
 * brace would end the tag early, an empty one would make `{}` (no tag at all), and a lone
 * UTF-16 surrogate would become U+FFFD in UTF-8, so two keys could become one. Those
 * characters, and `%` itself, are percent-escaped; every other key is used as it is.
 */
export function hashTag(key: string): string {
  return `{${escapeKey(key)}}`;
}

/** `key`, made safe inside a hash tag and lossless through UTF-8. */
export function escapeKey(key: string): string {
  if (key === '') return '%'; // a lone % never comes out of escaping: it stands for ''
  return escapeKeyChars(key, '%{}');
}

/**
 * The one prefix rule: `prefix` (default `bulwark:<package>:`) is put as it is before
 * everything a store writes; a user's prefix replaces the default whole, and should end
 * with `:` to read well. Two stores with different prefixes never see each other's keys.
 */
export function defaultPrefix(packageShortName: string): string {
  return `bulwark:${packageShortName}:`;
}
