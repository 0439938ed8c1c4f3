#!/usr/bin/env node
// node tools/release/src/check-glibc.mjs FILE...: fails if a linux gnu binary needs a glibc
// newer than the baseline. The release job runs it on what its gnu legs built.
import { compareVersions, GLIBC_BASELINE, newestGlibcNeeded } from './glibc.mjs';

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('check-glibc: no .node files given');
  process.exit(1);
}
let failed = 0;
for (const file of files) {
  const needs = newestGlibcNeeded(file);
  const ok = compareVersions(needs, GLIBC_BASELINE) <= 0;
  if (!ok) failed++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${file} needs GLIBC_${needs} (baseline ${GLIBC_BASELINE})`);
}
process.exit(failed === 0 ? 0 : 1);
