#!/usr/bin/env node
// pnpm release:glibc: builds every twin for linux x64 gnu the way the release job does,
// against the glibc baseline (cargo-zigbuild, `--target x86_64-unknown-linux-gnu.2.17`),
// then fails if any binary needs a newer glibc symbol, and loads each one in Node.
// Zig and cargo-zigbuild come from PyPI (pinned below) into .zig/, unless on PATH.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, join, resolve } from 'node:path';
import { compareVersions, GLIBC_BASELINE, newestGlibcNeeded } from './glibc.mjs';

const ZIG = 'ziglang==0.14.1';
const ZIGBUILD = 'cargo-zigbuild==0.24.1';
const root = resolve(import.meta.dirname, '../../..');
const napiBin = join(root, 'node_modules/.bin/napi');
const outRoot = join(root, '.glibc-baseline');
const target = `x86_64-unknown-linux-gnu.${GLIBC_BASELINE}`;

if (process.platform !== 'linux' || process.arch !== 'x64') {
  console.log(
    `glibc baseline: checked on linux x64 only; this is ${process.platform}-${process.arch}`,
  );
  process.exit(0);
}

const env = { ...process.env, PATH: zigPath() };
rmSync(outRoot, { recursive: true, force: true });
let failed = 0;
for (const name of readdirSync(join(root, 'packages'))) {
  const dir = join(root, 'packages', name);
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  if (!pkg.napi) continue;
  const out = join(outRoot, name);
  mkdirSync(out, { recursive: true });
  execFileSync(
    napiBin,
    [
      'build',
      '--platform',
      '--release',
      '--manifest-path',
      `../../crates/${pkg.napi.binaryName}/Cargo.toml`,
      '--output-dir',
      out,
      '--no-js',
      '--target',
      target,
      '-x',
    ],
    { cwd: dir, env, stdio: ['ignore', 'inherit', 'inherit'] },
  );
  const binary = join(out, `${pkg.napi.binaryName}.linux-x64-gnu.node`);
  const needs = newestGlibcNeeded(binary);
  const tooNew = compareVersions(needs, GLIBC_BASELINE) > 0;
  // Loads: the symbols it names exist in this glibc, and napi's module registers.
  const exports = Object.keys(createRequire(import.meta.url)(binary));
  if (tooNew || exports.length === 0) failed++;
  console.log(
    `${tooNew ? 'FAIL' : 'ok  '} ${pkg.name}: needs GLIBC_${needs} (baseline ${GLIBC_BASELINE}); loads with ${exports.length} exports`,
  );
}
process.exit(failed === 0 ? 0 : 1);

/** PATH with zig and cargo-zigbuild on it: as found, or from PyPI into .zig/ (a venv). */
function zigPath() {
  const has = (command) => spawnSync('/bin/sh', ['-c', `command -v ${command}`]).status === 0;
  if (has('zig') && has('cargo-zigbuild')) return process.env.PATH;
  const venv = join(root, '.zig');
  const bin = join(venv, 'bin');
  if (!existsSync(join(bin, 'cargo-zigbuild'))) {
    execFileSync('python3', ['-m', 'venv', venv], { stdio: 'inherit' });
    execFileSync(join(bin, 'pip'), ['install', '--quiet', ZIG, ZIGBUILD], { stdio: 'inherit' });
  }
  // The ziglang wheel ships zig as a Python module; cargo-zigbuild finds it through
  // `python -m ziglang`, so the venv's python must come first on PATH.
  return [bin, process.env.PATH].join(delimiter);
}
