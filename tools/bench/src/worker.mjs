// Runs one contestant on one case, alone in this fresh process, and prints one JSON line.
// A process per contestant keeps one library's JIT state and garbage out of another's figures.
import { PerformanceObserver } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { Bench } from 'tinybench';

const [benchFile, caseName, contestant] = process.argv.slice(2);
const quick = process.env.BENCH_QUICK === '1';
const definition = (await import(pathToFileURL(benchFile).href)).default;
const benchCase = definition.cases[caseName];

const gcPausesMs = [];
const gcObserver = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcPausesMs.push(entry.duration);
});
gcObserver.observe({ entryTypes: ['gc'] });

const settle = () => {
  globalThis.gc?.();
  globalThis.gc?.();
  return process.memoryUsage();
};
const before = settle();
const prepared = await benchCase.setup(contestant, { quick });
let memory;
if (benchCase.kind === 'memory') {
  const after = settle();
  const rss = after.rss - before.rss;
  memory = {
    heapUsedBytes: after.heapUsed - before.heapUsed,
    rssBytes: rss,
    bytesPerEntry: prepared.entries ? rss / prepared.entries : undefined,
  };
}
gcPausesMs.length = 0;

const bench = new Bench({ time: quick ? 150 : 1500, warmupTime: quick ? 30 : 300 });
bench.add(contestant, prepared.run, prepared.beforeEach ? { beforeEach: prepared.beforeEach } : {});
await bench.run();
// GC entries are delivered asynchronously: let the last ones arrive before reading them.
await new Promise((r) => setTimeout(r, 100));
for (const entry of gcObserver.takeRecords?.() ?? []) gcPausesMs.push(entry.duration);
gcObserver.disconnect();
const result = bench.tasks[0].result;
if (!result || result.error) throw result?.error ?? new Error('the task produced no result');
await prepared.teardown?.();

const ops = prepared.ops ?? 1;
const sorted = gcPausesMs.sort((a, b) => a - b);
process.stdout.write(
  `${JSON.stringify({
    opsPerSec: result.throughput.mean * ops,
    p50Ns: benchCase.latency ? (result.latency.p50 * 1e6) / ops : undefined,
    p99Ns: benchCase.latency ? (result.latency.p99 * 1e6) / ops : undefined,
    gcPauses: sorted.length,
    gcP99Ms: sorted.length
      ? sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))]
      : 0,
    gcMaxMs: sorted.at(-1) ?? 0,
    memory,
  })}\n`,
);
process.exit(0);
