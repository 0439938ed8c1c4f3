import { execFileSync } from 'node:child_process';

/**
 * The oldest glibc our linux gnu binaries may need: 2.17, the baseline napi-rs ships
 * (RHEL/CentOS 7, Debian 8, Ubuntu 14.04 and everything since). A binary linked on this
 * machine's Debian would need 2.34 (`dlopen`, `pthread_key_create` moved into libc), which
 * Debian 11 and Ubuntu 20.04 do not have, so the gnu targets are linked by cargo-zigbuild
 * against 2.17's symbols (`--target x86_64-unknown-linux-gnu.2.17 -x`).
 */
export const GLIBC_BASELINE = '2.17';

/**
 * The newest glibc symbol version `file` needs, from its version-needs section. readelf,
 * not objdump: Debian's objdump cannot read another architecture's ELF and prints no
 * symbols, which would pass any check silently.
 */
export function newestGlibcNeeded(file) {
  const out = execFileSync('readelf', ['-V', '--wide', file], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const versions = [...out.matchAll(/GLIBC_(\d+(?:\.\d+)+)/g)].map((m) => m[1]);
  if (versions.length === 0) throw new Error(`${file}: needs no GLIBC_ version: not a glibc ELF?`);
  return versions.sort(compareVersions).at(-1);
}

export function compareVersions(a, b) {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
