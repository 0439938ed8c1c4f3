/**
 * How long the pool waits before trying `factory.create` again after `failures` failures
 * in a row: doubling from `createRetryDelayMillis` up to `createRetryMaxDelayMillis`,
 * with half of each delay random ("equal jitter"), so that pools in many processes that
 * lost their database together do not retry together. generic-pool retried at once, in a
 * loop that could starve the event loop (its issues #175 and #183).
 */
export function createRetryDelay(
  failures: number,
  {
    createRetryDelayMillis,
    createRetryMaxDelayMillis,
  }: {
    createRetryDelayMillis: number;
    createRetryMaxDelayMillis: number;
  },
  random: () => number = Math.random,
): number {
  const exponent = Math.min(failures - 1, 30);
  const ceiling = Math.min(createRetryMaxDelayMillis, createRetryDelayMillis * 2 ** exponent);
  return ceiling / 2 + random() * (ceiling / 2);
}
