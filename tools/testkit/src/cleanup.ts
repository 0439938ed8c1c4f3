/**
 * Every server process this runner started, so that none outlives it: killed on normal
 * exit and on SIGINT/SIGTERM here. A SIGKILL of the runner cannot be caught, which is
 * what each server's watchdog shell is for (see redis-process.ts).
 */
const live = new Set<number>();
let hooked = false;

export function track(pid: number): void {
  live.add(pid);
  if (hooked) return;
  hooked = true;
  process.once('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      killAll();
      process.kill(process.pid, signal);
    });
  }
}

export function untrack(pid: number): void {
  live.delete(pid);
}

function killAll(): void {
  for (const pid of live) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  live.clear();
}
