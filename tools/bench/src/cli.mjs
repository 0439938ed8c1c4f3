#!/usr/bin/env node
// pnpm bench: runs a package's bench file, every (case, contestant) in a fresh process, in
// alternating rounds, and writes medians to bench/results/<package>.json and BENCHMARKS.md.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describeMachine } from './machine.mjs';
import { median } from './median.mjs';
import { resultsDir } from './paths.mjs';
import { writeReport } from './report.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const benchFile = resolve(process.argv[2] ?? '');
const quick = process.env.BENCH_QUICK === '1';
const definition = (await import(pathToFileURL(benchFile).href)).default;
const rounds = quick ? 1 : Number(process.env.BENCH_ROUNDS ?? 3);

// Shared by every worker, e.g. one Redis server all contestants use: started here, once.
// Setups may import the workspace's TypeScript tools (tools/testkit's Redis), so the runner
// loads TypeScript for them; workers run the bench file as it is, with no loader.
if (definition.globalSetup) {
  const { register } = await import('tsx/esm/api');
  register();
}
const shared = definition.globalSetup ? await definition.globalSetup() : { env: {} };

function runWorker(caseName, contestant) {
  const args = [
    '--expose-gc',
    ...(definition.nodeArgs ?? []),
    join(here, 'worker.mjs'),
    benchFile,
    caseName,
    contestant,
  ];
  const out = execFileSync(process.execPath, args, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...shared.env },
  });
  return JSON.parse(out.trim().split('\n').at(-1));
}

/** Round r starts at contestant r, so no contestant always runs first or last. */
function rotate(list, by) {
  const k = by % list.length;
  return [...list.slice(k), ...list.slice(0, k)];
}

// BENCH_CASES=get-hit,set-evict runs only those cases (while working on them; results are partial).
const only = process.env.BENCH_CASES?.split(',');
const cases = [];
for (const [name, benchCase] of Object.entries(definition.cases)) {
  if (only && !only.includes(name)) continue;
  const contestants = benchCase.contestants ?? definition.contestants;
  const samples = new Map(contestants.map((c) => [c, []]));
  for (let round = 0; round < rounds; round++) {
    for (const contestant of rotate(contestants, round)) {
      samples.get(contestant).push(runWorker(name, contestant));
      process.stderr.write(
        `${definition.package} ${name} round ${round + 1}/${rounds}: ${contestant}\n`,
      );
    }
  }
  const results = contestants.map((contestant) => summarize(contestant, samples.get(contestant)));
  addOverheads(results);
  cases.push({
    name,
    description: benchCase.description,
    kind: benchCase.kind ?? 'throughput',
    latency: !!benchCase.latency,
    results,
    ratios: ratios(results, benchCase.kind),
  });
}

const report = {
  package: definition.package,
  title: definition.title,
  anchors: definition.anchors,
  machine: describeMachine(),
  date: new Date().toISOString(),
  quick,
  rounds,
  cases,
};
const dir = resultsDir(quick);
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, `${definition.package}.json`), `${JSON.stringify(report, null, 2)}\n`);
const markdown = writeReport(dir);
await shared.teardown?.();
process.stderr.write(`wrote ${join(dir, `${definition.package}.json`)} and ${markdown}\n`);

function summarize(contestant, runs) {
  const pick = (f) => median(runs.map(f));
  return {
    contestant,
    opsPerSec: pick((r) => r.opsPerSec),
    p50Ns: pick((r) => r.p50Ns),
    p99Ns: pick((r) => r.p99Ns),
    gcP99Ms: pick((r) => r.gcP99Ms),
    gcMaxMs: pick((r) => r.gcMaxMs),
    heapUsedBytes: pick((r) => r.memory?.heapUsedBytes),
    rssBytes: pick((r) => r.memory?.rssBytes),
    bytesPerEntry: pick((r) => r.memory?.bytesPerEntry),
    runs: runs.length,
  };
}

/**
 * With a baseline contestant (the bare action), each result's cost over it in ns per
 * operation: what the wrapper itself adds, the figure a breaker's users care about.
 */
function addOverheads(results) {
  const base = results.find((r) => r.contestant === definition.baseline);
  if (!base) return;
  for (const r of results) {
    if (r !== base) r.overheadNs = 1e9 / r.opsPerSec - 1e9 / base.opsPerSec;
  }
}

/** Ours against each anchor: throughput as ours/anchor (higher is better), memory as ours/anchor (lower is better). */
function ratios(results, kind) {
  const by = new Map(results.map((r) => [r.contestant, r]));
  const ours = results.filter(
    (r) => !definition.anchors.includes(r.contestant) && r.contestant !== definition.baseline,
  );
  const out = [];
  for (const o of ours) {
    for (const anchor of definition.anchors) {
      const a = by.get(anchor);
      if (!a) continue;
      const entry = { ours: o.contestant, anchor, opsPerSec: o.opsPerSec / a.opsPerSec };
      if (o.overheadNs !== undefined && a.overheadNs > 0)
        entry.overhead = o.overheadNs / a.overheadNs;
      if (kind === 'memory') {
        entry.bytesPerEntry = o.bytesPerEntry / a.bytesPerEntry;
        entry.gcP99 = a.gcP99Ms > 0 ? o.gcP99Ms / a.gcP99Ms : undefined;
      }
      out.push(entry);
    }
  }
  return out;
}
