import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { platformOf } from './targets.mjs';

const napiBin = resolve(import.meta.dirname, '../../../node_modules/.bin/napi');

/**
 * The release job's napi steps for one package, on a copy of it: `napi create-npm-dirs`,
 * `napi artifacts`, `napi prepublish` (which writes the platform packages' versions and the
 * main package's optionalDependencies), then `npm pack --dry-run` of every package.
 *
 * - `publish: false` (the dry run): nothing reaches npm or GitHub; prepublish runs with
 *   --skip-optional-publish and then once more with --dry-run.
 * - `publish: true` (the release job): prepublish publishes the platform packages;
 *   `changeset publish` publishes the main package afterwards.
 * - `requireAllTargets`: the release job has every target's artifact and must not ship
 *   without one; locally only the targets built here are rehearsed.
 */
export function prepareRelease(
  packageDir,
  { artifactsDir = packageDir, publish = false, requireAllTargets = false } = {},
) {
  const pkg = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));
  const { binaryName, targets } = pkg.napi;
  const built = targets.filter((t) =>
    existsSync(join(artifactsDir, `${binaryName}.${platformOf(t)}.node`)),
  );
  const missing = targets.filter((t) => !built.includes(t));
  if (built.length === 0) throw new Error(`${pkg.name}: no binary built; run pnpm build first`);
  if (requireAllTargets && missing.length > 0) {
    throw new Error(
      `${pkg.name}: no artifact for ${missing.join(', ')}; refusing to release without them`,
    );
  }

  const work = mkdtempSync(join(tmpdir(), 'bulwark-release-'));
  // What the package says it publishes (`files`), not a fixed list: a package that adds a
  // folder (circuit-breaker's cjs/) must not lose it here.
  for (const file of ['package.json', 'README.md', ...(pkg.files ?? [])]) {
    if (existsSync(join(packageDir, file)))
      cpSync(join(packageDir, file), join(work, file), { recursive: true });
  }
  mkdirSync(join(work, 'artifacts'));
  for (const t of built) {
    const file = `${binaryName}.${platformOf(t)}.node`;
    cpSync(join(artifactsDir, file), join(work, 'artifacts', file));
  }
  // The release job has every target's artifact; here only some, so the config names those.
  writeFileSync(join(work, 'napi.local.json'), JSON.stringify({ ...pkg.napi, targets: built }));

  const napi = (...args) =>
    execFileSync(napiBin, [...args, '-c', 'napi.local.json'], {
      cwd: work,
      encoding: 'utf8',
      stdio: 'pipe',
    });
  napi('create-npm-dirs');
  napi('artifacts', '--output-dir', 'artifacts');
  if (publish) {
    napi('prepublish', '-t', 'npm', '--no-gh-release');
  } else {
    napi('prepublish', '-t', 'npm', '--skip-optional-publish', '--no-gh-release');
    napi('prepublish', '-t', 'npm', '--dry-run', '--no-gh-release');
  }

  const prepared = JSON.parse(readFileSync(join(work, 'package.json'), 'utf8'));
  const mainFiles = packedFiles(work);
  const unpacked = entryPoints(pkg).filter((file) => !mainFiles.includes(file));
  if (unpacked.length > 0) {
    throw new Error(
      `${pkg.name}: package.json points at ${unpacked.join(', ')}, which the tarball would not contain`,
    );
  }
  const platformPackages = built.map((t) => {
    const dir = join(work, 'npm', platformOf(t));
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    return {
      target: t,
      dir,
      name: manifest.name,
      version: manifest.version,
      files: packedFiles(dir),
    };
  });
  return {
    name: pkg.name,
    version: pkg.version,
    workDir: work,
    built,
    notBuilt: missing,
    optionalDependencies: prepared.optionalDependencies ?? {},
    mainFiles,
    platformPackages,
  };
}

/** Every file `main`, `types` and the `exports` map name, without its leading `./`. */
function entryPoints(pkg) {
  const paths = [];
  const visit = (value) => {
    if (typeof value === 'string') paths.push(value);
    else if (value && typeof value === 'object') Object.values(value).forEach(visit);
  };
  visit([pkg.main, pkg.module, pkg.types, pkg.exports]);
  return [...new Set(paths.filter((p) => !p.includes('*')).map((p) => p.replace(/^\.\//, '')))];
}

/** The files `npm pack` would put in the tarball. */
function packedFiles(dir) {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: dir,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return JSON.parse(out)[0]
    .files.map((f) => f.path)
    .sort();
}
