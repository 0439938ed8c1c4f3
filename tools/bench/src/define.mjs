/**
 * A package's benchmark: cases, each run for every contestant on the same workload.
 *
 * @typedef {object} CaseContext
 * @property {boolean} quick  BENCH_QUICK=1: a short smoke run with smaller data.
 *
 * @typedef {object} Prepared
 * @property {() => unknown} run   One timed call; may return a promise.
 * @property {number} [ops]        Operations one `run` performs (batching keeps timer overhead out of sub-µs ops).
 * @property {number} [entries]    Entries the setup holds, for bytes per entry.
 * @property {() => unknown} [teardown]
 * @property {() => unknown} [beforeEach]  Untimed, before every timed `run` (restoring a fixed state).
 *
 * @typedef {object} BenchCase
 * @property {string} description
 * @property {'throughput' | 'memory'} [kind]   `memory` also reports heap, RSS and bytes per entry.
 * @property {boolean} [latency]                Report p50/p99 per op (cases with ops = 1).
 * @property {string[]} [contestants]          Those that can run this case, when not all can.
 * @property {(contestant: string, ctx: CaseContext) => Prepared | Promise<Prepared>} setup
 *
 * @typedef {object} BenchDefinition
 * @property {string} package        Short name: results go to bench/results/<package>.json.
 * @property {string} title
 * @property {string[]} contestants  Ours first ("ours js", "ours native"), then the anchors.
 * @property {string[]} anchors      The contestants ours are compared with.
 * @property {string} [baseline]     A contestant doing the bare work (the action with no wrapper):
 *   each result then also reports its overhead per operation over the baseline, and ratios
 *   compare overheads (ours / anchor, lower is better) as well as ops/s.
 * @property {Record<string, BenchCase>} cases
 * @property {string[]} [nodeArgs]   Extra flags for each worker process.
 * @property {() => Promise<{ env: Record<string, string>, teardown?: () => Promise<void> }>} [globalSetup]
 *   Runs once in the runner before any worker (a Redis server all contestants share, say);
 *   `env` reaches every worker.
 */

/** @param {BenchDefinition} definition */
export function defineBench(definition) {
  if (definition.baseline && !definition.contestants.includes(definition.baseline)) {
    throw new Error(`baseline ${definition.baseline} is not among the contestants`);
  }
  for (const anchor of definition.anchors) {
    if (!definition.contestants.includes(anchor)) {
      throw new Error(`anchor ${anchor} is not among the contestants`);
    }
  }
  return definition;
}
