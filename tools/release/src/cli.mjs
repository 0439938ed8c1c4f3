#!/usr/bin/env node
// The napi half of a release, for every native package.
//   node tools/release/src/cli.mjs                 dry run with the binaries built here (pnpm release:dry-run)
//   node tools/release/src/cli.mjs --publish DIR   the release job: artifacts of every target in DIR/<package>/,
//                                                  platform packages published (main packages: changeset publish)
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { prepareRelease } from './prepare.mjs';

const publishIndex = process.argv.indexOf('--publish');
const publish = publishIndex !== -1;
const artifactsRoot = publish ? resolve(process.argv[publishIndex + 1] ?? 'artifacts') : undefined;

const packagesDir = resolve(import.meta.dirname, '../../../packages');
for (const name of readdirSync(packagesDir)) {
  const dir = join(packagesDir, name);
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  if (!pkg.napi) continue;
  if (publish && isPublished(pkg.name, pkg.version)) {
    console.log(`${pkg.name}@${pkg.version} is on npm already; its platform packages are too`);
    continue;
  }
  const r = prepareRelease(dir, {
    publish,
    requireAllTargets: publish,
    artifactsDir: publish ? join(artifactsRoot, name) : dir,
  });
  console.log(`${r.name}@${r.version}${publish ? '' : ' (dry run: nothing published)'}`);
  console.log(`  rehearsed: ${r.built.join(', ')}`);
  console.log(`  left to the release job's build matrix: ${r.notBuilt.join(', ') || 'none'}`);
  console.log(`  optionalDependencies: ${JSON.stringify(r.optionalDependencies)}`);
  console.log(`  main tarball: ${r.mainFiles.join(' ')}`);
  for (const p of r.platformPackages) console.log(`  ${p.name}@${p.version}: ${p.files.join(' ')}`);
  rmSync(r.workDir, { recursive: true, force: true });
}

function isPublished(name, version) {
  try {
    return (
      execFileSync('npm', ['view', `${name}@${version}`, 'version'], {
        encoding: 'utf8',
      }).trim() === version
    );
  } catch {
    return false;
  }
}
