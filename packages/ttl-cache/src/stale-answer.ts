import { holdingTimer } from '@bulwark/engine-kit';
export interface StaleAnswerOptions<V> {
  /** Answer stale if the load has not settled by then, in ms; 0 waits for it. */
  softTimeout: number;
  /** The stale value that may be answered, read when it is needed; undefined if none. */
  stale: () => V | undefined;
  /**
   * Whether this failure of the load may be answered stale (stale-if-error); never when
   * absent. False for failures that are the caller's own, such as its abort.
   */
  staleOnError?: (error: unknown) => boolean;
  /** Told each time this caller is answered with the stale value. */
  servedStale: () => void;
}

/**
 * One caller's answer to a load that may be answered stale: the load's value; or the stale
 * value when the load fails (stale-if-error) or has not settled within `softTimeout` (a
 * soft timeout: the load goes on and fills the cache for the next caller). With a soft
 * timeout, one timer per waiting caller (it holds the process: it answers an awaited call), cleared as soon as the load settles; the
 * stale value is looked for when the timer fires (a tier may only find it meanwhile).
 */
export function answerOrStale<V>(loading: Promise<V>, o: StaleAnswerOptions<V>): Promise<V> {
  return new Promise<V>((resolve, reject) => {
    let answered = false;
    const answerStale = (): boolean => {
      const stale = o.stale();
      if (stale === undefined) return false;
      answered = true;
      o.servedStale();
      resolve(stale);
      return true;
    };
    const timer =
      o.softTimeout > 0
        ? holdingTimer(() => {
            // No stale value left by now (deleted, evicted): keep waiting for the load.
            if (!answered) answerStale();
          }, o.softTimeout)
        : undefined;
    loading.then(
      (value) => {
        timer?.cancel();
        if (answered) return;
        answered = true;
        resolve(value);
      },
      (error: unknown) => {
        timer?.cancel();
        if (answered) return;
        if (o.staleOnError?.(error) && answerStale()) return;
        answered = true;
        reject(error);
      },
    );
  });
}
