import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PLATFORM_OF_TARGET } from '../src/targets.mjs';

/**
 * The napi CLI reads each package's targets from its package.json, so the list lives
 * there; this is what keeps every copy equal to the one in targets.mjs, which the release
 * job and the per-platform package names follow.
 */
const packagesDir = join(import.meta.dirname, '..', '..', '..', 'packages');
const withTwins = readdirSync(packagesDir)
  .map((name) => JSON.parse(readFileSync(join(packagesDir, name, 'package.json'), 'utf8')))
  .filter((pkg) => pkg.napi);

describe('napi targets', () => {
  it('every package with a twin builds the one list of targets', () => {
    expect(withTwins.length).toBeGreaterThan(0);
    for (const pkg of withTwins) {
      expect({ name: pkg.name, targets: pkg.napi.targets }).toEqual({
        name: pkg.name,
        targets: Object.keys(PLATFORM_OF_TARGET),
      });
    }
  });
});
