/**
 * Misspelt option names. `{ max: 10, tll: 1000 }` would make a cache that never expires,
 * so our own APIs refuse a name they do not know, with the nearest known one; a drop-in
 * surface (which must accept whatever its anchor accepts) warns once per process instead.
 */

/** Throws a TypeError for the first key of `options` that is not in `known`. */
export function rejectUnknownOptions(who: string, options: object, known: Iterable<string>): void {
  const names = [...known];
  for (const key of Object.keys(options)) {
    if (!names.includes(key)) throw new TypeError(`${who}: ${unknownOptionText(key, names)}`);
  }
}

const warned = new Set<string>();

/**
 * Emits one process warning per unknown key and `who` (never twice in a process), for
 * drop-in surfaces whose anchor ignores what it does not know. `ignored` lists names the
 * anchor accepts that we take and do nothing with: they warn too, saying so.
 */
export function warnUnknownOptions(
  who: string,
  options: object,
  known: Iterable<string>,
  code: string,
  ignored: Iterable<string> = [],
): void {
  const names = [...known];
  const ignoredNames = new Set(ignored);
  for (const key of Object.keys(options)) {
    const isIgnored = ignoredNames.has(key);
    if (names.includes(key) && !isIgnored) continue;
    const id = `${who}\0${key}`;
    if (warned.has(id)) continue;
    warned.add(id);
    const text = isIgnored
      ? `option \`${key}\` is accepted for compatibility and has no effect`
      : `${unknownOptionText(key, names)}; it is ignored`;
    process.emitWarning(`${who}: ${text}`, { code });
  }
}

/** `unknown option `tll`; did you mean `ttl`?` (the suggestion only when one is close). */
export function unknownOptionText(key: string, known: readonly string[]): string {
  const nearest = nearestName(key, known);
  return `unknown option \`${key}\`${nearest ? `; did you mean \`${nearest}\`?` : ''}`;
}

/** The known name closest to `key`, if it is close enough to be a slip of the keyboard. */
export function nearestName(key: string, known: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const name of known) {
    const distance = editDistance(lower, name.toLowerCase());
    if (distance < bestDistance) {
      best = name;
      bestDistance = distance;
    }
  }
  // A third of the name, at least two edits: `tll`/`ttl`, `timeOut`/`timeout`, `maxsize`/`maxSize`.
  return bestDistance <= Math.max(2, Math.floor(key.length / 3)) ? best : undefined;
}

/** Edits (insert, delete, substitute, swap two neighbours) that turn `a` into `b`. */
function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array(rows * cols).fill(0);
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(
        (d[(i - 1) * cols + j] as number) + 1,
        (d[i * cols + j - 1] as number) + 1,
        (d[(i - 1) * cols + j - 1] as number) + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, (d[(i - 2) * cols + j - 2] as number) + 1);
      }
      d[i * cols + j] = best;
    }
  }
  return d[rows * cols - 1] as number;
}
