import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM without types
import { median } from '../src/median.mjs';

const out = mkdtempSync(join(tmpdir(), 'bulwark-bench-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('bench harness', () => {
  it('takes the median of the defined values', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([undefined, 5])).toBe(5);
    expect(median([])).toBeUndefined();
  });

  it('runs every contestant in its own process and writes results and BENCHMARKS.md', () => {
    const cli = resolve(import.meta.dirname, '../src/cli.mjs');
    const fixture = resolve(import.meta.dirname, 'fixtures/tiny.bench.mjs');
    execFileSync(process.execPath, [cli, fixture], {
      env: { ...process.env, BENCH_QUICK: '1', BENCH_RESULTS_DIR: out },
      stdio: 'pipe',
    });
    const report = JSON.parse(readFileSync(join(out, 'tiny.json'), 'utf8'));
    expect(report.machine).toMatchObject({ node: process.version });
    expect(report.cases.map((c: { name: string }) => c.name)).toEqual(['sum', 'held']);
    const sum = report.cases[0];
    expect(sum.results.map((r: { contestant: string }) => r.contestant)).toEqual([
      'ours',
      'anchor',
    ]);
    expect(
      sum.results.every(
        (r: { opsPerSec: number; p99Ns: number }) => r.opsPerSec > 0 && r.p99Ns > 0,
      ),
    ).toBe(true);
    expect(sum.ratios[0].opsPerSec).toBeCloseTo(
      sum.results[0].opsPerSec / sum.results[1].opsPerSec,
    );
    expect(report.cases[1].results[0].bytesPerEntry).toBeGreaterThan(0);
    const markdown = readFileSync(join(out, 'BENCHMARKS.md'), 'utf8');
    expect(markdown).toContain('## tiny fixture');
    expect(markdown).toMatch(/Machine: .*cores.*Node v/);
    expect(markdown).toMatch(/\| ours \| [\d.]+ [Mk]? ?\|/);
  });
});
