/**
 * Latency percentiles in constant memory. Opossum keeps every latency of the rolling
 * window in arrays and sorts them all whenever stats are read (which it does on every
 * failure), so its cost and memory grow with traffic. A log-linear histogram has a
 * fixed number of bins instead: whole milliseconds below 32 ms are exact (opossum's
 * latencies are whole milliseconds, so typical figures match it exactly); above that,
 * each power of two is split in 8 bins, so a reported percentile is within 1/16 (6.25%)
 * of the true value. 248 bins of 4 bytes: under 1 KiB per rolling bucket.
 */

const EXACT_BINS = 32;
const SUB_BINS = 8;
/** Octaves from 2^5 (32 ms) to 2^31 ms (~25 days); larger values share the last bin. */
const FIRST_OCTAVE = 5;
const LAST_OCTAVE = 31;
export const BIN_COUNT = EXACT_BINS + (LAST_OCTAVE - FIRST_OCTAVE + 1) * SUB_BINS;

export function binOf(latencyMs: number): number {
  if (!(latencyMs > 0)) return 0;
  if (latencyMs < EXACT_BINS) return Math.floor(latencyMs);
  if (latencyMs >= 2 ** (LAST_OCTAVE + 1)) return BIN_COUNT - 1;
  const octave = 31 - Math.clz32(latencyMs >>> 0);
  const sub = Math.floor((latencyMs / 2 ** octave - 1) * SUB_BINS);
  return EXACT_BINS + (octave - FIRST_OCTAVE) * SUB_BINS + sub;
}

/** The value a bin reports: itself below 32 ms, the middle of its range above. */
export function valueOfBin(bin: number): number {
  if (bin < EXACT_BINS) return bin;
  const octave = FIRST_OCTAVE + Math.floor((bin - EXACT_BINS) / SUB_BINS);
  const sub = (bin - EXACT_BINS) % SUB_BINS;
  const width = 2 ** octave / SUB_BINS;
  return 2 ** octave + sub * width + width / 2;
}

/**
 * The value at percentile `p` (0..1) of the counts, ranked as opossum does: the
 * ceil(p * n)-th smallest, and the smallest for p = 0; 0 when there are no counts.
 */
export function percentileOf(counts: Uint32Array, total: number, p: number): number {
  if (total === 0) return 0;
  const rank = Math.max(1, Math.ceil(p * total));
  let seen = 0;
  for (let bin = 0; bin < counts.length; bin++) {
    seen += counts[bin] as number;
    if (seen >= rank) return valueOfBin(bin);
  }
  return valueOfBin(counts.length - 1);
}
