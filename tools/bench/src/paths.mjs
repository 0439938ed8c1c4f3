import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** The workspace root: the nearest folder up from here with pnpm-workspace.yaml. */
export function workspaceRoot(from = import.meta.dirname) {
  let dir = resolve(from);
  while (!existsSync(join(dir, 'pnpm-workspace.yaml'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('bench: no pnpm-workspace.yaml above this folder');
    dir = up;
  }
  return dir;
}

/**
 * Where results go: bench/results for real runs (committed, with BENCHMARKS.md at the root),
 * bench/results/quick for BENCH_QUICK smoke runs (ignored), or BENCH_RESULTS_DIR.
 */
export function resultsDir(quick) {
  if (process.env.BENCH_RESULTS_DIR) return resolve(process.env.BENCH_RESULTS_DIR);
  const base = join(workspaceRoot(), 'bench', 'results');
  return quick ? join(base, 'quick') : base;
}

/** BENCHMARKS.md sits at the root for real runs and beside the results otherwise. */
export function reportPath(dir) {
  const root = workspaceRoot();
  return resolve(dir) === join(root, 'bench', 'results')
    ? join(root, 'BENCHMARKS.md')
    : join(dir, 'BENCHMARKS.md');
}
