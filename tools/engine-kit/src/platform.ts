/**
 * The platform name napi-rs gives this machine (`linux-x64-gnu`, `darwin-arm64`,
 * `win32-x64-msvc` ...): the suffix of the `.node` file and of the per-platform package.
 */
export function platformTriple(): string {
  triple ??= detectTriple();
  return triple;
}

// Detecting musl builds a process report (milliseconds), so it is done once.
let triple: string | undefined;

function detectTriple(): string {
  const { platform, arch } = process;
  if (platform === 'linux') return `linux-${arch}-${isMusl() ? 'musl' : 'gnu'}`;
  if (platform === 'win32') return `win32-${arch}-msvc`;
  return `${platform}-${arch}`;
}

function isMusl(): boolean {
  // glibc reports its version in the process report header; musl has none.
  const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } };
  return !report?.header?.glibcVersionRuntime;
}

/** The npm package that carries the binary for this platform. */
export function platformPackage(packageName: string): string {
  return `${packageName}-${platformTriple()}`;
}
