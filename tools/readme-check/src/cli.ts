// readme-check: type-checks and runs every ```ts / ```typescript / ```js block of the READMEs
// against the built packages, so a README cannot drift from the code. See ../README.md.
// Usage: node --import tsx tools/readme-check/src/cli.ts [README paths from the repo root]
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type RedisServer, requireBinary, startRedis } from '@bulwark/testkit';
import ts from 'typescript';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const RUNNER = fileURLToPath(new URL('./run-block.mjs', import.meta.url));
const TSX = import.meta.resolve('tsx');
const TIMEOUT_MS = Number(process.env.README_CHECK_TIMEOUT_MS ?? 20_000);
// ioredis ends a connection cut during its handshake with a 2 s timer of its own: a block
// that quits a client right after creating it exits a little later, and that is no leak.
const GRACE_MS = 3_000;
// ioredis reads no environment variable: `new Redis()` in a README, as a reader writes it,
// connects to 127.0.0.1:6379, so the test server has to be there (REDIS_URL is set too).
const REDIS_PORT = 6379;
const LANGS: Record<string, string> = { ts: 'ts', typescript: 'ts', js: 'js', javascript: 'js' };

interface Block {
  readme: string; // relative to ROOT, for messages
  line: number; // the opening fence's line; the code starts on the next one
  code: string;
  skip: boolean;
  file: string;
}

function blocksOf(readme: string, dir: string): Block[] {
  const lines = readFileSync(join(ROOT, readme), 'utf8').split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^ {0,3}(`{3,}|~{3,})(.*)$/.exec(lines[i]!);
    if (!open) continue;
    const [, fence = '', info = ''] = open;
    const start = i;
    const close = new RegExp(`^ {0,3}${fence[0]}{${fence.length},}\\s*$`);
    const body: string[] = [];
    while (++i < lines.length && !close.test(lines[i]!)) body.push(lines[i]!);
    const lang = LANGS[info.trim().split(/\s+/)[0] ?? ''];
    if (!lang) continue;
    const code = `${body.join('\n')}\n`;
    // A block with require() and no import is CommonJS, as a reader would run it.
    const cjs = /\brequire\(/.test(code) && !/^\s*import\s/m.test(code);
    const file = join(dir, `block-${start + 1}.${cjs ? 'c' : 'm'}${lang}`);
    blocks.push({ readme, line: start + 1, code, skip: /\bno-check\b/.test(info), file });
  }
  return blocks;
}

// One program for all blocks: one compile instead of one per block. moduleDetection
// 'force' makes each block its own module even without an import, so blocks never clash.
function typeErrors(blocks: Block[], js: boolean): Map<string, string[]> {
  const errors = new Map<string, string[]>();
  const files = blocks.filter((b) => !b.skip && b.file.endsWith('js') === js).map((b) => b.file);
  if (files.length === 0) return errors;
  const program = ts.createProgram(files, {
    strict: true,
    noImplicitAny: !js, // plain JS has no annotations: the implicit any is the language
    allowJs: js,
    checkJs: js,
    noEmit: true,
    skipLibCheck: true,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    moduleDetection: ts.ModuleDetectionKind.Force,
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2023.d.ts', 'lib.esnext.disposable.d.ts'], // as tsconfig.base.json: `using`
    types: ['node'],
  });
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const block = blocks.find((b) => b.file === d.file?.fileName);
    const text = ts.flattenDiagnosticMessageText(d.messageText, '\n    ');
    if (!block || d.start === undefined) {
      for (const f of files) errors.set(f, [...(errors.get(f) ?? []), `TS${d.code}: ${text}`]);
      continue;
    }
    const at = d.file!.getLineAndCharacterOfPosition(d.start);
    const where = `${block.readme}:${block.line + at.line + 1}:${at.character + 1}`;
    errors.set(block.file, [...(errors.get(block.file) ?? []), `${where} TS${d.code}: ${text}`]);
  }
  return errors;
}

function run(block: Block, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  return new Promise((resolve) => {
    const args = ['--import', TSX, RUNNER, pathToFileURL(block.file).href, String(GRACE_MS)];
    const cwd = dirname(block.file);
    const child = spawn(process.execPath, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, TIMEOUT_MS);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0 && !timedOut) return resolve(undefined);
      const why = timedOut
        ? `still running after ${TIMEOUT_MS} ms (README_CHECK_TIMEOUT_MS), killed`
        : code === 13 // node's code for it, printed without a word when the import is ours
          ? 'its top-level await never settled: it awaits a promise that nothing resolves'
          : `exited with ${signal ?? `code ${code}`}`;
      resolve([why, readable(output, block)].filter(Boolean).join('\n'));
    });
  });
}

// The block's file stands for the README: its paths become README lines, node's own
// frames and version banner go, and a long trace is cut.
function readable(output: string, block: Block): string {
  const path = block.file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return output
    .replace(new RegExp(`(?:file://)?${path}:(\\d+)(?::\\d+)?`, 'g'), (_, n) => {
      return `${block.readme}:${block.line + Number(n)}`;
    })
    .split('\n')
    .filter((l) => l.trim() && !/node:internal|run-block\.mjs|^Node\.js v\d/.test(l))
    .slice(0, 20)
    .join('\n');
}

