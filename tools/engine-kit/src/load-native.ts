import { basename, sep } from 'node:path';
import { platformPackage, platformTriple } from './platform.js';

/** What loading a package's twin gave: the binding, or why there is none. */
export interface NativeLoad<B> {
  binding: B | undefined;
  /** Path of the `.node` file that loaded, or null. */
  binary: string | null;
  /** Set when `binding` is undefined. */
  failure?: NativeLoadFailure;
}

export interface NativeLoadFailure {
  /** `missing`: no binary for this platform; `failed`: one was found and would not load. */
  kind: 'missing' | 'failed';
  message: string;
}

export interface NativeSpec {
  /** The npm name of the package, e.g. `@bulwark/ttl-cache`. */
  packageName: string;
  /** `napi.binaryName`: the stem of the `.node` file. */
  binaryName: string;
  /** A `require` rooted in the package, and the path of the napi-generated loader from there. */
  require: NodeJS.Require;
  loaderPath: string;
}

/**
 * Loads the napi-generated loader once and classifies what happened. The loader tries the
 * local build and then the per-platform package, collecting each error in `cause`; a
 * binary that exists but fails (wrong libc, corrupt file, ABI mismatch) is reported with
 * the loader's own message, never folded into "not found".
 */
export function loadNative<B>(spec: NativeSpec): NativeLoad<B> {
  try {
    const binding = spec.require(spec.loaderPath) as B;
    return { binding, binary: findLoadedBinary(spec) };
  } catch (error) {
    return { binding: undefined, binary: null, failure: classify(error, spec.packageName) };
  }
}

/** The `.node` file the loader required: the local build, or the per-platform package's. */
function findLoadedBinary(spec: NativeSpec): string | null {
  const prefix = `${spec.binaryName}.`;
  // Worked out once, not per cache entry: the platform name can cost a process report.
  const packageFolder = `${sep}${platformPackage(spec.packageName).replace('/', sep)}${sep}`;
  for (const path of Object.keys(spec.require.cache)) {
    if (
      path.endsWith('.node') &&
      (basename(path).startsWith(prefix) || path.includes(packageFolder))
    ) {
      return path;
    }
  }
  return null;
}

function classify(error: unknown, packageName: string): NativeLoadFailure {
  const attempts = errorChain(error);
  // The generated loader rebuilds each attempt's error as a plain Error (no `code`), so a
  // file that is not there is told apart by the resolver's message.
  const realFailures = attempts.filter((message) => !message.startsWith('Cannot find module'));
  if (realFailures.length === 0) {
    return {
      kind: 'missing',
      message:
        `no native binary for ${platformTriple()}: it ships in ${platformPackage(packageName)}, ` +
        `an optional dependency of ${packageName} that was not installed. Reinstall with ` +
        `optional dependencies (\`npm install --include=optional\`, or without \`--omit=optional\` / ` +
        `\`--no-optional\`), or add it yourself (\`npm install ${platformPackage(packageName)}\`); ` +
        `if no such package exists for this platform, use engine: "js"`,
    };
  }
  return {
    kind: 'failed',
    message: `the native binary for ${platformTriple()} failed to load: ${realFailures.join('; ')}`,
  };
}

/** The messages of the loader's attempts: the error's `cause` chain, below its summary. */
function errorChain(error: unknown): string[] {
  const messages: string[] = [];
  let cause = (error as { cause?: unknown })?.cause;
  if (cause === undefined || cause === null) return [String((error as Error)?.message ?? error)];
  while (cause !== undefined && cause !== null) {
    messages.push(String((cause as Error).message ?? cause));
    cause = (cause as { cause?: unknown }).cause;
  }
  return messages;
}
