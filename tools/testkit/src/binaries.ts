import { execFileSync } from 'node:child_process';

const INSTALL_HINT =
  'Install Redis 6 or newer: `sudo apt-get install redis-server redis-tools` on Debian or Ubuntu, ' +
  '`brew install redis` on macOS. `pnpm test` installs it by itself where it runs as root with apt.';

/** The path of `name` on PATH, or a clear error that says how to install it. */
export function requireBinary(name: 'redis-server' | 'redis-cli'): string {
  try {
    return execFileSync('/bin/sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error(
      `testkit: ${name} was not found on PATH, and these tests need a real Redis. ${INSTALL_HINT}`,
    );
  }
}