async function main(): Promise<number> {
  const readmes = process.argv.slice(2);
  if (readmes.length === 0) {
    readmes.push('README.md');
    for (const p of readdirSync(join(ROOT, 'packages')).sort()) {
      readmes.push(`packages/${p}/README.md`);
    }
  }
  // Each README's blocks go in a folder inside its package, so `@bulwark/x` resolves to
  // the built package through its own exports map (self-reference), as for a user.
  const dirs: string[] = [];
  const cleanup = () => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  };
  process.on('exit', cleanup);
  const blocks = readmes.flatMap((readme) => {
    const dir = mkdtempSync(join(ROOT, dirname(readme), '.readme-check-'));
    dirs.push(dir);
    return blocksOf(readme, dir);
  });
  for (const b of blocks) writeFileSync(b.file, b.code);
  const errors = new Map([...typeErrors(blocks, false), ...typeErrors(blocks, true)]);

  let passed = 0;
  let failed = 0;
  let redis: RedisServer | Error | undefined;
  const env = { ...process.env, REDIS_URL: `redis://127.0.0.1:${REDIS_PORT}` };
  try {
    for (const block of blocks) {
      const at = `${block.readme}:${block.line}`;
      if (block.skip) {
        console.log(`skip ${at} (no-check)`);
        continue;
      }
      const found = errors.get(block.file) ?? [];
      // A block that is not code at all yields a wall of errors; the first ones say enough.
      if (found.length > 8) found.splice(8, Infinity, `... and ${found.length - 8} more`);
      let failure = found.length > 0 ? found.join('\n') : undefined;
      if (!failure && /['"]ioredis['"]/.test(block.code)) {
        redis ??= await startRedis({ port: REDIS_PORT }).catch((e: Error) => e);
        if (redis instanceof Error) {
          failure = `needs a Redis of its own on 127.0.0.1:${REDIS_PORT}, ioredis's default: ${redis.message}`;
        } else {
          // Every block starts from an empty Redis, so no block depends on another's keys.
          execFileSync(requireBinary('redis-cli'), ['-p', String(REDIS_PORT), 'flushall']);
        }
      }
      failure ??= await run(block, env);
      if (failure) {
        failed++;
        console.log(`FAIL ${at}\n${failure.replace(/^/gm, '  ')}`);
      } else {
        passed++;
        console.log(`ok  ${at}`);
      }
    }
  } finally {
    if (redis && !(redis instanceof Error)) await redis.close();
    cleanup();
  }
  console.log(`${passed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

process.exitCode = await main();
