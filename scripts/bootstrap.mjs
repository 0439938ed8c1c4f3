#!/usr/bin/env node
// The README's two commands, for a fresh clone on a machine with Node 20+, npm and Rust:
//   npm start   install everything, build, run the demo (no Redis needed)
//   npm test    install everything, build, run every test (vitest and cargo), ending with
//               one line "N passed, N failed" that counts both
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const PNPM_VERSION = JSON.parse(readFileSync('package.json', 'utf8')).packageManager.split('@')[1];
const RESULTS = '.test-results';
const mode = process.argv[2];
if (mode !== 'demo' && mode !== 'test') fail('usage: node scripts/bootstrap.mjs demo|test');
process.env.TURBO_TELEMETRY_DISABLED = '1';

checkToolchain();
pnpm('install', ...(process.env.CI ? ['--frozen-lockfile'] : []));
pnpm('run', 'build');
if (mode === 'demo') {
  run(process.execPath, ['scripts/demo.mjs']);
} else {
  ensureRedis();
  process.exit(runAllTests());
}

function checkToolchain() {
  const major = Number(process.versions.node.split('.')[0]);
  if (major < 20) fail(`Node 20 or newer is needed; this is ${process.version}.`);
  if (!has('cargo')) {
    fail(
      'cargo was not found: the native engines build from Rust. Install it from https://rustup.rs and run this again.',
    );
  }
}

/** pnpm at the pinned version: the one on PATH if it matches, else through npx. */
function pnpm(...args) {
  const onPath = spawnSync('pnpm', ['--version'], { encoding: 'utf8' });
  if (onPath.status === 0 && onPath.stdout.trim() === PNPM_VERSION) return run('pnpm', args);
  return run('npx', ['--yes', `pnpm@${PNPM_VERSION}`, ...args]);
}

/** Real Redis for the tests: installed with apt where this runs as root, else a clear word. */
function ensureRedis() {
  if (has('redis-server') && has('redis-cli')) return;
  const asRoot = process.getuid?.() === 0;
  const canInstall = has('apt-get') && (asRoot || spawnSync('sudo', ['-n', 'true']).status === 0);
  if (canInstall) {
    const apt = (...args) =>
      asRoot ? run('apt-get', args) : run('sudo', ['-n', 'apt-get', ...args]);
    console.log(
      'Installing redis-server and redis-tools from Debian packages for the Redis tests...',
    );
    apt('update', '-qq');
    apt('install', '-y', '-qq', 'redis-server', 'redis-tools');
    return;
  }
  console.warn(
    'redis-server is not installed and cannot be installed from here: the Redis tests will fail and say how to install it ' +
      '(`sudo apt-get install redis-server redis-tools`, or `brew install redis`).',
  );
}

function runAllTests() {
  mkdirSync(RESULTS, { recursive: true });
  const vitestJson = join(RESULTS, 'vitest.json');
  const vitest = spawnSync(
    join('node_modules', '.bin', 'vitest'),
    ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${vitestJson}`],
    { stdio: 'inherit' },
  );
  const cargo = spawnSync('cargo', ['test', '--workspace'], { encoding: 'utf8' });
  process.stdout.write(cargo.stdout ?? '');
  process.stderr.write(cargo.stderr ?? '');

  const totals = { passed: 0, failed: 0, skipped: 0 };
  try {
    const v = JSON.parse(readFileSync(vitestJson, 'utf8'));
    totals.passed += v.numPassedTests;
    totals.failed += v.numFailedTests;
    totals.skipped += v.numPendingTests + v.numTodoTests;
  } catch {
    totals.failed += 1; // vitest wrote no report: it crashed before running, which is a failure.
  }
  for (const m of (cargo.stdout ?? '').matchAll(
    /test result: \w+\. (\d+) passed; (\d+) failed; (\d+) ignored/g,
  )) {
    totals.passed += Number(m[1]);
    totals.failed += Number(m[2]);
    totals.skipped += Number(m[3]);
  }
  if (cargo.status !== 0 && !/test result:/.test(cargo.stdout ?? '')) totals.failed += 1;
  const line = `${totals.passed} passed, ${totals.failed} failed${totals.skipped ? `, ${totals.skipped} skipped` : ''}`;
  writeFileSync(join(RESULTS, 'totals.txt'), `${line}\n`);
  console.log(`\n${line}`);
  return vitest.status === 0 && cargo.status === 0 && totals.failed === 0 ? 0 : 1;
}

function has(command) {
  return spawnSync('/bin/sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

function run(command, args) {
  const r = spawnSync(command, args, { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

function fail(message) {
  console.error(message);
  process.exit(1);
}
